"""Turns a request's credentials into a principal, or refuses it.

Credentials, in `X-API-Key` or `Authorization: Bearer ...`:
- the bootstrap admin key (its SHA-256 in env BOOTSTRAP_ADMIN_KEY_SHA256 or the SSM parameter
  named by BOOTSTRAP_ADMIN_KEY_PARAM), compared in constant time, no lookup;
- an API key `tk_live_…`/`tk_test_…`: checksum first (a typo never reaches DynamoDB), then
  one UpdateItem that finds the live key by hash and stamps `last_used_at`; expiry, rotation
  overlap, IP allow-list and "signature required" are checked here. A signed request's
  timestamp is checked here; its HMAC covers the body, which authorizers never see, so
  `tracktion.api.resolver.serve` verifies it (the sealed signing secret travels in the context);
- a JWT access token: signature, claims, then one BatchGetItem for the account (current tier,
  admin flag) and the login's family (logout and refresh-token reuse revoke at once).
Nothing is cached across requests except key material, so revocation is immediate.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
from functools import cache
from typing import Any

from tracktion.api.principal import Principal
from tracktion.errors import TracktionError
from tracktion.observability import logger

SIGNATURE_WINDOW_SECONDS = 300


@cache
def _bootstrap_hash() -> str:
    value = os.environ.get("BOOTSTRAP_ADMIN_KEY_SHA256", "")
    param = os.environ.get("BOOTSTRAP_ADMIN_KEY_PARAM", "")
    if not value and param:
        from tracktion.storage.aws import client

        value = client("ssm").get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
    return value.strip().lower()


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}


def _presented(headers: dict[str, str]) -> tuple[str, str] | None:
    """(credential, where) from X-API-Key or Authorization: Bearer."""
    if headers.get("x-api-key"):
        return headers["x-api-key"].strip(), "x-api-key"
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), "bearer"
    return None


def refusal(
    status: int, error_code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Let the request through to the function, marked refused.

    HTTP APIs cannot shape an authorizer's deny (always a bare 403), so credential failures
    travel in the context and `tracktion.api.resolver.serve` answers them in the standard
    error format before any route code runs (docs/decisions.md, "Authorizer refusals").
    """
    context = {"auth_error": error_code, "auth_status": str(status), "auth_message": message}
    if details:
        context["auth_details"] = json.dumps(details)
    return {"isAuthorized": True, "context": context}


