"""Following the IDs end to end through the local runtime (issue 14, item 4).

A user imports a 1001tracklists page with ID rows, follows it, edits one row; the site's users
then identify an ID row (the local copy of the site switches the page to its next capture);
the template's schedule fires FollowFunction (invoked here the way the runtime's scheduler
invokes its target: the Lambda Invoke API with the schedule's Input); exactly one
`tracklist.changed` reaches the user's webhook receiver and their open WebSocket, and the
tracklist is updated with the user's edit kept, completeness and the last check shown.
Its own runtime: webhooks to 127.0.0.1 are allowed (WEBHOOK_ALLOWED_HOSTS), as in the batch flow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.scheduler import template_schedules
from local.template import Template
from tests.conftest import ROOT
from tests.own_runtime import own_runtime
from tests.receiver import Receiver

pytestmark = pytest.mark.integration

SITE = "https://www.1001tracklists.com"
PATH = "/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"


@pytest.fixture(scope="module")
def follow_runtime() -> Iterator[Any]:
    env = ["SOURCE_MIN_INTERVAL_SECONDS=0", "WEBHOOK_ALLOWED_HOSTS=127.0.0.1", "WEBHOOK_BACKOFF_SECONDS=0.2"]
    with own_runtime(env) as runtime:
        yield runtime


def _fire_the_schedule(runtime: Any) -> dict[str, Any]:
    """What the runtime's scheduler does when FollowFunction's schedule comes due: invoke its
    target (the function's ARN) with the schedule's Input, through the Lambda Invoke API."""
    template = Template.load(ROOT / "template.yaml", {})
    (schedule,) = [s for s in template_schedules(template) if s.key.startswith("template:FollowFunction:")]
    (target,) = schedule.targets
    answer = runtime.aws_client("lambda").invoke(FunctionName=target["Arn"], Payload=target["Input"].encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    result: dict[str, Any] = json.loads(answer["Payload"].read())
    return result


def test_an_identified_id_row_reaches_the_follower_once_and_keeps_their_edit(follow_runtime: Any) -> None:
    from standardwebhooks.webhooks import Webhook
    from websockets.sync.client import connect

    receiver = Receiver(path="/hooks/tracktion")
    headers = follow_runtime.admin_headers
    switch = f"{follow_runtime.source_url}/_local/capture"
    with follow_runtime.client(headers=headers) as client:
        hook = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["tracklist.changed"]})
        assert hook.status_code == 201, hook.text
        imported = client.post(
            "/api/v1/tracklists/import/1001tracklists", json={"url": SITE + PATH, "force_refresh": True}
        )
        assert imported.status_code == 201, imported.text
        tracklist_id = imported.json()["tracklist_id"]
        follow = f"/api/v1/tracklists/{tracklist_id}/follow"

        started = client.post(follow)
        assert started.status_code == 201, started.text
        assert (
            started.json()["completeness"]["identified"] == 4 and started.json()["completeness"]["total"] == 7
        )
        edited = client.put(f"/api/v1/tracklists/{tracklist_id}/tracks/7", json={"title": "Night Drive"})
        assert edited.status_code == 200, edited.text
        assert httpx.post(switch, data={"path": PATH, "capture": "next"}, timeout=5).status_code == 200
        try:
            socket = f"{follow_runtime.ws_url}?api_key={follow_runtime.admin_key}"
            with connect(socket, open_timeout=10) as ws:
                first = _fire_the_schedule(follow_runtime)
                message = json.loads(ws.recv(timeout=30))
            again = _fire_the_schedule(follow_runtime)
        finally:
            httpx.post(switch, data={"path": PATH, "capture": ""}, timeout=5)

        tracklist = client.get(f"/api/v1/tracklists/{tracklist_id}").json()
        shown = client.get(follow).json()
        client.delete(f"/api/v1/webhooks/{hook.json()['webhook_id']}")
    receiver.stop()

    assert first["changed"] == 1, first
    assert again["due"] == 0 and again["changed"] == 0, again
    (delivery,) = receiver.events("tracklist.changed")  # exactly one delivery
    # Signed as every delivery: what a receiver written with the standardwebhooks package checks.
    event = Webhook(hook.json()["secret"]).verify(delivery["body"], delivery["headers"])
    assert (
        delivery["headers"]["webhook-id"]
        == event["id"]
        == f"{tracklist_id}:v{tracklist['version']}:tracklist.changed"
    )
    data = event["data"]
    assert data["tracklist_id"] == tracklist_id
    assert [
        (c["position"], c["after"]["artist"], c["after"]["title"]) for c in data["changes"]["identified"]
    ] == [(5, "Ann Clue", "Lumen")]
    assert [c["position"] for c in data["changes"]["times_added"]] == [5]
    assert [c["position"] for c in data["changes"]["kept_user_edits"]] == [7]
    assert message["type"] == "tracklist.changed" and message["tracklist_id"] == tracklist_id
    assert message["changes"] == data["changes"]

    rows = {t["position"]: t for t in tracklist["tracks"]}
    assert (rows[5]["artist"], rows[5]["title"], rows[5]["start_time"]) == ("Ann Clue", "Lumen", "00:34:10")
    assert (rows[7]["artist"], rows[7]["title"]) == ("Cave Studio", "Night Drive")
    assert shown["following"] is True and shown["last_checked_at"] and shown["checks"] == 1
    assert shown["completeness"] == {
        "identified": 6,
        "total": 7,
        "ratio": round(6 / 7, 4),
        "unidentified_positions": [6],
    }
