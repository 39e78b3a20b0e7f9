"""Idempotency-Key on the creating routes, through the gateway's routes and the real handlers.

A client retrying a POST with the same key gets the first answer (Idempotent-Replayed: true)
and nothing new is created (counted in the tables); another body with the key is 422
IDEMPOTENCY_KEY_REUSED; a second request while the first runs is 409 IDEMPOTENCY_IN_PROGRESS
and only one thing is created; an error answer is not kept, so a retry runs again.
"""

from __future__ import annotations

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture  # noqa: F401
from tests.gateway import Answer, invoke
from tests.unit.auth.fixtures import identity  # noqa: F401

# Stored answers are sealed with the identity secret (as the runtime provisions it).
pytestmark = pytest.mark.usefixtures("identity")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOOD_PAGE = FIXTURES / "1001tracklists" / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"


def _post(path: str, body: Any, key: str | None, *, user: str = "user-1", context: Any = None) -> Answer:
    headers = {"Idempotency-Key": key} if key else {}
    return invoke("POST", path, body=body, headers=headers, principal=principal_ctx(user), context=context)


def _count(table_env: str, prefix: str) -> int:
    import os

    from boto3.dynamodb.conditions import Attr

    from tracktion.storage.aws import table

    found = table(os.environ[table_env]).scan(FilterExpression=Attr("pk").begins_with(prefix))
    return len(found["Items"])


