"""A failed asynchronous job leaves a trace: its event waits in the failure queue, and the
redrive sends it to its function again (template.yaml's EventInvokeConfig, as the local
runtime honours it; docs/operations.md, "Async failures")."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from local.template import Template
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

# The runtime's names, as it reads them from template.yaml (default parameters).
_TEMPLATE = Template.load(ROOT / "template.yaml", {})
QUEUE = _TEMPLATE.physical_name("AsyncFailureQueue")
TRIGGER = _TEMPLATE.physical_name("CueTriggerFunction")
MAINTENANCE = _TEMPLATE.physical_name("MaintenanceFunction")


def _records(sqs: Any, url: str, want: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Take the records the queue holds, waiting until `want` have arrived."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < want and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_an_s3_trigger_that_fails_lands_in_the_failure_queue_and_the_redrive_runs_it_again(
    runtime: Any,
) -> None:
    sqs, lam = runtime.aws_client("sqs"), runtime.aws_client("lambda")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    _records(sqs, url, want=0, timeout=0)  # nothing left by an earlier test
    # An S3 notification the trigger cannot read (a record that is not an object): it raises on
    # every attempt; Lambda (here the local runtime) retries it twice (MaximumRetryAttempts: 2).
    job = {"Records": [None]}
    accepted = lam.invoke(FunctionName=TRIGGER, InvocationType="Event", Payload=json.dumps(job))
    assert accepted["StatusCode"] == 202

    (record,) = _records(sqs, url, want=1)
    assert record["requestPayload"] == job
    assert record["requestContext"]["functionArn"].split(":")[6] == TRIGGER
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # the first attempt and two retries
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"]

    # Put it back as Lambda would have, then redrive: the function runs it again (and, the cause
    # being unfixed, queues it again with the same event).
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    answer = lam.invoke(FunctionName=MAINTENANCE, Payload=json.dumps({"action": "redrive"}).encode())
    counts = json.loads(answer["Payload"].read())
    assert counts == {"redriven": 1, "left": 0, "seen": 1}
    (again,) = _records(sqs, url, want=1)
    assert again["requestPayload"] == job
    assert again["requestContext"]["requestId"] != record["requestContext"]["requestId"]


def test_the_redrive_leaves_records_of_functions_outside_the_stack(runtime: Any) -> None:
    sqs, lam = runtime.aws_client("sqs"), runtime.aws_client("lambda")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    _records(sqs, url, want=0, timeout=0)
    foreign = {
        "requestContext": {
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:someone-else:$LATEST"
        },
        "requestPayload": {"x": 1},
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(foreign))
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    answer = lam.invoke(FunctionName=MAINTENANCE, Payload=json.dumps({"action": "redrive"}).encode())
    assert json.loads(answer["Payload"].read()) == {"redriven": 0, "left": 2, "seen": 2}
    # Left means left: both are still there for an operator to read (once visible again).
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
            "Attributes"
        ]["ApproximateNumberOfMessagesNotVisible"]
        == "2"
    )
    sqs.purge_queue(QueueUrl=url)
