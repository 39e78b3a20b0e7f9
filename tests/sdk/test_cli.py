"""`python -m tracktion_sdk` as a user runs it: JSON on stdout, the error body on stderr, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.testing import RuntimeProcess
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def _cli(runtime: RuntimeProcess, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKTION_URL": runtime.gateway_url, "TRACKTION_API_KEY": key or runtime.admin_key}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "sdk"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "tracktion_sdk", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_health_search_and_a_cue_written_to_a_file(runtime: RuntimeProcess, tmp_path: Path) -> None:
    health = _cli(runtime, "health")
    search = _cli(runtime, "search", "Kolsch Sonar", "--limit", "3")
    url = json.loads(search.stdout)["results"][0]["url"]
    run = _cli(runtime, "import", url)
    assert run.returncode == 0, run.stderr
    imported = json.loads(run.stdout)
    sheet = tmp_path / "set.cue"
    cue = _cli(
        runtime,
        "--pretty",
        "cue",
        "standard",
        imported["tracklist_id"],
        "-o",
        str(sheet),
        "--gap-handling",
        "estimate",
    )

    assert health.returncode == 0 and json.loads(health.stdout)["status"]
    assert search.returncode == 0 and "kolsch" in url
    assert cue.returncode == 0, cue.stderr
    written = json.loads(cue.stdout)
    assert written["bytes"] == len(sheet.read_bytes()) and b"TRACK 01" in sheet.read_bytes()


def test_api_errors_exit_1_with_the_standard_body_and_usage_errors_exit_2(runtime: RuntimeProcess) -> None:
    missing = _cli(runtime, "cue", "standard", "00000000-0000-0000-0000-000000000000")
    bad_key = _cli(runtime, "search", "Kolsch", key="tk_live_wrong")
    usage = _cli(runtime, "cue")

    assert missing.returncode == 1 and missing.stdout == ""
    assert json.loads(missing.stderr)["error_code"].endswith("NOT_FOUND")
    assert bad_key.returncode == 1 and json.loads(bad_key.stderr)["error_code"] == "INVALID_API_KEY"
    assert usage.returncode == 2
