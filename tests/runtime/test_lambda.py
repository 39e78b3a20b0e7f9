"""The Lambda service behind the AWS endpoint: isolation, warm state, errors, timeouts, Event calls."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from local.testing import RuntimeProcess
from tests.runtime.conftest import eventually, seen


def invoke(runtime: RuntimeProcess, name: str, payload: dict, **kwargs: str) -> tuple[dict, dict]:
    response = runtime.aws_client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload), **kwargs)
    body = response["Payload"].read()
    return response, json.loads(body) if body else {}


def test_each_function_has_its_own_environment_and_process(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        red = client.get("/public").json()
        blue = client.get("/echo/blue").json()
    assert (red["color"], blue["color"]) == ("red", "blue")
    assert red["pid"] != blue["pid"]
    assert red["function"] == "runtime-red-rt"
    assert red["aws_endpoint"] == runtime.aws_url


def test_a_warm_worker_keeps_its_module_state(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        first = client.get("/echo/blue").json()
        second = client.get("/echo/blue").json()
    assert second["pid"] == first["pid"]
    assert second["calls"] == first["calls"] + 1


def test_handler_exception_is_answered_with_lambdas_error_contract(runtime: RuntimeProcess) -> None:
    response, error = invoke(
        runtime, "runtime-item-rt", {"id": uuid.uuid4().hex, "n": 1, "mode": "permanent"}
    )
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "PermanentError"
    assert "cannot be done" in error["errorMessage"]
    assert any("handler.py" in line for line in error["stackTrace"])


def test_function_running_past_its_timeout_is_stopped_and_the_next_call_works(
    runtime: RuntimeProcess,
) -> None:
    response, error = invoke(runtime, "runtime-slow-rt", {"seconds": 5})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]
    response, answer = invoke(runtime, "runtime-slow-rt", {"seconds": 0})
    assert "FunctionError" not in response
    assert answer["slept"] == 0
    assert 0 < answer["remaining_ms"] <= 1000


def test_event_invocation_is_accepted_at_once_and_retried_after_an_error(runtime: RuntimeProcess) -> None:
    job = uuid.uuid4().hex
    response, _ = invoke(runtime, "runtime-recorder-rt", {"id": job, "fail_times": 1}, InvocationType="Event")
    assert response["StatusCode"] == 202
    item = eventually(lambda: seen(runtime, f"async:{job}"))
    assert item["attempts"] == {"N": "2"}


def test_functions_are_found_by_arn_and_qualifier_and_unknown_ones_are_refused(
    runtime: RuntimeProcess,
) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:runtime-slow-rt"
    _, answer = invoke(runtime, arn, {"seconds": 0}, Qualifier="$LATEST")
    assert answer["slept"] == 0
    dry, _ = invoke(runtime, "SlowFunction", {}, InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    with pytest.raises(ClientError) as refused:
        invoke(runtime, "no-such-function", {})
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
