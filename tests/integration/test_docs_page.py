"""The documentation, served: the OpenAPI document and Swagger UI on the local runtime.

A person opens /docs in a browser: Debian's headless Chromium (installed by `make test`'s
system-deps; missing, this FAILS, never skips) loads the page over the DevTools protocol, the
test waits until Swagger UI has rendered the operations, checks every route of template.yaml is
listed, and saves a screenshot (its path is printed; it is under pytest's tmp_path).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.testing import RuntimeProcess
from tests.contract.template_functions import http_functions, normalise_path

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


def test_the_openapi_document_is_served_publicly_as_packaged(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:  # no credentials: the documentation is public
        response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    served = (ROOT / "functions" / "health_api" / "openapi.json").read_text(encoding="utf-8")
    assert response.json() == json.loads(served)
    assert response.json()["openapi"].startswith("3.1")


def test_the_docs_page_and_its_assets_come_from_us(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources, page.text
        for source in sources:
            assert source.startswith("/"), f"{source}: the page loads nothing from another host"
            asset = client.get(source)
            assert asset.status_code == 200, source
            assert len(asset.content) > 10_000, source
        missing = client.get("/docs/nothing.js")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_NOT_FOUND"


# ---------------------------------------------------------------- the browser


class DevTools:
    """The smallest DevTools-protocol client: one page session over the browser's socket."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self._ws = connect(ws_url, max_size=64 * 1024 * 1024, open_timeout=20)
        self._ids = itertools.count(1)
        self.session: str | None = None

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result") or {}
                return result

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return (result.get("result") or {}).get("value")

    def close(self) -> None:
        self._ws.close()


@contextlib.contextmanager
def chromium() -> Iterator[DevTools]:
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is not installed: `make system-deps` (make test) installs it"
    # Chromium's helper processes may still write the profile after it exits: cleanup errors are not the test's.
    with tempfile.TemporaryDirectory(prefix="tracktion-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None
            ws_url = ""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                line = process.stderr.readline()
                if not line and process.poll() is not None:
                    break
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                if found:
                    ws_url = found.group(1)
                    break
            assert ws_url, f"chromium did not start (exit {process.poll()})"
            tools = DevTools(ws_url)
            target = tools.call("Target.createTarget", url="about:blank")["targetId"]
            tools.session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            try:
                yield tools
            finally:
                tools.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


RENDERED_OPERATIONS = """
Array.from(document.querySelectorAll('.opblock')).map(op => [
  (op.querySelector('.opblock-summary-method') || {}).textContent || '',
  (op.querySelector('.opblock-summary-path') || {getAttribute: () => ''}).getAttribute('data-path') || ''
])
"""


def test_docs_renders_every_route_of_the_template_in_chromium(
    runtime: RuntimeProcess, tmp_path: Path
) -> None:
    expected = {
        route.key
        for spec in http_functions()
        for route in spec.routes
        if not route.greedy  # the catch-all is no operation
    }
    with chromium() as browser:
        browser.call("Page.enable")
        browser.call(
            "Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False
        )
        browser.call("Page.navigate", url=f"{runtime.gateway_url}/docs")
        rendered: list[list[str]] = []
        deadline = time.monotonic() + 60
        stable_since, last = time.monotonic(), -1
        while time.monotonic() < deadline:  # until the operations are there and stop changing
            rendered = browser.evaluate(RENDERED_OPERATIONS) or []
            if len(rendered) != last:
                stable_since, last = time.monotonic(), len(rendered)
            elif rendered and time.monotonic() - stable_since > 1.0:
                break
            time.sleep(0.2)
        errors = browser.evaluate(
            "Array.from(document.querySelectorAll('.errors-wrapper, .loading-container .loading'))"
            ".map(e => e.textContent)"
        )
        height = int(browser.evaluate("document.documentElement.scrollHeight") or 1000)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            width=1400,
            height=min(height, 16000),
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = browser.call("Page.captureScreenshot", format="png", timeout=60)
    screenshot = tmp_path / "docs.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    print(f"\nscreenshot of /docs: {screenshot}")
    assert rendered, f"Swagger UI rendered no operation (errors: {errors})"
    listed = {(method.strip().upper(), normalise_path(path)) for method, path in rendered}
    missing = sorted(expected - listed)
    assert not missing, f"routes of template.yaml not listed on /docs: {missing}"
    assert screenshot.stat().st_size > 10_000
