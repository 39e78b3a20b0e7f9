"""A local copy of 1001tracklists for the batch tests: pages planted by path.

Good pages are the project's own tracklist fixture with a distinct page id each (the page
id, not the URL, is what makes a tracklist one of its own); block and missing pages are the
small fixtures of tests/fixtures/batch. Counts requests per path, as a source would see them.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOOD = FIXTURES / "1001tracklists" / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"
GOOD_ID = "2k7xq9tb"
BLOCK = FIXTURES / "batch" / "block_please-wait.html"
MISSING = FIXTURES / "batch" / "page-does-not-exist.html"
SITE = "https://www.1001tracklists.com"


class PlantedSite:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.hits[path] += 1
                status, body = site.pages.get(path, (404, MISSING.read_bytes()))
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def plant(self, page_id: str, html: bytes, status: int = 200, slug: str = "planted-set") -> str:
        """Serve `html` at a tracklist path; returns the public URL a user would submit."""
        path = f"/tracklist/{page_id}/{slug}-{page_id}.html"
        self.pages[path] = (status, html)
        return SITE + path

    def good(self, page_id: str, slug: str = "planted-set") -> str:
        html = GOOD.read_bytes().replace(f'data-id="{GOOD_ID}"'.encode(), f'data-id="{page_id}"'.encode())
        return self.plant(page_id, html, slug=slug)

    def block(self, page_id: str) -> str:
        return self.plant(page_id, BLOCK.read_bytes())

    def missing(self, page_id: str) -> str:
        return self.plant(page_id, MISSING.read_bytes(), status=200)

    def empty(self, page_id: str) -> str:
        """A real tracklist page with no rows (the source's EMPTY_TRACKLIST)."""
        return self.plant(page_id, (FIXTURES / "1001tracklists" / "tracklist_empty.html").read_bytes())

    def hits_for(self, url: str) -> int:
        return self.hits[url.removeprefix(SITE)]


# ---------------------------------------------------------------- fixtures for the batch tests


@pytest.fixture(name="site")
def site_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlantedSite]:
    """The planted source, with the politeness budget lifted (these tests are not about it)."""
    planted = PlantedSite()
    monkeypatch.setenv("SOURCE_BASE_URL", planted.base_url)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("SOURCE_BLOCK_BACKOFF_SECONDS", "0")
    yield planted
    planted.stop()


@pytest.fixture(name="batch_aws")
def batch_aws_fixture(aws: dict[str, str]) -> dict[str, str]:
    """The `aws` fixture plus what the batch functions need: the state machine and schedule group."""
    import boto3

    from local.provision import create_state_machines
    from tests.contract.template_functions import load_template

    template = load_template()
    create_state_machines(template, boto3.client("stepfunctions", region_name="us-east-1"))
    boto3.client("scheduler", region_name="us-east-1").create_schedule_group(Name=aws["BATCH_SCHEDULE_GROUP"])
    return aws


def task(action: str, batch: dict[str, Any], index: int | None = None, **extra: Any) -> dict[str, Any]:
    """A worker payload exactly as the BatchImport state machine builds it (ItemSelector + Parameters)."""
    payload: dict[str, Any] = {"action": action, "batch_id": batch["batch_id"], "owner_id": batch["owner_id"]}
    if index is not None:
        payload["options"] = batch["options"]
        payload["item"] = batch["items"][index]
    payload.update(extra)
    return json.loads(json.dumps(payload))


def execution_input(batch_id: str) -> dict[str, Any]:
    """The input the batch API started the execution with (what the Map iterates)."""
    import boto3

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    for machine in sfn.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"].replace(":stateMachine:", ":execution:") + f":{batch_id}"
        try:
            return json.loads(sfn.describe_execution(executionArn=arn)["input"])
        except sfn.exceptions.ExecutionDoesNotExist:
            continue
    raise AssertionError(f"no execution for batch {batch_id}")
