"""`make bench`: every benchmarks/bench_*.py module, run in one process, one report.

Each module exposes `run() -> str`, returning a Markdown section (heading level 2) with its
figures as ratios against a baseline measured in the same run. The sections are written to
docs/performance.md between the generated markers, in module-name order.
"""
