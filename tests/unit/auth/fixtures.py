"""Shared by the identity tests: the identity secret in moto, and requests through the gateway path.

`gateway(...)` does what API Gateway (and the local runtime) does for a request: run the
authorizer on the event, put its context under requestContext.authorizer.lambda, then call
the function's handler. Tests import the fixtures from here.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import FakeContext, http_event

BOOTSTRAP_KEY = "tk-bootstrap-admin-key-for-tests-only"


@pytest.fixture
def identity(aws, monkeypatch):
    """The template's identity secret (as the local runtime provisions it) and the bootstrap key."""
    import boto3

    from tracktion.auth import authenticate, oauth, secrets

    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=os.environ["IDENTITY_SECRET_ID"], SecretString=os.urandom(32).hex()
    )
    monkeypatch.setenv("BOOTSTRAP_ADMIN_KEY_SHA256", hashlib.sha256(BOOTSTRAP_KEY.encode()).hexdigest())
    monkeypatch.delenv("BOOTSTRAP_ADMIN_KEY_PARAM", raising=False)
    secrets.forget()
    oauth.forget()
    authenticate._bootstrap_hash.cache_clear()
    yield aws
    secrets.forget()
    oauth.forget()
    authenticate._bootstrap_hash.cache_clear()


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        return self.body.get("error_code") if isinstance(self.body, dict) else None


def handler_for(path: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    if path.startswith("/api/v1/developer"):
        from developer_api.handler import lambda_handler
    elif path == "/health":
        from health_api.handler import lambda_handler
    elif path.startswith(("/api/v1/auth", "/api/v1/user")):
        from auth_api.handler import lambda_handler
    else:
        from health_api.handler import lambda_handler  # the catch-all: any other /api/v1 path
    return lambda_handler


def gateway(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    key: str | None = None,
    token: str | None = None,
    source_ip: str = "127.0.0.1",
    public: bool = False,
    route_key: str | None = None,
) -> Answer:
    """One request as API Gateway runs it: authorizer (unless the route is public), then the function."""
    from authorizer.handler import lambda_handler as authorizer

    hdrs = dict(headers or {})
    if key:
        hdrs["X-API-Key"] = key
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    event = http_event(method, path, body=body, headers=hdrs, query=query, route_key=route_key)
    event["requestContext"]["http"]["sourceIp"] = source_ip
    if not public:
        answer = authorizer(event, FakeContext())
        assert answer["isAuthorized"] is True
        event["requestContext"]["authorizer"] = {"lambda": answer["context"]}
    res = handler_for(path)(event, FakeContext())
    raw = res.get("body")
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return Answer(res["statusCode"], parsed, dict(res.get("headers") or {}))


def create_key(admin_key: str = BOOTSTRAP_KEY, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "test key")
    res = gateway("POST", "/api/v1/developer/keys", body=body, key=admin_key)
    assert res.status == 201, res.body
    return res.body


def key_for(user_id: str, tier: str = "free", **body: Any) -> dict[str, Any]:
    """A key of `user_id` (created as that user would, through the developer function)."""
    from developer_api.handler import lambda_handler
    from tests.conftest import principal_ctx

    body.setdefault("name", f"{user_id} key")
    perms = ",".join(sorted(set(body.get("permissions") or ["read", "write"]) | {"read", "write"}))
    event = http_event(
        "POST", "/api/v1/developer/keys", body=body, principal=principal_ctx(user_id, tier, perms)
    )
    res = lambda_handler(event, FakeContext())
    assert res["statusCode"] == 201, res["body"]
    return json.loads(res["body"])


def table_item(table: str, pk: str, sk: str) -> dict[str, Any] | None:
    import boto3

    return (
        boto3.resource("dynamodb", region_name="us-east-1")
        .Table(table)
        .get_item(Key={"pk": pk, "sk": sk})
        .get("Item")
    )


def set_attrs(table: str, pk: str, sk: str, **attrs: Any) -> None:
    """Test set-up that puts stored data in a state time would bring (an expiry in the past, a nearly full day)."""
    import boto3

    names = {f"#{k}": k for k in attrs}
    values = {f":{k}": v for k, v in attrs.items()}
    boto3.resource("dynamodb", region_name="us-east-1").Table(table).update_item(
        Key={"pk": pk, "sk": sk},
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in attrs),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def sign_up(email: str, password: str = "correct horse battery") -> dict[str, Any]:  # noqa: S107
    """Register and log in through the auth function; returns the token answer plus `user_id`."""
    made = gateway("POST", "/api/v1/auth/register", body={"email": email, "password": password}, public=True)
    assert made.status == 201, made.body
    tokens = gateway(
        "POST", "/api/v1/auth/token", body={"username": email, "password": password}, public=True
    )
    assert tokens.status == 200, tokens.body
    return {**tokens.body, "user_id": made.body["user_id"]}
