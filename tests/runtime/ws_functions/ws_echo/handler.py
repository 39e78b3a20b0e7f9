"""A WebSocket function as the progress feature will write one: it answers through @connections.

$connect admits only `?token=let-me-in`; a message `{"action": "echo", ...}` comes back to the
sender as a push through the management API; `whoami` answers as a two-way route. `tick` is
what schedules call.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import boto3


def management_endpoint() -> str:
    # wss://{api}.execute-api.{region}.amazonaws.com/{stage} -> https://... (ws -> http locally)
    return re.sub(r"^ws(s?)://", r"http\1://", os.environ["WEBSOCKET_URL"])


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event["requestContext"]
    if ctx["eventType"] == "CONNECT":
        token = (event.get("queryStringParameters") or {}).get("token")
        if token != "let-me-in":
            return {"statusCode": 403, "body": json.dumps({"message": "Forbidden"})}
        return {"statusCode": 200}
    if ctx["eventType"] == "DISCONNECT":
        return {"statusCode": 200}
    message = json.loads(event["body"])
    if ctx["routeKey"] == "whoami":
        return {"statusCode": 200, "body": json.dumps({"connectionId": ctx["connectionId"]})}
    api = boto3.client("apigatewaymanagementapi", endpoint_url=management_endpoint(), region_name="us-east-1")
    reply = {"echo": message.get("text"), "connectionId": ctx["connectionId"], "stage": ctx["stage"]}
    api.post_to_connection(ConnectionId=ctx["connectionId"], Data=json.dumps(reply).encode())
    return {"statusCode": 200}


def tick(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Records what a schedule sent, under its `marker` (when it has one)."""
    if isinstance(event, dict) and event.get("marker") and os.environ.get("TICKS_TABLE"):
        boto3.client("dynamodb").put_item(
            TableName=os.environ["TICKS_TABLE"],
            Item={"pk": {"S": str(event["marker"])}, "event": {"S": json.dumps(event)}},
        )
    return {"ticked": event}
