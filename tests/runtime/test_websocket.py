"""The local WebSocket gateway: connect, message, push through @connections, refusal, 410, $disconnect.

The gateway serves tests/runtime/template_ws.yaml; its function runs in this process through a
small in-process invoke (the Lambda service is tested on its own) and answers through boto3's
`apigatewaymanagementapi` client, as deployed code does.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local.template import Template
from local.websocket import WebSocketGateway, start_websocket_gateway

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "template_ws.yaml"


class InProcessLambda:
    """Runs the template's handlers here, recording each event (what the function was given)."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any] | None:
        with self.lock:
            self.events.append((function, event))
        module, attr = str(self.template.function_property(function, "Handler")).rsplit(".", 1)
        return getattr(importlib.import_module(module), attr)(event, None)

    def route_keys(self) -> list[str]:
        with self.lock:
            return [event["requestContext"]["routeKey"] for _fn, event in self.events]


@pytest.fixture
def ws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebSocketGateway, InProcessLambda]]:
    monkeypatch.syspath_prepend(str(HERE / "ws_functions"))
    template = Template.load(TEMPLATE)
    invoke = InProcessLambda(template)
    gateway = start_websocket_gateway(template, invoke, "127.0.0.1", 0)
    for name, value in template.function_environment("EchoFunction").items():
        monkeypatch.setenv(name, value)
    try:
        yield gateway, invoke
    finally:
        gateway.shutdown()
        sys.modules.pop("ws_echo.handler", None)


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_message_is_answered_by_a_push_through_connections(ws) -> None:
    gateway, invoke = ws

    with connect(f"{gateway.url}/test?token=let-me-in&batch_id=b-1") as client:
        client.send(json.dumps({"action": "echo", "text": "hello"}))
        reply = json.loads(client.recv(timeout=5))

    assert reply["echo"] == "hello"
    assert reply["stage"] == "test"
    connect_event = invoke.events[0][1]
    assert connect_event["requestContext"]["eventType"] == "CONNECT"
    assert connect_event["queryStringParameters"] == {"token": "let-me-in", "batch_id": "b-1"}
    assert connect_event["requestContext"]["connectionId"] == reply["connectionId"]
    message_event = invoke.events[1][1]
    assert message_event["requestContext"]["routeKey"] == "echo"
    assert message_event["requestContext"]["eventType"] == "MESSAGE"
    assert json.loads(message_event["body"]) == {"action": "echo", "text": "hello"}


def test_connect_refused_by_the_function_rejects_the_handshake_with_its_status(ws) -> None:
    gateway, invoke = ws

    with pytest.raises(InvalidStatus) as refused:
        connect(f"{gateway.url}/test?token=wrong")

    assert refused.value.response.status_code == 403
    assert invoke.route_keys() == ["$connect"]
    assert gateway.connection_ids() == []


def test_disconnect_runs_when_the_client_goes_and_later_posts_answer_410(ws) -> None:
    gateway, invoke = ws
    with connect(f"{gateway.url}/test?token=let-me-in") as client:
        client.send(json.dumps({"action": "whoami"}))
        connection_id = json.loads(client.recv(timeout=5))["connectionId"]
        management = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=gateway.management_endpoint("EchoWebSocketApi"),
            region_name="us-east-1",
        )
        assert management.get_connection(ConnectionId=connection_id)["Identity"]["SourceIp"] == "127.0.0.1"

    assert wait_for(lambda: "$disconnect" in invoke.route_keys())
    with pytest.raises(ClientError) as gone:
        management.post_to_connection(ConnectionId=connection_id, Data=b"anyone there?")
    assert gone.value.response["Error"]["Code"] == "GoneException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_delete_connection_closes_the_client(ws) -> None:
    gateway, invoke = ws
    with connect(f"{gateway.url}/test?token=let-me-in") as client:
        client.send(json.dumps({"action": "whoami"}))
        connection_id = json.loads(client.recv(timeout=5))["connectionId"]
        management = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=gateway.management_endpoint("EchoWebSocketApi"),
            region_name="us-east-1",
        )

        management.delete_connection(ConnectionId=connection_id)

        assert wait_for(lambda: client.protocol.state.name == "CLOSED")
    assert wait_for(lambda: "$disconnect" in invoke.route_keys())


def test_function_environment_points_at_the_local_api(ws) -> None:
    gateway, _invoke = ws

    env = gateway.template.function_environment("EchoFunction")

    assert env["WEBSOCKET_URL"] == f"{gateway.url}/test"
    classic = f"https://{gateway.apis['EchoWebSocketApi'].api_id}.execute-api.us-east-1.amazonaws.com/test"
    assert gateway.rewrite_management_url(classic) == gateway.management_endpoint("EchoWebSocketApi")


def test_connecting_at_the_root_path_reaches_the_api_too(ws) -> None:
    gateway, _invoke = ws

    with connect(f"{gateway.url}/?token=let-me-in") as client:
        client.send(json.dumps({"action": "whoami"}))
        assert json.loads(client.recv(timeout=5))["connectionId"]


# ---------------------------------------------------------------------- through `python -m local`
@pytest.fixture(scope="module")
def runtime():
    from local.testing import start_runtime

    process = start_runtime(TEMPLATE, ["--parameter", "Stage=test"])
    try:
        yield process
    finally:
        process.stop()


def test_runtime_serves_the_websocket_api_and_functions_push_through_connections(runtime) -> None:
    assert runtime.ws_url.startswith("ws://127.0.0.1:")

    with connect(f"{runtime.ws_url}/test?token=let-me-in") as client:
        client.send(json.dumps({"action": "echo", "text": "from a worker"}))
        reply = json.loads(client.recv(timeout=30))

    assert reply["echo"] == "from a worker"
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{runtime.ws_url}/test?token=nope")
    assert refused.value.response.status_code == 403
