"""A WebSocket route's function: answers each message by posting to @connections, as a progress feed does."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event["requestContext"]
    if ctx.get("eventType") == "MESSAGE":
        management = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["MANAGEMENT_URL"])
        answer = {"echo": json.loads(event["body"]), "connection": ctx["connectionId"]}
        management.post_to_connection(ConnectionId=ctx["connectionId"], Data=json.dumps(answer).encode())
    return {"statusCode": 200}
