"""Cold start of every function: a fresh process importing its handler module, against bare boto3.

What Lambda pays on a cold start before the first event is, for our code, the import of the
handler module (the runtime's own start is the same for every function). Each function's
import is timed in a new `python -c "import <module>"` process with PYTHONPATH as Lambda
lays it out (functions/ and the core layer) and the function's own environment from
template.yaml; the baseline is a handler that imports only boto3, timed in the same rounds,
interleaved, so machine load hits both alike. Goal: at most 1.3x the baseline.
For functions over the goal, `python -X importtime` names the heaviest imports the baseline
does not pay for.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 7
GOAL = 1.3
BARE_HANDLER = """import boto3


def lambda_handler(event, context):
    return {"statusCode": 200}
"""


def _functions() -> dict[str, tuple[str, dict[str, str]]]:
    sys.path.insert(0, str(ROOT))
    from local.openapi import handler_module
    from local.template import Template

    template = Template.load(ROOT / "template.yaml")
    return {
        logical_id: (handler_module(template, logical_id), template.function_environment(logical_id))
        for logical_id in sorted(template.of_type("AWS::Serverless::Function"))
    }


def _env(pythonpath: list[Path], own: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        **own,
        "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def _time_import(module: str, env: dict[str, str]) -> float:
    import time

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], env=env, check=True, cwd="/")
    return time.perf_counter() - start


def _import_tree(module: str, env: dict[str, str]) -> list[tuple[str, float, str]]:
    """(module, cumulative ms, importer) for every import `python -X importtime` reports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((match.group(3), int(match.group(1)) / 1000, (len(match.group(2)) - 1) // 2))
    # Children are printed before their parent: the importer is the next line one level up.
    found: list[tuple[str, float, str]] = []
    pending: dict[int, list[tuple[str, float]]] = {}
    for name, ms, depth in rows:
        for child, child_ms in pending.pop(depth + 1, []):
            found.append((child, child_ms, name))
        pending.setdefault(depth, []).append((name, ms))
    found += [(name, ms, "-") for name, ms in pending.get(0, [])]
    return found


def _heaviest(module: str, env: dict[str, str], bare: set[str]) -> str:
    """Where our code enters imports the bare handler does not pay: `what` ← `who`, heaviest first."""
    ours = ("tracktion", module.split(".", 1)[0])

    def first_party(name: str) -> bool:
        return name.split(".", 1)[0] in ours

    entries = [
        (name, ms, importer)
        for name, ms, importer in _import_tree(module, env)
        if not first_party(name) and first_party(importer) and name not in bare
    ]
    entries.sort(key=lambda e: e[1], reverse=True)
    return ", ".join(f"`{name}` {ms:.0f} ms ← `{importer}`" for name, ms, importer in entries[:4])


def run() -> str:
    functions = _functions()
    base_path = [ROOT / "functions", ROOT / "layers" / "core"]
    with tempfile.TemporaryDirectory() as bare_dir:
        Path(bare_dir, "bare_handler.py").write_text(BARE_HANDLER, encoding="utf-8")
        bare_env = _env([Path(bare_dir), *base_path], {})
        envs = {fid: _env(base_path, own) for fid, (_module, own) in functions.items()}
        # One warm-up each: bytecode written, files in the page cache (as on a warm host).
        _time_import("bare_handler", bare_env)
        for fid, (module, _own) in functions.items():
            _time_import(module, envs[fid])
        bare_times: list[float] = []
        times: dict[str, list[float]] = {fid: [] for fid in functions}
        for _ in range(ROUNDS):
            for fid, (module, _own) in functions.items():
                bare_times.append(_time_import("bare_handler", bare_env))
                times[fid].append(_time_import(module, envs[fid]))
        bare_modules = {name for name, _ms, _by in _import_tree("bare_handler", bare_env)}
    floor = statistics.median(bare_times)
    rows = []
    over: list[str] = []
    for fid, (module, _own) in functions.items():
        median = statistics.median(times[fid])
        ratio = median / floor
        verdict = "ok" if ratio <= GOAL else "over"
        rows.append(f"| {fid} | `{module}` | {median * 1000:.0f} | {ratio:.2f}x | {verdict} |")
        if ratio > GOAL:
            over.append(f"- **{fid}** ({ratio:.2f}x): {_heaviest(module, envs[fid], bare_modules)}")
    lines = [
        "## Cold start: handler import vs a bare boto3 handler",
        "",
        f'Fresh `python -c "import <handler module>"` per function (PYTHONPATH functions/ + layers/core, '
        f"the function's template environment), median of {ROUNDS} rounds interleaved with a handler that "
        f"imports only boto3 (median {floor * 1000:.0f} ms in this run). Goal: at most {GOAL}x.",
        "",
        "| function | handler module | import (ms) | vs bare boto3 | goal |",
        "|---|---|---:|---:|---|",
        *rows,
    ]
    if over:
        lines += [
            "",
            "Where each function enters imports the bare handler does not pay (`what` cumulative ← `imported by`, `python -X importtime`):",
            "",
            *over,
            "",
            f"{sum('aws_lambda_powertools.event_handler' in line for line in over)} of the {len(over)} functions "
            "over the goal pay mostly for Powertools' event handler: importing any resolver runs "
            "`aws_lambda_powertools.event_handler/__init__`, which imports every resolver (AppSync's brings "
            "asyncio) and every event data class, and `openapi.params` brings the pydantic validation stack "
            "that `Query()`/`Path()`/bodies need. The X-Ray SDK is not imported at all (no code uses the "
            "Powertools Tracer), and our own pydantic models build their validators on first use "
            "(`tracktion.models.Model`, `defer_build=True`). Importing less of Powertools would need a shim that "
            "bypasses `event_handler/__init__` (measured: about -0.13x for TracklistsFunction); it is not adopted "
            "because it is fragile across Powertools versions (docs/decisions.md).",
        ]
    else:
        lines += ["", f"Every function is within {GOAL}x of the bare boto3 floor."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
