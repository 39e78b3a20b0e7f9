"""Answers what it was given and where it runs: the event's parts, its env, its process."""

from __future__ import annotations

import json
import os
from typing import Any

CALLS = 0  # module state: survives between invocations of a warm worker


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global CALLS
    CALLS += 1
    if event.get("rawPath") == "/raw":
        return {"plain": "value"}
    answer = {
        "color": os.environ.get("COLOR"),
        "function": context.function_name,
        "pid": os.getpid(),
        "calls": CALLS,
        "routeKey": event.get("routeKey"),
        "rawPath": event.get("rawPath"),
        "rawQueryString": event.get("rawQueryString"),
        "pathParameters": event.get("pathParameters"),
        "queryStringParameters": event.get("queryStringParameters"),
        "cookies": event.get("cookies"),
        "headers": event.get("headers"),
        "authorizer": (event.get("requestContext") or {}).get("authorizer"),
        "stage": (event.get("requestContext") or {}).get("stage"),
        "body": event.get("body"),
        "isBase64Encoded": event.get("isBase64Encoded"),
        "aws_endpoint": os.environ.get("AWS_ENDPOINT_URL"),
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-color": str(answer["color"])},
        "cookies": ["seen=1; Path=/"],
        "body": json.dumps(answer),
    }
