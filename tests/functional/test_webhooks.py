"""Webhooks: subscriptions through the batch function, signed deliveries, retries and the log."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture, task  # noqa: F401
from tests.gateway import invoke
from tests.receiver import Receiver
from tests.unit.auth.fixtures import identity  # noqa: F401


@pytest.fixture
def receiver(identity, monkeypatch):  # noqa: F811
    """Local receivers; the identity secret that seals webhook signing secrets is provisioned."""
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("WEBHOOK_BACKOFF_SECONDS", "0.01")
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.stop()


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


# ---------------------------------------------------------------- Standard Webhooks


def _verified(request, secret) -> dict:
    """What a receiver written with the published standardwebhooks package does."""
    from standardwebhooks.webhooks import Webhook

    return Webhook(secret).verify(request["body"], request["headers"])


def _refused(request, secret) -> bool:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    try:
        Webhook(secret).verify(request["body"], request["headers"])
    except WebhookVerificationError:
        return True
    return False


def _deliveries(lambda_context, webhook_id, user="user-1"):
    status, log = _call(lambda_context, "GET", f"/api/v1/webhooks/{webhook_id}/deliveries", user=user)
    assert status == 200, log
    return log["deliveries"]


def _sweep(lambda_context):
    from maintenance.handler import lambda_handler as maintenance

    return maintenance({"action": "webhook_retries"}, lambda_context)


def test_real_deliveries_verify_with_the_standardwebhooks_package(batch_aws, site, receiver, lambda_context):
    hook = receiver()
    sub = _subscribe(lambda_context, hook.url, ["batch.completed", "tracklist.imported"])

    batch = _run_batch(lambda_context, site, [site.good("s0000001")])

    assert len(hook.requests) == 2
    for request in hook.requests:
        event = _verified(request, sub["secret"])
        assert request["headers"]["webhook-id"] == event["id"]
        assert event["type"] == request["headers"]["X-Tracktion-Event"]
        assert _signed_correctly(request, sub["secret"])  # the legacy header is kept beside
        assert _refused({**request, "body": request["body"] + b" "}, sub["secret"])
    [completed] = hook.events("batch.completed")
    assert _verified(completed, sub["secret"])["data"]["batch_id"] == batch["batch_id"]
    assert _refused(completed, "whsec_" + "A" * 43 + "=")


def test_the_secret_is_standard_shown_once_and_sealed_at_rest(batch_aws, receiver, lambda_context):
    import base64

    from boto3.dynamodb.conditions import Attr

    from tracktion.storage.aws import table

    sub = _subscribe(lambda_context, receiver().url, ["batch.completed"])

    assert len(base64.b64decode(sub["secret"].removeprefix("whsec_"), validate=True)) == 32
    items = table(batch_aws["BATCHES_TABLE"]).scan(FilterExpression=Attr("pk").begins_with("WH#"))["Items"]
    assert len(items) == 1 and sub["secret"] not in str(items)
    assert sub["secret"].removeprefix("whsec_") not in str(items)


def test_ping_delivers_a_verifiable_webhook_ping_and_answers_its_delivery(
    batch_aws, receiver, lambda_context
):
    hook = receiver()
    sub = _subscribe(lambda_context, hook.url, ["cue.generated"])

    status, answer = _call(lambda_context, "POST", f"/api/v1/webhooks/{sub['webhook_id']}/ping")

    assert status == 200, answer
    [request] = hook.requests
    event = _verified(request, sub["secret"])
    assert event["type"] == answer["event_type"] == "webhook.ping"
    assert event["data"]["webhook_id"] == sub["webhook_id"]
    assert (answer["success"], answer["status"], answer["event_id"]) == (True, "succeeded", event["id"])
    assert [a["status_code"] for a in answer["attempts"]] == [200]
    assert _deliveries(lambda_context, sub["webhook_id"])[0]["delivery_id"] == answer["delivery_id"]
    other = _call(lambda_context, "POST", f"/api/v1/webhooks/{sub['webhook_id']}/ping", user="user-2")
    assert other[0] == 404 and len(hook.requests) == 1


def test_ping_to_a_failing_receiver_answers_the_failure_once(batch_aws, receiver, lambda_context):
    hook = receiver([500])
    sub = _subscribe(lambda_context, hook.url, ["cue.generated"])

    status, answer = _call(lambda_context, "POST", f"/api/v1/webhooks/{sub['webhook_id']}/ping")

    assert status == 200
    assert (answer["success"], answer["status"], answer["next_retry_at"]) == (False, "failed", None)
    assert [a["status_code"] for a in answer["attempts"]] == [500]
    assert len(hook.requests) == 1


def test_rotation_signs_with_both_secrets_during_the_overlap(batch_aws, receiver, lambda_context):
    hook = receiver()
    sub = _subscribe(lambda_context, hook.url, ["batch.completed"])
    path = f"/api/v1/webhooks/{sub['webhook_id']}"

    status, rotated = _call(lambda_context, "POST", path + "/rotate-secret", {"overlap_seconds": 3600})
    assert status == 200, rotated
    _call(lambda_context, "POST", path + "/ping")

    new, old = rotated["secret"], sub["secret"]
    assert new != old and new.startswith("whsec_")
    [request] = hook.requests
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert _verified(request, new) and _verified(request, old)  # receivers of either secret accept
    assert _signed_correctly(request, new)  # the legacy header: the current secret
    listed = _call(lambda_context, "GET", "/api/v1/webhooks")[1]["webhooks"][0]
    assert listed["previous_secret_expires_at"] == rotated["previous_secret_expires_at"] is not None
    assert "secret" not in listed

    status, again = _call(lambda_context, "POST", path + "/rotate-secret", {"overlap_seconds": 0})
    assert status == 200 and again["previous_secret_expires_at"] is None
    _call(lambda_context, "POST", path + "/ping")
    latest = hook.requests[-1]
    assert _verified(latest, again["secret"])
    assert _refused(latest, new) and _refused(latest, old)
    assert len(latest["headers"]["webhook-signature"].split(" ")) == 1


def test_rotation_is_the_owners_only_and_bounds_its_overlap(batch_aws, receiver, lambda_context):
    sub = _subscribe(lambda_context, receiver().url, ["batch.completed"])
    path = f"/api/v1/webhooks/{sub['webhook_id']}/rotate-secret"

    assert _call(lambda_context, "POST", path, user="user-2")[0] == 404
    status, body = _call(lambda_context, "POST", path, {"overlap_seconds": 8 * 24 * 3600})
    assert (status, body["error_code"]) == (422, "VALIDATION_ERROR")
    status, body = _call(lambda_context, "POST", path)
    assert status == 200 and body["previous_secret_expires_at"]  # 24 hours by default


def test_a_receiver_down_for_a_while_gets_the_delivery_from_the_scheduled_retries(
    batch_aws, site, receiver, lambda_context, monkeypatch
):
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE_SECONDS", "0,0,0")
    hook = receiver([503, 503, 503, 502])  # down for the first round and the first retry
    sub = _subscribe(lambda_context, hook.url, ["batch.completed"])

    _run_batch(lambda_context, site, [site.good("s0000002")])

    [pending] = _deliveries(lambda_context, sub["webhook_id"])
    assert (pending["status"], pending["success"], pending["attempt_count"]) == ("pending", False, 3)
    assert pending["next_retry_at"]
    assert _sweep(lambda_context) == {"due": 1, "delivered": 0, "rescheduled": 1, "failed": 0}
    assert _sweep(lambda_context) == {"due": 1, "delivered": 1, "rescheduled": 0, "failed": 0}
    assert _sweep(lambda_context)["due"] == 0

    [done] = _deliveries(lambda_context, sub["webhook_id"])
    assert (done["status"], done["success"], done["next_retry_at"]) == ("succeeded", True, None)
    assert [a["status_code"] for a in done["attempts"]] == [503, 503, 503, 502, 200]
    assert len({r["headers"]["webhook-id"] for r in hook.requests}) == 1  # one message, retried
    assert _verified(hook.requests[-1], sub["secret"])["type"] == "batch.completed"


def test_retries_wait_for_their_time_and_end_failed(batch_aws, site, receiver, lambda_context, monkeypatch):
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE_SECONDS", "3600")
    hook = receiver([500] * 10)
    sub = _subscribe(lambda_context, hook.url, ["batch.completed"])

    _run_batch(lambda_context, site, [site.good("s0000003")])

    assert _sweep(lambda_context)["due"] == 0  # not before its time
    assert len(hook.requests) == 3
    [pending] = _deliveries(lambda_context, sub["webhook_id"])
    assert pending["status"] == "pending" and pending["next_retry_at"] > pending["created_at"]

    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE_SECONDS", "0")  # as if the hour had passed
    from tracktion.clock import epoch
    from tracktion.webhooks.delivery import retry_due

    assert retry_due(now=epoch() + 3601) == {"due": 1, "delivered": 0, "rescheduled": 0, "failed": 1}
    [failed] = _deliveries(lambda_context, sub["webhook_id"])
    assert (failed["status"], failed["attempt_count"], failed["next_retry_at"]) == ("failed", 4, None)
    assert _sweep(lambda_context)["due"] == 0


def test_a_deleted_webhook_is_not_retried(batch_aws, site, receiver, lambda_context, monkeypatch):
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE_SECONDS", "0,0")
    hook = receiver([500] * 10)
    sub = _subscribe(lambda_context, hook.url, ["batch.completed"])
    _run_batch(lambda_context, site, [site.good("s0000004")])
    assert _call(lambda_context, "DELETE", f"/api/v1/webhooks/{sub['webhook_id']}")[0] == 204

    assert _sweep(lambda_context) == {"due": 1, "delivered": 0, "rescheduled": 0, "failed": 1}
    assert len(hook.requests) == 3


def test_a_webhook_made_before_sealing_keeps_delivering_and_its_rotation_seals(
    batch_aws, receiver, lambda_context
):
    """An item as the earlier code stored it: the secret in the clear, in its body."""
    import json as json_

    from tracktion.storage.aws import table

    hook = receiver()
    old_secret = "whsec_Kp3-legacy_url-safe_secret-made-by-token_urlsafe0"
    body = {
        "webhook_id": "wh_legacy0000000000000000000000001",
        "owner_id": "user-1",
        "url": hook.url,
        "events": ["batch.completed"],
        "description": None,
        "secret": old_secret,
        "created_at": "2026-01-01T00:00:00Z",
    }
    key = {"pk": "WH#user-1", "sk": f"WH#{body['webhook_id']}"}
    table(batch_aws["BATCHES_TABLE"]).put_item(Item={**key, "body": json_.dumps(body), "owner_id": "user-1"})
    path = f"/api/v1/webhooks/{body['webhook_id']}"

    assert _call(lambda_context, "POST", path + "/ping")[1]["success"] is True
    assert _signed_correctly(hook.requests[-1], old_secret)  # its receiver still verifies
    status, rotated = _call(lambda_context, "POST", path + "/rotate-secret", {"overlap_seconds": 60})
    assert status == 200
    _call(lambda_context, "POST", path + "/ping")
    assert _verified(hook.requests[-1], rotated["secret"])
    stored = table(batch_aws["BATCHES_TABLE"]).get_item(Key=key)["Item"]
    assert old_secret not in str(stored) and rotated["secret"] not in str(stored)
