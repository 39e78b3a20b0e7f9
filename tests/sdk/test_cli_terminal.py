"""The `tracktion` command in a real terminal (a tmux pane, Debian's tmux), as a newcomer types it,
against the local runtime: login, import, CUE download, a watched batch; --json parses; the exit
codes are the documented ones."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.testing import RuntimeProcess
from tests.sdk.plan import EMPTY_SET, KOLSCH

pytestmark = pytest.mark.integration

TRACKTION = Path(sys.executable).parent / "tracktion"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PASSWORD = "cli-newcomer-password-1"


@dataclass
class Terminal:
    """One tmux session (its own server socket), 160x60, with the user's environment."""

    socket: str
    cwd: Path

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-400", "-t", "cli")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "cli", "-l", text)
        self.tmux("send-keys", "-t", "cli", "Enter")

    def wait_for(self, pattern: str, *, after: int = 0, limit: float = 180) -> re.Match[str]:
        """The first match of `pattern` in the pane's text after offset `after` (polls the pane
        until it shows up; `limit` only stops a hung command from hanging the suite)."""
        deadline = time.monotonic() + limit
        while True:
            found = re.search(pattern, self.screen()[after:])
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared:\n{self.screen()[after:]}")
            time.sleep(0.2)

    def run(self, command: str) -> tuple[str, int]:
        """Type a command, wait for it to finish: (what it printed, its exit code)."""
        start = len(self.screen())
        marker = uuid.uuid4().hex[:8]
        self.type(f"{command}; echo done-{marker}:$?")
        code = int(self.wait_for(rf"done-{marker}:(\d+)", after=start).group(1))
        text = self.screen()[start:]
        return text[: text.rfind(f"done-{marker}")], code


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("newcomer")


@pytest.fixture(scope="module")
def terminal(runtime: RuntimeProcess, home: Path) -> Iterator[Terminal]:
    assert shutil.which("tmux"), "tmux is missing: `make test` installs it (Makefile SYSTEM_PACKAGES)"
    term = Terminal(socket=f"tracktion-{uuid.uuid4().hex[:8]}", cwd=home)
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "TRACKTION_URL": runtime.gateway_url,
        "TRACKTION_WS_URL": runtime.ws_url,
        "PATH": f"{TRACKTION.parent}:{os.environ['PATH']}",
        "TERM": "xterm-256color",
    }
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    term.tmux(
        "new-session",
        "-d",
        "-s",
        "cli",
        "-x",
        "160",
        "-y",
        "60",
        "-c",
        str(home),
        f"env -i {exports} bash --norc --noprofile",
    )
    try:
        term.type("PS1='$ '; clear")
        yield term
    finally:
        subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True, timeout=30)


def test_a_newcomers_session_login_import_cue_download_and_a_watched_batch(
    terminal: Terminal, home: Path
) -> None:
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    registered, registered_code = terminal.run(
        f"tracktion register --email {email} --password {PASSWORD} --name Newcomer"
    )
    # login prompts for the password (hidden), as a person types it
    start = len(terminal.screen())
    terminal.type(f"tracktion login --email {email}; echo login-done:$?")
    terminal.wait_for("Password:", after=start)
    terminal.type(PASSWORD)
    login_code = int(terminal.wait_for(r"login-done:(\d+)", after=start).group(1))
    login_text = terminal.screen()[start:]
    credentials = home / ".config" / "tracktion" / "credentials.json"

    imported, import_code = terminal.run(f"tracktion import url {KOLSCH}")
    tracklist_id = re.search(rf"tracklist_id\s+({UUID})", imported)
    assert tracklist_id, imported
    made, made_code = terminal.run(f"tracktion cue generate {tracklist_id.group(1)} --gap-handling estimate")
    cue_file_id = re.search(UUID, made)
    assert cue_file_id, made
    downloaded, download_code = terminal.run(f"tracktion cue download {cue_file_id.group(0)} -o set.cue")
    (home / "urls.txt").write_text(f"# tonight's sets\n{KOLSCH}\n{EMPTY_SET}\n")
    watched, watch_code = terminal.run("tracktion batch submit urls.txt --watch")

    assert registered_code == 0 and "Account created" in registered
    assert login_code == 0 and "Logged in to" in login_text and PASSWORD not in login_text
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert json.loads(credentials.read_text())["refresh_token"]
    assert import_code == 0 and made_code == 0 and "standard" in made
    assert download_code == 0 and "sha256" in downloaded and "verified" in downloaded
    assert "Downloading" in downloaded and "━" in downloaded  # the download's progress bar
    assert (home / "set.cue").read_bytes().count(b"TRACK ") > 0
    # One bar for the batch at 100 %, the live table of items, then the summary table.
    assert re.search(r"Batch \S+ ━+ 100% 2/2 items · partially_failed", watched), watched
    assert re.search(r"│ 0 │ completed │", watched) and re.search(r"│ 1 │ failed\s+│", watched), watched
    assert "EMPTY_TRACKLIST" in watched
    assert re.search(r"│\s+2 │\s+1 │\s+1 │\s+0 │", watched), watched  # total, completed, failed, cancelled
    assert watch_code == 8  # documented: the batch ended with failed items


def test_json_output_parses_and_exit_codes_are_the_documented_ones(
    terminal: Terminal, runtime: RuntimeProcess
) -> None:
    # A session of its own, logged in without the prompt, and one import to list.
    email = f"scripted-{uuid.uuid4().hex[:8]}@example.com"
    terminal.run(f"tracktion register --email {email} --password {PASSWORD}")
    _, login_code = terminal.run(f"tracktion login --email {email} --password {PASSWORD}")
    _, import_code = terminal.run(f"tracktion --json import url {KOLSCH}")
    assert (login_code, import_code) == (0, 0)
    listed, listed_code = terminal.run("tracktion --json tracklists list --limit 5")
    missing, missing_code = terminal.run("tracktion tracklists show 00000000-0000-0000-0000-000000000000")
    scripted, scripted_code = terminal.run(
        "tracktion --json tracklists show 00000000-0000-0000-0000-000000000000"
    )
    usage, usage_code = terminal.run("tracktion cue download")
    bad_key, bad_key_code = terminal.run("tracktion --api-key tk_live_not-a-key whoami")
    nowhere, nowhere_code = terminal.run("tracktion --url http://127.0.0.1:9 --timeout 2 whoami")
    _, logout_code = terminal.run("tracktion logout")
    after, after_code = terminal.run("tracktion whoami")

    assert listed_code == 0, listed
    rows = json.loads("".join(listed.splitlines()[1:]))  # the first line is the typed command
    assert isinstance(rows, list) and rows[0]["title"].startswith("Kölsch")
    assert missing_code == 4 and "RESOURCE_NOT_FOUND" in missing and "correlation id" in missing
    error = json.loads(scripted.splitlines()[1])
    assert scripted_code == 4 and error["error_code"] == "RESOURCE_NOT_FOUND" and error["exit_code"] == 4
    assert error["status"] == 404 and error["correlation_id"]
    assert "Traceback" not in missing + usage + bad_key + nowhere + after
    assert usage_code == 2 and "Missing argument" in usage
    assert bad_key_code == 3 and "INVALID_API_KEY" in bad_key and "hint:" in bad_key
    assert nowhere_code == 6 and "hint:" in nowhere
    assert logout_code == 0 and after_code == 3
