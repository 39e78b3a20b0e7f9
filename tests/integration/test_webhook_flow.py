"""Webhooks through the local runtime: the batch worker, the batch function and the maintenance
sweep in their own processes with their template environments (the identity secret that
unseals signing secrets included), delivering to a receiver in this process that verifies
every request with the published `standardwebhooks` package."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.template import Template
from tests.conftest import ROOT
from tests.own_runtime import own_runtime
from tests.receiver import Receiver

pytestmark = pytest.mark.integration

MAINTENANCE = Template.load(ROOT / "template.yaml", {}).physical_name("MaintenanceFunction")
URL = (
    "https://www.1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html"
)


def verified(request: dict[str, Any], secret: str) -> Any:
    from standardwebhooks.webhooks import Webhook

    return Webhook(secret).verify(request["body"], request["headers"])


@pytest.fixture(scope="module")
def hooks_runtime() -> Iterator[Any]:
    env = [
        "WEBHOOK_ALLOWED_HOSTS=127.0.0.1",
        "WEBHOOK_BACKOFF_SECONDS=0",
        # Each later retry due at once: whichever sweep comes first (ours below, or the
        # template's minute schedule) makes it, and a claimed delivery is never sent twice.
        "WEBHOOK_RETRY_SCHEDULE_SECONDS=0,0,0",
        "SOURCE_MIN_INTERVAL_SECONDS=0",
    ]
    with own_runtime(env) as runtime:
        yield runtime


@pytest.fixture
def client(hooks_runtime: Any) -> Iterator[Any]:
    with hooks_runtime.client(headers=hooks_runtime.admin_headers) as c:
        yield c


def _subscribe(client: Any, url: str, events: list[str]) -> dict[str, Any]:
    made = client.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_ping_and_rotation_verify_with_the_standard_library(client: Any) -> None:
    receiver = Receiver()
    try:
        hook = _subscribe(client, receiver.url, ["batch.completed"])
        path = f"/api/v1/webhooks/{hook['webhook_id']}"

        ping = client.post(path + "/ping")
        rotated = client.post(path + "/rotate-secret", json={"overlap_seconds": 600}).json()
        client.post(path + "/ping")
    finally:
        receiver.stop()

    assert ping.status_code == 200 and ping.json()["success"] is True
    first, second = receiver.requests
    assert verified(first, hook["secret"])["type"] == "webhook.ping"
    assert verified(second, rotated["secret"]) == verified(second, hook["secret"])
    assert first["headers"]["webhook-id"] == ping.json()["event_id"]


def test_a_receiver_down_for_a_while_gets_the_batch_event_from_the_scheduled_retries(
    hooks_runtime: Any, client: Any
) -> None:
    receiver = Receiver([503, 503, 503, 503])  # the first round (3 attempts) and one retry
    lam = hooks_runtime.aws_client("lambda")
    try:
        hook = _subscribe(client, receiver.url, ["batch.completed"])
        created = client.post("/api/v1/batch", json={"urls": [URL]})
        assert created.status_code == 200, created.text
        batch_id = created.json()["batch_id"]
        deadline = time.monotonic() + 180
        while not client.get(f"/api/v1/batch/{batch_id}/status").json()["final"]:
            assert time.monotonic() < deadline, "batch did not finish"
            time.sleep(0.5)
        log_path = f"/api/v1/webhooks/{hook['webhook_id']}/deliveries"
        while not client.get(log_path).json()["deliveries"]:  # finalizing emits after the status
            assert time.monotonic() < deadline, "no delivery logged"
            time.sleep(0.5)
        for _ in range(10):  # the sweep MaintenanceFunction runs every minute, invoked here at once
            [delivery] = client.get(log_path).json()["deliveries"]
            if delivery["status"] != "pending":
                break
            answer = lam.invoke(FunctionName=MAINTENANCE, Payload=json.dumps({"action": "webhook_retries"}))
            assert "FunctionError" not in answer, answer["Payload"].read()
    finally:
        receiver.stop()

    assert (delivery["status"], delivery["success"], delivery["next_retry_at"]) == ("succeeded", True, None)
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 503, 503, 503, 200]
    assert len(receiver.requests) == 5
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {delivery["event_id"]}
    event = verified(receiver.requests[-1], hook["secret"])
    assert (event["type"], event["data"]["batch_id"]) == ("batch.completed", batch_id)
