"""Shared by the identity tests: the identity secret in moto, and requests through the gateway path.

`gateway(...)` is tests.gateway.invoke (what API Gateway and the local runtime do for a request:
the template's route, its authorizer, then the function) plus what the test expects of the
route. Tests import the fixtures from here.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from tests.gateway import Answer, invoke

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
    """One request as API Gateway runs it (tests.gateway.invoke): the route of the template's
    table, its authorizer (unless the route is public), then the function. `public` and
    `route_key` state what the test expects of the route the gateway picks."""
    answer = invoke(
        method, path, body=body, headers=headers, query=query, key=key, token=token, source_ip=source_ip
    )
    assert answer.route is not None, f"no route for {method} {path}"
    assert (answer.route.authorizer is None) == public, (answer.route, public)
    if route_key is not None:
        assert answer.route.route_key == route_key, answer.route
    return answer


def create_key(admin_key: str = BOOTSTRAP_KEY, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "test key")
    res = gateway("POST", "/api/v1/developer/keys", body=body, key=admin_key)
    assert res.status == 201, res.body
    return res.body


def key_for(user_id: str, tier: str = "free", **body: Any) -> dict[str, Any]:
    """A key of `user_id` (created as that user would, through the developer function)."""
    from tests.conftest import principal_ctx

    body.setdefault("name", f"{user_id} key")
    perms = ",".join(sorted(set(body.get("permissions") or ["read", "write"]) | {"read", "write"}))
    res = invoke("POST", "/api/v1/developer/keys", body=body, principal=principal_ctx(user_id, tier, perms))
    assert res.status == 201, res.body
    return res.body  # type: ignore[no-any-return]


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
