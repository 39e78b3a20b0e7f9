"""`make load` in small: the locust scenario runs against a fresh local runtime, and afterwards
every acknowledged write is there and every key's usage counter equals the requests it made
(benchmarks/load.py exits non-zero otherwise). `make load` is the same with more users."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_a_small_load_run_loses_no_write_and_counts_every_request() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.load",
            "--users",
            "3",
            "--requests",
            "45",
            "--run-time",
            "60",
            "--no-doc",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "**all present, all counters exact**" in done.stdout
    table = done.stdout.split("| route |", 1)[1]
    # Every kind of request the scenario makes was made and answered.
    for route in ("GET /api/v1/tracklists/{id}", "POST /api/v1/tracklists/manual", "**all routes**"):
        assert route in table, table
