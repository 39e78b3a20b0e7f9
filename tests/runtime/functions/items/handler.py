"""One batch item: doubles its number; `transient` fails once then works, `permanent` always fails."""

from __future__ import annotations

import os
from typing import Any

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["SEEN_TABLE"])


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


def work(event: dict[str, Any], context: Any) -> dict[str, Any]:
    attempts = TABLE.update_item(
        Key={"pk": f"item:{event['id']}"},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]["n"]
    if event.get("mode") == "permanent":
        raise PermanentError(f"item {event['id']} cannot be done")
    if event.get("mode") == "transient" and attempts < 2:
        raise TransientError(f"item {event['id']} busy, try again")
    return {"id": event["id"], "double": 2 * int(event["n"]), "attempts": int(attempts)}


def summarize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    results = event["results"]
    return {
        "done": sorted(r["id"] for r in results if not r.get("failed")),
        "failed": sorted(r["id"] for r in results if r.get("failed")),
        "results": results,
    }