def _allowed(source_ip: str, allowlist: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    for entry in allowlist:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _bootstrap(credential: str) -> dict[str, Any] | None:
    expected = _bootstrap_hash()
    if not expected:
        return None
    digest = hashlib.sha256(credential.encode()).hexdigest()
    if not hmac.compare_digest(digest, expected):
        return None
    principal = Principal(
        user_id="bootstrap-admin",
        tier="enterprise",
        permissions=frozenset({"read", "write", "admin"}),
        auth_method="bootstrap_key",
    )
    return {"isAuthorized": True, "context": principal.to_context()}


def _api_key(credential: str, event: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    from tracktion import clock
    from tracktion.auth import key_store, keys

    if not keys.is_well_formed(credential):
        return refusal(401, "INVALID_API_KEY", "Invalid API key")
    live = key_store.touch(credential)
    if live is None:
        return refusal(401, "INVALID_API_KEY", "Invalid API key")
    source_ip = str(((event.get("requestContext") or {}).get("http") or {}).get("sourceIp") or "")
    if live.ip_allowlist and not _allowed(source_ip, live.ip_allowlist):
        return refusal(403, "IP_BLOCKED", "This API key may not be used from this address")
    signed = "x-signature" in headers or "x-timestamp" in headers
    if live.signature_required and not signed:
        return refusal(
            401, "SIGNATURE_REQUIRED", "This API key requires signed requests (X-Timestamp, X-Signature)"
        )
    principal = Principal(
        user_id=live.user_id,
        tier=live.tier,
        key_id=live.key_id,
        scopes=live.scopes,
        permissions=live.permissions,
        auth_method="api_key",
    )
    context = principal.to_context()
    if signed:
        try:
            stamp = int(headers.get("x-timestamp", ""))
        except ValueError:
            return refusal(401, "INVALID_SIGNATURE", "X-Timestamp must be epoch seconds")
        if abs(clock.epoch() - stamp) > SIGNATURE_WINDOW_SECONDS:
            return refusal(
                401,
                "INVALID_SIGNATURE",
                "Request timestamp outside the allowed window",
                {"window_seconds": SIGNATURE_WINDOW_SECONDS},
            )
        if not live.signing_secret:
            return refusal(401, "INVALID_SIGNATURE", "This API key has no signing secret")
        context["sig_secret"] = live.signing_secret
    return {"isAuthorized": True, "context": context}


def _jwt(credential: str) -> dict[str, Any]:
    from tracktion.auth import tokens
    from tracktion.auth.refresh import family_key
    from tracktion.config import settings
    from tracktion.storage.aws import client

    claims = tokens.verify_access(credential)
    table = settings().identity_table
    user_key = {"pk": {"S": f"USER#{claims.user_id}"}, "sk": {"S": "PROFILE"}}
    wanted = [user_key, family_key(claims.family)] if claims.family else [user_key]
    found: dict[str, dict[str, Any]] = {}
    request: dict[str, Any] = {
        table: {
            "Keys": wanted,
            "ConsistentRead": True,
            "ProjectionExpression": "pk, tier, is_admin, revoked_at",
        }
    }
    while request:
        out = client("dynamodb").batch_get_item(RequestItems=request)
        for item in out.get("Responses", {}).get(table, []):
            found[item["pk"]["S"]] = item
        request = out.get("UnprocessedKeys") or {}
    user = found.get(f"USER#{claims.user_id}")
    family = found.get(f"RFAMILY#{claims.family}")
    if user is None or (claims.family and (family is None or "revoked_at" in family)):
        return refusal(401, "INVALID_TOKEN", "The session has ended")
    permissions = {"read", "write"} | ({"admin"} if user.get("is_admin", {}).get("BOOL") else set())
    principal = Principal(
        user_id=claims.user_id,
        tier=user.get("tier", {}).get("S", "free"),
        permissions=frozenset(permissions),
        auth_method="jwt",
    )
    return {"isAuthorized": True, "context": principal.to_context()}


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    headers = _headers(event)
    presented = _presented(headers)
    if not presented or not presented[0]:
        return refusal(401, "UNAUTHORIZED", "Authentication required: send X-API-Key or Authorization")
    credential, where = presented
    try:
        admitted = _bootstrap(credential)
        if admitted:
            return admitted
        from tracktion.auth import keys, tokens

        if keys.looks_like_key(credential):
            return _api_key(credential, event, headers)
        if where == "bearer" and tokens.looks_like_jwt(credential):
            return _jwt(credential)
        if where == "bearer":
            return refusal(401, "INVALID_TOKEN", "Invalid token")
        return refusal(401, "INVALID_API_KEY", "Invalid API key")
    except TracktionError as exc:
        return refusal(exc.status, exc.error_code, exc.message)
    except Exception:
        logger.exception("authorizer failure")
        return refusal(503, "SERVICE_UNAVAILABLE", "Authentication is temporarily unavailable")


def authenticate(credential: str, source_ip: str = "") -> Principal:
    """A principal for a bare credential (e.g. a WebSocket $connect query string), or raise.

    The same rules as HTTP requests, without request signing (a query string has no body).
    """
    header = (
        {"authorization": f"Bearer {credential}"}
        if credential.startswith("eyJ")
        else {"x-api-key": credential}
    )
    answer = authorize({"headers": header, "requestContext": {"http": {"sourceIp": source_ip}}})
    ctx = answer["context"]
    if ctx.get("auth_error"):
        error = TracktionError(str(ctx.get("auth_message")), error_code=str(ctx["auth_error"]))
        error.status = int(ctx.get("auth_status") or 401)
        raise error
    return Principal.from_context(ctx)
