"""Starting and stopping: Ctrl-C stops every part, frees the ports, and ends the workers."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

from local.testing import start_runtime
from tests.runtime.conftest import TEMPLATE


def _port_is_free(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        return sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) != 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_everything_and_exits_zero() -> None:
    runtime = start_runtime(
        TEMPLATE, ["--env", "COLOR=from-the-command-line", "--admin-key", "tk_test_given"]
    )
    try:
        assert runtime.admin_key == "tk_test_given"
        with runtime.client() as client:
            answer = client.get("/public").json()
        assert answer["color"] == "from-the-command-line"  # --env reaches every function
        worker_pid = answer["pid"]
    finally:
        code = runtime.stop()
    assert code == 0
    assert "Traceback" not in runtime.logs()
    assert _port_is_free(runtime.gateway_url)
    assert _port_is_free(runtime.aws_url)
    assert not _alive(worker_pid)
