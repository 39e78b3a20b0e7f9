"""Writes down each event it receives (an S3 record or an async payload) in the Seen table."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["SEEN_TABLE"])


class NotYet(Exception):
    """Fails the first `fail_times` attempts of an asynchronous payload."""


def handler(event: dict[str, Any], context: Any) -> None:
    if "Records" in event:
        record = event["Records"][0]
        key = record["s3"]["object"]["key"]
        TABLE.put_item(Item={"pk": f"s3:{key}", "record": json.dumps(record)})
        return
    attempts = TABLE.update_item(
        Key={"pk": f"attempts:{event['id']}"},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]["n"]
    if attempts <= int(event.get("fail_times", 0)):
        raise NotYet(f"attempt {attempts}")
    TABLE.put_item(Item={"pk": f"async:{event['id']}", "attempts": attempts})
