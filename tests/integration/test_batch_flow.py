"""Batch imports end to end through the local runtime: the real template, the BatchImport state
machine run by the embedded Step Functions, the worker as a Lambda, the WebSocket API, Scheduler
and a webhook receiver, against a local copy of 1001tracklists with planted pages."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.functional.batch_site import PlantedSite
from tests.own_runtime import own_runtime
from tests.receiver import Receiver

pytestmark = pytest.mark.integration

CUE = importlib.util.find_spec("tracktion.cue.files") is not None


@pytest.fixture(scope="module")
def planted() -> Iterator[PlantedSite]:
    site = PlantedSite()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def batch_runtime(planted: PlantedSite) -> Iterator[Any]:
    """Our own runtime: the planted source, budgets lifted, a local webhook receiver allowed,
    and the injected interruption armed for URLs containing `faulty`."""
    env = [
        f"SOURCE_BASE_URL={planted.base_url}",
        "SOURCE_MIN_INTERVAL_SECONDS=0",
        "SOURCE_BLOCK_BACKOFF_SECONDS=0",
        "WEBHOOK_ALLOWED_HOSTS=127.0.0.1",
        "WEBHOOK_BACKOFF_SECONDS=0.2",
        "BATCH_WORKER_FAULT=after_import:faulty",
    ]
    with own_runtime(env) as runtime:
        yield runtime


def _wait_final(client: Any, headers: dict[str, str], batch_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/v1/batch/{batch_id}/status", headers=headers).json()
        if status["final"]:  # what the SDK's wait_batch waits for
            return status
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} did not finish: {status}")


def _owner_items(runtime: Any, table_hint: str, owner: str = "bootstrap-admin") -> list[dict[str, Any]]:
    """Everything an owner has in a table, through the owner index (as the API lists them)."""
    dynamodb = runtime.aws_client("dynamodb")
    name = next(t for t in dynamodb.list_tables()["TableNames"] if table_hint.lower() in t.lower())
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": name,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :p",
        "ExpressionAttributeValues": {":p": {"S": f"OWNER#{owner}"}},
    }
    while True:
        page = dynamodb.query(**kwargs)
        items.extend(json.loads(i["body"]["S"]) for i in page["Items"] if "body" in i)
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_fifty_url_batch_with_blocks_and_invalid_pages_is_partially_failed_with_exact_counts(
    batch_runtime: Any, planted: PlantedSite
) -> None:
    receiver = Receiver(path="/hooks/tracktion")
    urls = [planted.good(f"g{i:07d}") for i in range(42)]
    urls[5:5] = [planted.block(f"b{i:07d}") for i in range(5)]
    urls[20:20] = [planted.missing("i0000001"), planted.missing("i0000002")]
    urls.append(planted.empty("i0000003"))
    with batch_runtime.client() as client:
        headers = batch_runtime.admin_headers
        hook = client.post(
            "/api/v1/webhooks", headers=headers, json={"url": receiver.url, "events": ["batch.completed"]}
        )
        assert hook.status_code == 201, hook.text
        secret = hook.json()["secret"]
        # One item at a time: the embedded DynamoDB (moto) does not apply concurrent updates of
        # one item atomically as DynamoDB does, and this test counts exactly.
        body: dict[str, Any] = {"urls": urls, "priority": "low"}
        if CUE:
            body["options"] = {"generate_cue": True, "cue_format": "standard"}
        created = client.post("/api/v1/batch", headers=headers, json=body)
        assert created.status_code == 200, created.text
        batch_id = created.json()["batch_id"]

        final = _wait_final(client, headers, batch_id)
        errors = client.get(
            f"/api/v1/batch/{batch_id}/status", headers=headers, params={"include_errors": "true"}
        ).json()["errors"]

        client.delete(f"/api/v1/webhooks/{hook.json()['webhook_id']}", headers=headers)
    receiver.stop()

    assert final["status"] == "partially_failed"
    assert final["jobs_status"] == {
        "queued": 0,
        "processing": 0,
        "total": 50,
        "completed": 42,
        "failed": 8,
        "pending": 0,
        "cancelled": 0,
    }
    assert final["final"] is True and final["progress_percentage"] == 100.0
    assert final["error"].startswith("8 of 50 item(s) failed")
    codes = sorted(e["error_code"] for e in errors)
    assert codes == ["EMPTY_TRACKLIST"] + ["SOURCE_BLOCKED"] * 5 + ["SOURCE_PAGE_NOT_FOUND"] * 2
    # The signed batch.completed reached the receiver.
    completed = [r for r in receiver.requests if r["headers"].get("X-Tracktion-Event") == "batch.completed"]
    assert len(completed) == 1
    request = completed[0]
    ts = request["headers"]["X-Tracktion-Timestamp"]
    expected = (
        "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + request["body"], hashlib.sha256).hexdigest()
    )
    assert hmac.compare_digest(request["headers"]["X-Tracktion-Signature"], expected)
    event = json.loads(request["body"])
    assert event["data"]["batch_id"] == batch_id
    assert event["data"]["status"] == "partially_failed"
    assert event["data"]["jobs_status"]["completed"] == 42
    # Every good page is one tracklist (and one CUE file), nothing of the others.
    good_ids = {f"g{i:07d}" for i in range(42)}
    pages = [t["source_page_id"] for t in _owner_items(batch_runtime, "Tracklists")]
    assert sorted(p for p in pages if p in good_ids) == sorted(good_ids)
    assert not [p for p in pages if p and p[0] in "bi" and p[1:].isdigit()]
    if CUE:
        ours = {
            t["tracklist_id"]
            for t in _owner_items(batch_runtime, "Tracklists")
            if t["source_page_id"] in good_ids
        }
        cues = [c for c in _owner_items(batch_runtime, "Cue") if c["tracklist_id"] in ours]
        assert sorted(c["tracklist_id"] for c in cues) == sorted(ours)


def test_websocket_client_gets_every_progress_message_in_order_then_the_final_one(
    batch_runtime: Any, planted: PlantedSite
) -> None:
    from websockets.sync.client import connect

    urls = [planted.good(f"w{i:07d}") for i in range(8)]
    headers = batch_runtime.admin_headers
    with batch_runtime.client() as client:
        created = client.post("/api/v1/batch", headers=headers, json={"urls": urls, "priority": "low"}).json()
        batch_id = created["batch_id"]
        socket_url = f"{batch_runtime.ws_url}?batch_id={batch_id}&api_key={batch_runtime.admin_key}"
        messages: list[dict[str, Any]] = []
        with connect(socket_url, open_timeout=10) as ws:
            # Items may finish before the socket opens: the subscription answers a snapshot first.
            ws.send(json.dumps({"action": "subscribe", "batch_id": batch_id}))
            while not (messages and messages[-1]["final"]):
                messages.append(json.loads(ws.recv(timeout=60)))

    snapshot, *updates = messages
    assert {"batch_id", "status", "progress", "jobs_status", "timestamp"} <= set(snapshot)
    # One worker at a time (priority low): every item that finished after the snapshot has its
    # message, in order (the message of the item the snapshot already counted may follow it).
    later = [m["sequence"] for m in updates if not m["final"] and m["sequence"] > snapshot["sequence"]]
    assert later == list(range(snapshot["sequence"] + 1, 9))
    assert [m["sequence"] for m in updates] == sorted(m["sequence"] for m in updates)
    final = updates[-1] if updates else snapshot
    assert final["status"] == "completed"
    assert final["progress"] == 100.0
    assert final["jobs_status"]["completed"] == 8
    assert all(m["batch_id"] == batch_id for m in messages)


def test_another_users_batch_cannot_be_watched(batch_runtime: Any, planted: PlantedSite) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    others = f"{batch_runtime.ws_url}?batch_id=someone-elses&api_key={batch_runtime.admin_key}"
    with pytest.raises(InvalidStatus) as refused, connect(others):
        pass
    assert refused.value.response.status_code == 404
    with pytest.raises(InvalidStatus) as anonymous, connect(f"{batch_runtime.ws_url}?batch_id=x"):
        pass
    assert anonymous.value.response.status_code == 401


def test_cancel_mid_way_stops_the_execution_and_counts_add_up(
    batch_runtime: Any, planted: PlantedSite
) -> None:
    urls = [planted.good(f"c{i:07d}") for i in range(40)]
    headers = batch_runtime.admin_headers
    with batch_runtime.client() as client:
        batch_id = client.post(
            "/api/v1/batch", headers=headers, json={"urls": urls, "priority": "low"}
        ).json()["batch_id"]
        deadline = time.monotonic() + 60
        while (
            client.get(f"/api/v1/batch/{batch_id}/status", headers=headers).json()["jobs_status"]["completed"]
            < 3
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        cancelled = client.post(f"/api/v1/batch/{batch_id}/cancel", headers=headers)
        time.sleep(3)  # a worker in flight may still finish its item
        later = client.get(f"/api/v1/batch/{batch_id}/status", headers=headers).json()
        time.sleep(2)
        settled = client.get(f"/api/v1/batch/{batch_id}/status", headers=headers).json()

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "success"
    assert cancelled.json()["batch_status"] == "cancelled"
    sfn = batch_runtime.aws_client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if "batch-import" in m["name"])
    execution = machine["stateMachineArn"].replace(":stateMachine:", ":execution:") + f":{batch_id}"
    # Stopped: AWS reports ABORTED; the embedded Step Functions (moto 5.2.5) reports a stopped
    # Map as FAILED with States.Runtime. Either way nothing runs after the cancel (below).
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] in ("ABORTED", "FAILED")
    assert described["stopDate"]
    for status in (cancelled.json(), later, settled):
        assert status["final"] is True
        jobs = status["jobs_status"]
        assert jobs["completed"] + jobs["failed"] + jobs["pending"] + jobs["cancelled"] == 40
        assert jobs["pending"] == 0
    assert {k: v for k, v in settled.items() if k != "updated_at"} == {
        k: v for k, v in later.items() if k != "updated_at"
    }
    assert 3 <= settled["jobs_status"]["completed"] < 40
    assert settled["jobs_status"]["cancelled"] > 0


def test_one_minute_schedule_fires_and_creates_a_normal_batch(
    batch_runtime: Any, planted: PlantedSite
) -> None:
    headers = batch_runtime.admin_headers
    body = {"name": "every minute", "urls": [planted.good("s0000001")], "cron_expression": "* * * * *"}
    with batch_runtime.client() as client:
        created = client.post("/api/v1/batch/schedule", headers=headers, json=body)
        assert created.status_code == 200, created.text
        schedule_id = created.json()["schedule_id"]
        deadline = time.monotonic() + 130
        fired: dict[str, Any] = {}
        while time.monotonic() < deadline:
            listed = client.get("/api/v1/batch/schedules", headers=headers).json()["schedules"]
            fired = next(s for s in listed if s["schedule_id"] == schedule_id)
            if fired["last_batch_id"]:
                break
            time.sleep(1)
        client.delete(f"/api/v1/batch/schedules/{schedule_id}", headers=headers)
        assert fired["last_batch_id"], "the schedule did not fire within two minutes"
        batch = _wait_final(client, headers, fired["last_batch_id"])

    assert batch["schedule_id"] == schedule_id
    assert batch["status"] == "completed"
    assert batch["jobs_status"]["completed"] == 1


def test_worker_interrupted_mid_item_is_retried_without_a_duplicate(
    batch_runtime: Any, planted: PlantedSite
) -> None:
    # The runtime interrupts the first attempt of any item whose URL contains "faulty",
    # after its tracklist was stored and before its result was recorded.
    urls = [planted.good("f0000001", slug="faulty-set"), planted.good("f0000002")]
    headers = batch_runtime.admin_headers
    with batch_runtime.client() as client:
        body = {"urls": urls, "priority": "low"}
        batch_id = client.post("/api/v1/batch", headers=headers, json=body).json()["batch_id"]
        final = _wait_final(client, headers, batch_id)

    assert final["status"] == "completed"
    assert final["jobs_status"]["completed"] == 2
    pages = [t["source_page_id"] for t in _owner_items(batch_runtime, "Tracklists")]
    assert pages.count("f0000001") == 1
    assert pages.count("f0000002") == 1
    sfn = batch_runtime.aws_client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if "batch-import" in m["name"])
    execution = machine["stateMachineArn"].replace(":stateMachine:", ":execution:") + f":{batch_id}"
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    assert any("WorkerInterrupted" in json.dumps(e, default=str) for e in events)


def test_my_batches_are_listed_and_a_new_account_sees_none(batch_runtime: Any, planted: PlantedSite) -> None:
    headers = batch_runtime.admin_headers
    with batch_runtime.client() as client:
        created = client.post("/api/v1/batch", headers=headers, json={"urls": [planted.good("l0000001")]})
        assert created.status_code == 200, created.text
        mine = client.get("/api/v1/batch", headers=headers, params={"limit": 100})
        email = f"lister-{time.time_ns()}@example.com"
        client.post("/api/v1/auth/register", json={"email": email, "password": "integration-pass-1"})
        login = client.post("/api/v1/auth/token", json={"username": email, "password": "integration-pass-1"})
        theirs = client.get(
            "/api/v1/batch", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )

    assert mine.status_code == 200, mine.text
    assert created.json()["batch_id"] in [b["batch_id"] for b in mine.json()["batches"]]
    assert mine.json()["pagination"]["total"] >= 1
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["batches"] == [] and theirs.json()["pagination"]["total"] == 0
