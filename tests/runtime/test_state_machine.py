"""Step Functions runs for real: a Map state invokes our function per item, with Retry and Catch."""

from __future__ import annotations

import json
import uuid

from local.testing import RuntimeProcess
from tests.runtime.conftest import eventually

STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:runtime-batch-rt"


def test_map_state_succeeds_with_each_items_output_retrying_transient_and_catching_permanent_errors(
    runtime: RuntimeProcess,
) -> None:
    sfn = runtime.aws_client("stepfunctions")
    run = uuid.uuid4().hex[:8]
    items = [
        {"id": f"{run}-plain", "n": 1},
        {"id": f"{run}-flaky", "n": 2, "mode": "transient"},
        {"id": f"{run}-doomed", "n": 3, "mode": "permanent"},
    ]
    execution = sfn.start_execution(stateMachineArn=STATE_MACHINE, input=json.dumps({"items": items}))

    def finished() -> dict | None:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        return described if described["status"] != "RUNNING" else None

    described = eventually(finished, timeout=60)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    assert output["done"] == sorted([f"{run}-plain", f"{run}-flaky"])
    assert output["failed"] == [f"{run}-doomed"]
    assert output["results"] == [
        {"id": f"{run}-plain", "double": 2, "attempts": 1},
        {"id": f"{run}-flaky", "double": 4, "attempts": 2},
        {"id": f"{run}-doomed", "failed": True, "error": "PermanentError"},
    ]