def _replays(
    path: str,
    body: Any,
    other_body: Any,
    table_env: str,
    prefix: str,
    lambda_context: Any,
    *,
    shared: bool = True,
) -> Answer:
    """The three promises on one route; returns the first answer."""
    key = f"idem-{uuid.uuid4()}"
    before = _count(table_env, prefix)

    first = _post(path, body, key, context=lambda_context)
    assert 200 <= first.status < 300, first.body
    created = _count(table_env, prefix)
    assert created > before
    again = _post(path, body, key, context=lambda_context)
    reused = _post(path, other_body, key, context=lambda_context)

    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(table_env, prefix) == created
    assert (reused.status, reused.body["error_code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert _count(table_env, prefix) == created
    if shared:  # another caller's same key is another key: it creates its own
        theirs = _post(path, body, key, user="user-2", context=lambda_context)
        assert 200 <= theirs.status < 300 and "Idempotent-Replayed" not in theirs.headers
        assert _count(table_env, prefix) > created
    return first


MANUAL = {
    "audio_file_id": "123e4567-e89b-12d3-a456-426614174000",
    "tracks": [
        {"position": 1, "artist": "A", "title": "T", "start_time": "00:00:00", "end_time": "00:03:30"}
    ],
    "is_draft": True,
}


def test_manual_tracklist_retry_answers_the_first_answer_and_creates_nothing(aws, lambda_context):
    other = {**MANUAL, "tracks": [{**MANUAL["tracks"][0], "title": "Other"}]}
    first = _replays("/api/v1/tracklists/manual", MANUAL, other, "TRACKLISTS_TABLE", "", lambda_context)
    assert first.status == 201 and first.body["id"]


def test_same_json_in_another_key_order_and_spacing_is_the_same_request(aws, lambda_context):
    import json

    key = f"idem-{uuid.uuid4()}"
    first = _post("/api/v1/tracklists/manual", MANUAL, key, context=lambda_context)
    reordered = json.dumps(dict(reversed(list(MANUAL.items()))), indent=2)
    again = _post("/api/v1/tracklists/manual", reordered, key, context=lambda_context)
    assert again.status == 201 and again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"


def test_text_import_retry_replays_the_created_answer(aws, lambda_context):
    body = {"text": "00:00 Kolsch - Grey\n03:00 Ann Clue - Stop\n", "title": "Set", "djs": ["K"]}
    other = {**body, "title": "Another"}
    first = _replays("/api/v1/tracklists/import/text", body, other, "TRACKLISTS_TABLE", "", lambda_context)
    assert first.body["created"] is True


def test_webhook_create_retry_returns_the_same_webhook_and_secret(aws, lambda_context, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    body = {"url": "http://127.0.0.1:9/hook", "events": ["batch.completed"]}
    other = {**body, "events": ["cue.generated"]}
    first = _replays("/api/v1/webhooks", body, other, "BATCHES_TABLE", "WH#", lambda_context)
    assert first.body["secret"].startswith("whsec_")


def test_batch_retry_submits_once(batch_aws, site, lambda_context):
    body = {"urls": [site.good("i0000001")]}
    other = {"urls": [site.good("i0000002")]}
    first = _replays("/api/v1/batch", body, other, "BATCHES_TABLE", "BATCH#", lambda_context)
    assert execution_input(first.body["batch_id"])["batch_id"] == first.body["batch_id"]


def test_api_key_retry_creates_one_key_and_its_stored_answer_is_sealed(aws, lambda_context):
    import os

    from tracktion.storage.aws import table

    first = _replays(
        "/api/v1/developer/keys", {"name": "ci"}, {"name": "other"}, "IDENTITY_TABLE", "", lambda_context
    )
    assert first.status == 201 and first.body["api_key"]
    records = table(os.environ["IDEMPOTENCY_TABLE"]).scan()["Items"]
    assert records and first.body["api_key"] not in str(records)


def test_cue_generation_retry_generates_once(aws, lambda_context):
    from tests.functional.cue_support import store_tracklist

    tracklist = store_tracklist()
    body = {"tracklist_id": tracklist.tracklist_id, "format": "standard"}
    other = {**body, "format": "traktor"}
    first = _replays("/api/v1/cue/generate", body, other, "CUE_TABLE", "", lambda_context, shared=False)
    assert first.status in (200, 202)


def test_an_error_answer_is_not_kept_and_a_retry_runs_again(aws, lambda_context):
    key = f"idem-{uuid.uuid4()}"
    bad = {**MANUAL, "tracks": [{**MANUAL["tracks"][0], "start_time": "99:99:99"}]}
    first = _post("/api/v1/tracklists/manual", bad, key, context=lambda_context)
    assert first.status == 422
    fixed = _post("/api/v1/tracklists/manual", MANUAL, key, context=lambda_context)
    assert fixed.status == 201 and "Idempotent-Replayed" not in fixed.headers


def test_a_malformed_key_is_400_and_no_key_means_no_replay(aws, lambda_context):
    res = _post("/api/v1/tracklists/manual", MANUAL, "has space", context=lambda_context)
    assert (res.status, res.body["error_code"]) == (400, "INVALID_IDEMPOTENCY_KEY")
    res = _post("/api/v1/tracklists/manual", MANUAL, "x" * 256, context=lambda_context)
    assert res.status == 400
    one = _post("/api/v1/tracklists/manual", MANUAL, None, context=lambda_context)
    two = _post("/api/v1/tracklists/manual", MANUAL, None, context=lambda_context)
    assert one.body["id"] != two.body["id"]


class SlowSource:
    """The source site holding every page until released: an import that is still running."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                outer.arrived.set()
                outer.release.wait(20)
                page = GOOD_PAGE.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def slow_source(aws, monkeypatch):
    source = SlowSource()
    monkeypatch.setenv("SOURCE_BASE_URL", source.url)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    yield source
    source.release.set()
    source.server.shutdown()


def test_concurrent_requests_with_one_key_run_once(slow_source, lambda_context):
    url = "https://www.1001tracklists.com/tracklist/2k7xq9tb/planted-set.html"
    path = "/api/v1/tracklists/import/1001tracklists"
    key = f"idem-{uuid.uuid4()}"
    before = _count("TRACKLISTS_TABLE", "TL#")
    answers: list[Answer] = []
    first = threading.Thread(
        target=lambda: answers.append(_post(path, {"url": url}, key, context=lambda_context))
    )
    first.start()
    assert slow_source.arrived.wait(20)

    second = _post(path, {"url": url}, key, context=lambda_context)
    slow_source.release.set()
    first.join(30)

    assert (second.status, second.body["error_code"]) == (409, "IDEMPOTENCY_IN_PROGRESS")
    assert int(second.headers["Retry-After"]) >= 1
    [done] = answers
    assert done.status == 201, done.body
    assert slow_source.hits == 1
    assert _count("TRACKLISTS_TABLE", "TL#") == before + 1
    third = _post(path, {"url": url}, key, context=lambda_context)
    assert (third.status, third.body) == (done.status, done.body)
    assert third.headers["Idempotent-Replayed"] == "true"
