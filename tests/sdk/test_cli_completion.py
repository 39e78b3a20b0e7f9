"""Shell completion of the `tracktion` command (bash), as the script `--install-completion`
installs asks for it: commands, sub-commands and an option's choices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRACKTION = Path(sys.executable).parent / "tracktion"


def _complete(words: str) -> list[str]:
    env = {
        **os.environ,
        "_TRACKTION_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    done = subprocess.run([str(TRACKTION)], env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.split()


def test_bash_completes_commands_subcommands_and_choices() -> None:
    script = subprocess.run(
        [str(TRACKTION), "--show-completion", "bash"], capture_output=True, text=True, timeout=60, check=True
    ).stdout

    version = subprocess.run([str(TRACKTION), "--version"], capture_output=True, text=True, timeout=60)

    assert version.returncode == 0 and version.stdout.startswith("tracktion ")
    assert "_TRACKTION_COMPLETE=complete_bash" in script
    assert _complete("tracktion ba") == ["batch"]
    assert _complete("tracktion batch s") == ["submit", "status", "schedule", "schedules"]
    assert _complete("tracktion batch submit urls.txt --priority ") == ["low", "normal", "high", "urgent"]
