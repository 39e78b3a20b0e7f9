"""Turns a credential into a principal, or refuses it: `authenticate(credential, source_ip)`.

Every entry point calls this: the HTTP API's Lambda authorizer (`tracktion.api.authorizer`
reads the credential from the event), the WebSocket `$connect`, anything else that is handed
a key or a token. A credential is
- the bootstrap admin key (its SHA-256 in env BOOTSTRAP_ADMIN_KEY_SHA256 or the SSM parameter
  named by BOOTSTRAP_ADMIN_KEY_PARAM), compared in constant time, no lookup;
- an API key `tk_live_…`/`tk_test_…`: checksum first (a typo never reaches DynamoDB), then
  one UpdateItem that finds the live key by hash and stamps `last_used_at`; expiry, rotation
  overlap, IP allow-list and "signature required" are checked here. A signed request's
  timestamp is checked here; its HMAC covers the body, which authentication never sees, so
  the principal carries the sealed signing secret for the edge to verify it with
  (`tracktion.auth.hmac_signing`);
- a JWT access token: signature, claims, then one BatchGetItem for the account (current tier,
  admin flag) and the login's family (logout and refresh-token reuse revoke at once).
Nothing is cached across requests except key material, so revocation is immediate.

A refusal is a `TracktionError` with the status and error code the caller is answered with;
an unexpected failure is a 503, never a crash of the entry point.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from tracktion.auth.principal import Principal
from tracktion.config import AuthSettings, get
from tracktion.errors import Forbidden, ServiceUnavailable, TracktionError, Unauthorized
from tracktion.observability import logger


@dataclass(frozen=True, slots=True)
class RequestSignature:
    """A signed request's parts as presented (either may be empty; both are then checked)."""

    timestamp: str = ""
    signature: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class Credential:
    """What a caller presents: an API key or a bearer token (an API key may come as either),
    and the signature parts when the request claims to be signed."""

    secret: str = field(repr=False)
    scheme: Literal["api_key", "bearer"] = "api_key"
    signature: RequestSignature | None = None


def authenticate(credential: Credential, source_ip: str = "") -> Principal:
    """The principal behind `credential`, presented from `source_ip`; raises when refused."""
    try:
        admitted = _bootstrap(credential.secret)
        if admitted is not None:
            return admitted
        from tracktion.auth import keys, tokens

        if keys.looks_like_key(credential.secret):
            return _api_key(credential, source_ip)
        if credential.scheme == "bearer" and tokens.looks_like_jwt(credential.secret):
            return _jwt(credential.secret)
        if credential.scheme == "bearer":
            raise Unauthorized("Invalid token", error_code="INVALID_TOKEN")
        raise Unauthorized("Invalid API key", error_code="INVALID_API_KEY")
    except TracktionError:
        raise
    except Exception as exc:
        logger.exception("authentication failure")
        raise ServiceUnavailable("Authentication is temporarily unavailable") from exc


@cache
def _bootstrap_hash() -> str:
    configured = get(AuthSettings)
    value, param = configured.bootstrap_admin_key_sha256, configured.bootstrap_admin_key_param
    if not value and param:
        from tracktion.storage.aws import client

        value = client("ssm").get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
    return value.strip().lower()


def _bootstrap(secret: str) -> Principal | None:
    expected = _bootstrap_hash()
    if not expected:
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if not hmac.compare_digest(digest, expected):
        return None
    return Principal(
        user_id="bootstrap-admin",
        tier="enterprise",
        permissions=frozenset({"read", "write", "admin"}),
        auth_method="bootstrap_key",
    )


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


def _api_key(credential: Credential, source_ip: str) -> Principal:
    from tracktion import clock
    from tracktion.auth import key_store, keys

    if not keys.is_well_formed(credential.secret):
        raise Unauthorized("Invalid API key", error_code="INVALID_API_KEY")
    live = key_store.touch(credential.secret)
    if live is None:
        raise Unauthorized("Invalid API key", error_code="INVALID_API_KEY")
    if live.ip_allowlist and not _allowed(source_ip, live.ip_allowlist):
        raise Forbidden("This API key may not be used from this address", error_code="IP_BLOCKED")
    signed = credential.signature
    if live.signature_required and signed is None:
        raise Unauthorized(
            "This API key requires signed requests (X-Timestamp, X-Signature)",
            error_code="SIGNATURE_REQUIRED",
        )
    signing_secret = None
    if signed is not None:
        from tracktion.auth.hmac_signing import WINDOW_SECONDS

        try:
            stamp = int(signed.timestamp)
        except ValueError:
            raise Unauthorized("X-Timestamp must be epoch seconds", error_code="INVALID_SIGNATURE") from None
        if abs(clock.epoch() - stamp) > WINDOW_SECONDS:
            raise Unauthorized(
                "Request timestamp outside the allowed window",
                error_code="INVALID_SIGNATURE",
                details={"window_seconds": WINDOW_SECONDS},
            )
        if not live.signing_secret:
            raise Unauthorized("This API key has no signing secret", error_code="INVALID_SIGNATURE")
        signing_secret = live.signing_secret
    return Principal(
        user_id=live.user_id,
        tier=live.tier,
        key_id=live.key_id,
        scopes=live.scopes,
        permissions=live.permissions,
        auth_method="api_key",
        signing_secret=signing_secret,
    )


def _jwt(token: str) -> Principal:
    from tracktion.auth import tokens
    from tracktion.auth.refresh import family_key
    from tracktion.config import settings
    from tracktion.storage.aws import client

    claims = tokens.verify_access(token)
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
        raise Unauthorized("The session has ended", error_code="INVALID_TOKEN")
    permissions = {"read", "write"} | ({"admin"} if user.get("is_admin", {}).get("BOOL") else set())
    return Principal(
        user_id=claims.user_id,
        tier=user.get("tier", {}).get("S", "free"),
        permissions=frozenset(permissions),
        auth_method="jwt",
    )
