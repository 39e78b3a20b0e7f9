"""Shared fixtures: the embedded AWS for functional tests, events, and the shared fixture data.

Functional tests run handlers with real API Gateway events against moto's in-process mock,
whose tables and buckets are created from template.yaml (local.provision), exactly as the
local runtime creates them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("TRACKTION_SHARED_FIXTURES", ROOT.parent / "shared" / "fixtures"))
OWN_FIXTURES = ROOT / "tests" / "fixtures"

# Never talk to real AWS from tests, whatever the developer's shell holds.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Tracktion",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


def shared_fixture(*parts: str) -> Path:
    """A file of ../shared/fixtures; real-data tests skip (with a message) when it is absent."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture {path} is absent (set TRACKTION_SHARED_FIXTURES)")
    return path


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's in-process AWS with the template's tables and bucket; env set as Lambda would."""
    import boto3
    from moto import mock_aws

    from local.provision import create_buckets, create_tables
    from local.template import Template
    from tracktion.config import settings
    from tracktion.storage import aws as aws_clients

    template = Template.load(ROOT / "template.yaml", {"Stage": "test"})
    with mock_aws():
        aws_clients.reset()
        tables = create_tables(template, boto3.client("dynamodb", region_name="us-east-1"))
        buckets = create_buckets(template, boto3.client("s3", region_name="us-east-1"))
        env: dict[str, str] = {}
        # Each table/bucket is handed over under the env name the template gives it.
        for fn in template.of_type("AWS::Serverless::Function"):
            env.update(template.function_environment(fn))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings.cache_clear()
        yield {**tables, **buckets, **env}
        aws_clients.reset()
        settings.cache_clear()


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    principal: dict[str, str] | None = None,
    route_key: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event, as the gateway (or local runtime) builds it."""
    from urllib.parse import urlencode

    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    hdrs = {"content-type": "application/json", **{k.lower(): v for k, v in (headers or {}).items()}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": hdrs,
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": "req-" + os.urandom(6).hex(),
            "routeKey": route_key or f"{method} {path}",
            "stage": "$default",
            "time": "22/Nov/2026:08:00:00 +0000",
            "timeEpoch": 1795334400000,
        },
        "body": raw_body,
        "isBase64Encoded": False,
    }
    if principal is not None:
        event["requestContext"]["authorizer"] = {"lambda": principal}
    return event


def principal_ctx(
    user_id: str = "user-1", tier: str = "free", permissions: str = "read,write"
) -> dict[str, str]:
    return {
        "user_id": user_id,
        "tier": tier,
        "key_id": f"key-{user_id}",
        "scopes": "",
        "permissions": permissions,
        "auth_method": "api_key",
    }


class FakeContext:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req-test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()
