"""Asynchronous work that failed for good, and sending it again (the redrive).

Every asynchronously invoked function (its own jobs, tracktion.async_jobs; the S3 trigger; the
scheduled runs) has an on-failure destination in template.yaml: the SQS queue
`AsyncFailureQueue`. Lambda puts there, once a job's retries are spent, a record holding the
original event (`requestPayload`), the function (`requestContext.functionArn`) and the error
(`responsePayload`). `redrive` invokes each record's function again, asynchronously, with its
original event, and deletes the record once the invocation is accepted; records of functions
outside this stack are left in place (docs/operations.md, "Async failures").
"""

from __future__ import annotations

import json
import os
from typing import Any

from botocore.exceptions import ClientError

from tracktion.config import OperationsSettings, get
from tracktion.observability import logger
from tracktion.storage.aws import client

MAX_PER_RUN = 500


def _function_of(record: dict[str, Any], own_prefix: str) -> str | None:
    arn = str((record.get("requestContext") or {}).get("functionArn") or "")
    parts = arn.split(":")
    # arn:aws:lambda:region:account:function:name[:qualifier]
    if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
        return None
    name = parts[6]
    return name if name.startswith(own_prefix) else None


def redrive(max_records: int = MAX_PER_RUN) -> dict[str, int]:
    """Send failed work again; counts of records redriven, left (not ours or unreadable), seen."""
    queue = get(OperationsSettings).async_failure_queue_url
    counts = {"redriven": 0, "left": 0, "seen": 0}
    if not queue:
        return counts
    sqs, lam = client("sqs"), client("lambda")
    # Our functions are named tracktion-<group>-<stage>; the running one tells which stack this is.
    own = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "tracktion-")
    own_prefix = own.split("-", 1)[0] + "-"
    while counts["seen"] < max_records:
        batch = sqs.receive_message(
            QueueUrl=queue,
            MaxNumberOfMessages=min(10, max_records - counts["seen"]),
            VisibilityTimeout=60,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            counts["seen"] += 1
            try:
                record = json.loads(message["Body"])
            except ValueError:
                record = {}
            name = _function_of(record, own_prefix) if isinstance(record, dict) else None
            if name is None or "requestPayload" not in record:
                counts["left"] += 1
                continue
            try:
                lam.invoke(
                    FunctionName=name,
                    InvocationType="Event",
                    Payload=json.dumps(record["requestPayload"]).encode(),
                )
            except ClientError as exc:
                logger.warning("redrive refused", extra={"function": name, "error": str(exc)})
                counts["left"] += 1
                continue
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            counts["redriven"] += 1
    logger.info("redrive", extra=counts)
    return counts
