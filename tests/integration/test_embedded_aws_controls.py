"""The embedded AWS's meter and fault switch (local/meter.py), as benchmarks and fault tests use
them: what a request costs is counted as AWS bills it, and a fault is given exactly as told."""

from __future__ import annotations

from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


def test_the_meter_counts_one_authenticated_read_as_aws_would_bill_it(runtime: Any) -> None:
    control = httpx.Client(base_url=runtime.aws_url, timeout=10)
    with runtime.client() as api:
        api.get("/api/v1/user/profile", headers=runtime.admin_headers)  # warm both functions
        assert control.delete("/_local/meter").status_code == 204
        assert api.get("/api/v1/user/profile", headers=runtime.admin_headers).status_code == 200
    meter = control.get("/_local/meter").json()
    lambdas = meter["lambda"]
    # Two invocations per request today: the authorizer, then the function (docs/cost.md).
    assert lambdas["AuthorizerFunction"]["invocations"] == 1
    assert sum(f["invocations"] for f in lambdas.values()) == 2
    assert all(f["billed_ms"] >= 1 and f["memory_mb"] > 0 for f in lambdas.values())
    dynamodb = {k: v for k, v in meter["requests"].items() if k.startswith("dynamodb:")}
    assert dynamodb, meter
    assert meter["dynamodb_read_units"] + meter["dynamodb_write_units"] >= len(dynamodb) * 0.5


def test_a_fault_is_given_as_many_times_as_asked_then_requests_go_through(runtime: Any) -> None:
    control = httpx.Client(base_url=runtime.aws_url, timeout=10)
    s3 = runtime.aws_client("s3")
    s3.create_bucket(Bucket="fault-switch-test")
    s3.put_object(Bucket="fault-switch-test", Key="cue/a.cue", Body=b"x")
    fault = {
        "service": "s3",
        "method": "GET",
        "key_prefix": "cue/",
        "status": 503,
        "error": "SlowDown",
        "times": 2,
    }
    assert control.post("/_local/faults", json=fault).status_code == 201
    # No SDK retries here: each call is one request, so each sees the switch.
    plain = boto3.client(
        "s3",
        endpoint_url=runtime.aws_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    for _ in range(2):
        with pytest.raises(ClientError) as refused:
            plain.get_object(Bucket="fault-switch-test", Key="cue/a.cue")
        assert refused.value.response["Error"]["Code"] == "SlowDown"
    assert plain.get_object(Bucket="fault-switch-test", Key="cue/a.cue")["Body"].read() == b"x"
    assert control.delete("/_local/faults").json() == [{"service": "s3", "error": "SlowDown", "hits": 2}]


def test_a_dynamodb_throttle_is_answered_as_dynamodb_answers_it(runtime: Any) -> None:
    control = httpx.Client(base_url=runtime.aws_url, timeout=10)
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=runtime.aws_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    tables = ddb.list_tables()["TableNames"]
    fault = {
        "service": "dynamodb",
        "operation": "GetItem",
        "table": tables[0],
        "error": "ProvisionedThroughputExceededException",
        "times": 1,
    }
    control.post("/_local/faults", json=fault)
    with pytest.raises(ClientError) as refused:
        ddb.get_item(TableName=tables[0], Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    assert refused.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert "Item" not in ddb.get_item(TableName=tables[0], Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    control.delete("/_local/faults")
