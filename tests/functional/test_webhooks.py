"""Webhooks: subscriptions through the batch function, signed deliveries, retries and the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture, task  # noqa: F401
from tests.gateway import invoke


class Receiver:
    """A subscriber's endpoint: answers the scripted statuses in turn (then 200), records all."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append({"headers": dict(self.headers.items()), "body": body})
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self, kind: str) -> list[dict]:
        return [r for r in self.requests if r["headers"].get("X-Tracktion-Event") == kind]


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("WEBHOOK_BACKOFF_SECONDS", "0.01")
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()


def _call(lambda_context, method, path, body=None, user="user-1"):
    res = invoke(method, path, body=body, principal=principal_ctx(user), context=lambda_context)
    return res.status, res.body


def _subscribe(lambda_context, url, events, user="user-1"):
    status, hook = _call(
        lambda_context, "POST", "/api/v1/webhooks", {"url": url, "events": events}, user=user
    )
    assert status == 201, hook
    return hook


def _signed_correctly(request, secret) -> bool:
    ts = request["headers"]["X-Tracktion-Timestamp"]
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(request["headers"]["X-Tracktion-Signature"], f"sha256={mac}")


def _run_batch(lambda_context, site, urls):
    from batch_worker.handler import lambda_handler as worker

    status, created = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls})
    assert status == 200, created
    batch = execution_input(created["batch_id"])
    for index in range(len(urls)):
        worker(task("import_item", batch, index), lambda_context)
    worker(task("finalize", batch), lambda_context)
    return batch


def test_subscriber_gets_a_signed_batch_completed_and_tracklist_imported_events(
    batch_aws, site, receiver, lambda_context
):
    hook = receiver()
    sub = _subscribe(lambda_context, hook.url, ["batch.completed", "tracklist.imported"])

    batch = _run_batch(lambda_context, site, [site.good("h0000001"), site.missing("h0000002")])

    [completed] = hook.events("batch.completed")
    [imported] = hook.events("tracklist.imported")
    assert _signed_correctly(completed, sub["secret"])
    assert _signed_correctly(imported, sub["secret"])
    event = json.loads(completed["body"])
    assert event["type"] == "batch.completed"
    assert event["id"] == f"{batch['batch_id']}:batch.completed"
    assert event["data"]["status"] == "partially_failed"
    assert event["data"]["jobs_status"]["failed"] == 1
    assert json.loads(imported["body"])["data"]["url"] == site.good("h0000001")
    assert hook.events("cue.generated") == []


def test_subscriber_only_gets_the_events_it_asked_for_and_only_its_own(
    batch_aws, site, receiver, lambda_context
):
    mine, theirs = receiver(), receiver()
    _subscribe(lambda_context, mine.url, ["batch.completed"])
    _subscribe(lambda_context, theirs.url, ["batch.completed", "tracklist.imported"], user="user-2")

    _run_batch(lambda_context, site, [site.good("h0000003")])

    assert [r["headers"]["X-Tracktion-Event"] for r in mine.requests] == ["batch.completed"]
    assert theirs.requests == []


def test_failing_receiver_is_retried_with_backoff_and_every_attempt_is_logged(
    batch_aws, site, receiver, lambda_context
):
    hook = receiver([500, 503])
    sub = _subscribe(lambda_context, hook.url, ["batch.completed"])

    _run_batch(lambda_context, site, [site.good("h0000004")])

    assert len(hook.events("batch.completed")) == 3
    status, log = _call(lambda_context, "GET", f"/api/v1/webhooks/{sub['webhook_id']}/deliveries")
    assert status == 200
    [delivery] = log["deliveries"]
    assert delivery["success"] is True
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["event_type"] == "batch.completed"


def test_receiver_refusing_the_request_itself_is_not_retried(batch_aws, site, receiver, lambda_context):
    hook = receiver([410])
    sub = _subscribe(lambda_context, hook.url, ["batch.completed"])

    _run_batch(lambda_context, site, [site.good("h0000005")])

    assert len(hook.requests) == 1
    _, log = _call(lambda_context, "GET", f"/api/v1/webhooks/{sub['webhook_id']}/deliveries")
    assert log["deliveries"][0]["success"] is False


def test_webhook_urls_must_pass_the_ssrf_guard(batch_aws, lambda_context, monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS", raising=False)

    for url in ("http://127.0.0.1:9/hook", "https://169.254.169.254/latest", "https://10.0.0.1/x"):
        status, body = _call(
            lambda_context, "POST", "/api/v1/webhooks", {"url": url, "events": ["batch.completed"]}
        )
        assert (status, body["error_code"]) == (400, "INVALID_WEBHOOK_URL")
    status, body = _call(
        lambda_context, "POST", "/api/v1/webhooks", {"url": "https://x.example", "events": ["x"]}
    )
    assert status == 422


def test_list_shows_no_secret_and_delete_is_owner_only(batch_aws, receiver, lambda_context):
    hook = receiver()
    sub = _subscribe(lambda_context, hook.url, ["cue.generated"])

    _, listed = _call(lambda_context, "GET", "/api/v1/webhooks")
    assert [(w["webhook_id"], w["events"]) for w in listed["webhooks"]] == [
        (sub["webhook_id"], ["cue.generated"])
    ]
    assert "secret" not in listed["webhooks"][0]
    assert sub["secret"].startswith("whsec_")
    path = f"/api/v1/webhooks/{sub['webhook_id']}"
    assert _call(lambda_context, "DELETE", path, user="user-2")[0] == 404
    assert _call(lambda_context, "GET", path + "/deliveries", user="user-2")[0] == 404
    assert _call(lambda_context, "DELETE", path)[0] == 204
    assert _call(lambda_context, "GET", "/api/v1/webhooks")[1]["webhooks"] == []


def test_cue_generated_event_names_the_file_made_for_the_item(batch_aws, site, receiver, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    hook = receiver()
    sub = _subscribe(lambda_context, hook.url, ["cue.generated"])
    _, created = _call(
        lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("h0000006")], "template": "radio_show"}
    )
    batch = execution_input(created["batch_id"])

    worker(task("import_item", batch, 0), lambda_context)

    [request] = hook.events("cue.generated")
    assert _signed_correctly(request, sub["secret"])
    data = json.loads(request["body"])["data"]
    assert data["format"] == "standard"
    assert data["cue_file_id"]
    assert data["batch_id"] == batch["batch_id"]
