"""Turns a request's credentials into a principal, or refuses it.

Bootstrap stage: one admin API key whose SHA-256 is configured (env BOOTSTRAP_ADMIN_KEY_SHA256
or the SSM parameter named by BOOTSTRAP_ADMIN_KEY_PARAM). Compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import cache
from typing import Any

from tracktion.api.principal import Principal


@cache
def _bootstrap_hash() -> str:
    value = os.environ.get("BOOTSTRAP_ADMIN_KEY_SHA256", "")
    param = os.environ.get("BOOTSTRAP_ADMIN_KEY_PARAM", "")
    if not value and param:
        from tracktion.storage.aws import client

        value = client("ssm").get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
    return value.strip().lower()


def _presented_key(event: dict[str, Any]) -> str | None:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if headers.get("x-api-key"):
        return str(headers["x-api-key"]).strip()
    auth = str(headers.get("authorization") or "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def refusal(status: int, error_code: str, message: str) -> dict[str, Any]:
    """Let the request through to the function, marked refused.

    HTTP APIs cannot shape an authorizer's deny (always a bare 403), so credential failures
    travel in the context and `tracktion.api.resolver.serve` answers them in the standard
    error format before any route code runs (docs/decisions.md, "Authorizer refusals").
    """
    return {
        "isAuthorized": True,
        "context": {"auth_error": error_code, "auth_status": str(status), "auth_message": message},
    }


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    key = _presented_key(event)
    if not key:
        return refusal(401, "UNAUTHORIZED", "Authentication required: send X-API-Key or Authorization")
    expected = _bootstrap_hash()
    if key and expected:
        digest = hashlib.sha256(key.encode()).hexdigest()
        if hmac.compare_digest(digest, expected):
            principal = Principal(
                user_id="bootstrap-admin",
                tier="enterprise",
                permissions=frozenset({"read", "write", "admin"}),
                auth_method="bootstrap_key",
            )
            return {"isAuthorized": True, "context": principal.to_context()}
    return refusal(401, "INVALID_API_KEY", "Invalid API key")
