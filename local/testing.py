"""Start `python -m local` as a subprocess for tests, and read the URLs it prints.

Used by tests/runtime (a small template of its own) and tests/integration (the real
template.yaml). The runtime's stderr (function logs included) goes to a log file whose path
is in `RuntimeProcess.log_path`; a start that fails raises with the tail of it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from local.runtime import DUMMY_CREDENTIALS, READY_LINE, ROOT

_LABELS = {
    "Gateway": "gateway_url",
    "AWS endpoint": "aws_url",
    "WebSocket": "ws_url",
    "Source site": "source_url",
    "Catalog site": "catalog_url",
    "Admin key": "admin_key",
}


@dataclass
class RuntimeProcess:
    """A running local runtime: its URLs, admin key, and how to stop it."""

    process: subprocess.Popen[str]
    log_path: Path
    gateway_url: str = ""
    aws_url: str = ""
    ws_url: str = ""
    source_url: str = ""
    catalog_url: str = ""  # the Beatport/MusicBrainz stand-in (local/catalog_site.py), when it runs
    admin_key: str = ""
    output: list[str] = field(default_factory=list)

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.admin_key}

    def client(self, **kwargs: Any) -> Any:
        """An httpx.Client on the gateway (base_url set, 30 s timeout)."""
        import httpx

        return httpx.Client(base_url=self.gateway_url, timeout=30, **kwargs)

    def aws_client(self, service: str) -> Any:
        """A boto3 client on the runtime's embedded AWS."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.aws_url,
            region_name="us-east-1",
            **DUMMY_CREDENTIALS,
        )

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        """SIGINT (Ctrl-C), as a developer would; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_runtime(
    template: Path | str = ROOT / "template.yaml",
    extra_args: list[str] | tuple[str, ...] = (),
    *,
    timeout: float = 90,
    env: dict[str, str] | None = None,
    prewarm: bool = False,
) -> RuntimeProcess:
    """`python -m local --template T --port 0 --aws-port 0 --ws-port 0 *extra_args`, once ready."""
    log = tempfile.NamedTemporaryFile(prefix="tracktion-runtime-", suffix=".log", delete=False)  # noqa: SIM115
    child_env = {**os.environ, **(env or {})}
    child_env.pop("AWS_ENDPOINT_URL", None)
    child_env["PYTHONUNBUFFERED"] = "1"
    args = [
        sys.executable,
        "-m",
        "local",
        "--template",
        str(template),
        "--port",
        "0",
        "--aws-port",
        "0",
        "--ws-port",
        "0",
        *([] if prewarm else ["--no-prewarm"]),
        *extra_args,
    ]
    process = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, env=child_env, start_new_session=True
    )
    log.close()
    runtime = RuntimeProcess(process=process, log_path=Path(log.name))
    assert process.stdout is not None
    lines = _lines(process.stdout)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        line = lines.get(remaining) if remaining > 0 else None
        if line is None:
            runtime.stop()
            tail = runtime.logs()[-4000:]
            raise RuntimeError(f"the local runtime did not get ready: {runtime.output}\n{tail}")
        runtime.output.append(line)
        if line.strip() == READY_LINE:
            break
        label, sep, value = line.strip().partition(":")
        if sep and label in _LABELS:
            setattr(runtime, _LABELS[label], value.strip())
    return runtime


class _LineQueue:
    def __init__(self) -> None:
        self._lines: list[str | None] = []
        self._cond = threading.Condition()

    def put(self, line: str | None) -> None:
        with self._cond:
            self._lines.append(line)
            self._cond.notify_all()

    def get(self, timeout: float) -> str | None:
        with self._cond:
            if not self._lines:
                self._cond.wait(timeout)
            return self._lines.pop(0) if self._lines else None


def _lines(stream: IO[str]) -> _LineQueue:
    """Stdout read on a thread (kept drained after ready, so the runtime never blocks on it)."""
    queue = _LineQueue()

    def pump() -> None:
        with contextlib.suppress(Exception):
            for line in stream:
                queue.put(line.rstrip("\n"))
        queue.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return queue
