"""The WebSocket gateway and the scheduler as `python -m local` wires them to the Lambda service."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from websockets.sync.client import connect

from local.testing import RuntimeProcess
from tests.runtime.conftest import eventually, seen


def test_a_websocket_message_is_answered_through_the_management_api(runtime: RuntimeProcess) -> None:
    with connect(f"{runtime.ws_url}/rt", open_timeout=30) as client:
        client.send(json.dumps({"action": "progress", "n": 1}))
        answer = json.loads(client.recv(timeout=30))
    assert answer["echo"] == {"action": "progress", "n": 1}
    assert answer["connection"]


def test_a_schedule_created_through_the_api_fires_its_function(runtime: RuntimeProcess) -> None:
    job = uuid.uuid4().hex
    when = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S")
    runtime.aws_client("scheduler").create_schedule(
        Name=f"once-{job[:8]}",
        ScheduleExpression=f"at({when})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": "arn:aws:lambda:us-east-1:123456789012:function:runtime-recorder-rt",
            "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
            "Input": json.dumps({"id": job}),
        },
    )
    assert eventually(lambda: seen(runtime, f"async:{job}"), timeout=60)
