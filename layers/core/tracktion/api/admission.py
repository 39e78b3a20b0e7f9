"""What every authenticated request passes before its route runs, and what is counted after.

Before: permission (writes need `write`, /users needs `admin`), the key's scopes, the HMAC
signature of signed requests (the authorizer cannot see bodies), and the rate limiter (one
conditional UpdateItem). After: the usage record (one UpdateItem). With the authorizer's one
call, an authenticated read costs three DynamoDB calls in all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tracktion.api.principal import Principal, from_context
from tracktion.auth.weights import Weight, is_read_only, weight_of
from tracktion.errors import Forbidden
from tracktion.observability import logger

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SCOPE_OF_SEGMENT = {
    "search": "search",
    "tracklists": "tracklists",
    "tracklist": "tracklists",
    "cue": "cue",
    "batch": "batch",
    "webhooks": "developer",
    "developer": "developer",
    "users": "developer",
    "auth": "developer",
    "user": "developer",
}


def scope_of(path: str) -> str | None:
    """The route group a path belongs to, as API keys' `scopes` name them."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "api" and parts[2] == "v1":
        return _SCOPE_OF_SEGMENT.get(parts[3])
    return None


def check_access(principal: Principal, method: str, path: str) -> None:
    """403 INSUFFICIENT_PERMISSIONS when the caller's key may not do this."""
    scope = scope_of(path)
    if principal.scopes and scope and scope not in principal.scopes:
        raise Forbidden(
            f"This API key is not allowed the '{scope}' scope",
            details={"required_scopes": [scope], "key_scopes": sorted(principal.scopes)},
        )
    if path.startswith("/api/v1/users") and not principal.is_admin:
        raise Forbidden("Admin permission required", details={"required_permission": "admin"})
    if method in WRITE_METHODS and not is_read_only(method, path) and "write" not in principal.permissions:
        raise Forbidden(
            "This API key is read-only",
            details={"required_permission": "write", "key_permissions": sorted(principal.permissions)},
        )


@dataclass
class Admission:
    principal: Principal
    weight: Weight
    endpoint: str
    started: float
    headers: dict[str, str]
    method: str
    path: str
    admitted: bool = False
    anonymous: bool = False


def begin(event: dict[str, Any], ctx: dict[str, Any]) -> Admission:
    """The request as the limiter and usage records see it (no checks yet)."""
    principal = from_context(ctx)
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method") or "GET").upper()
    path = str(event.get("rawPath") or http.get("path") or "/")
    endpoint = str(event.get("routeKey") or f"{method} {path}")
    return Admission(principal, weight_of(method, path), endpoint, time.perf_counter(), {}, method, path)


def begin_anonymous(event: dict[str, Any]) -> Admission:
    """A public request, limited as a free-tier caller per client address; not in any usage."""
    http = (event.get("requestContext") or {}).get("http") or {}
    source_ip = str(http.get("sourceIp") or "unknown")
    admission = begin(event, {"user_id": f"anon#{source_ip}", "tier": "free", "permissions": "read"})
    admission.anonymous = True
    return admission


def admit(admission: Admission, event: dict[str, Any], ctx: dict[str, Any]) -> None:
    """Checks and counts one request; raises a TracktionError (401/403/429) to refuse it."""
    from tracktion.auth import ratelimit
    from tracktion.errors import TracktionError

    if not admission.anonymous:
        check_access(admission.principal, admission.method, admission.path)
    if ctx.get("sig_secret"):
        _verify_signature(event, ctx, admission.principal, admission.method, admission.path)
    try:
        admission.headers = ratelimit.admit(admission.principal, admission.weight.tokens).headers()
    except TracktionError:
        raise
    except Exception as exc:
        # The limiter protects capacity; an outage of its table must not take the API down.
        logger.warning("rate limiter unavailable; admitting", extra={"error": repr(exc)})
    admission.admitted = True


def _verify_signature(
    event: dict[str, Any], ctx: dict[str, Any], principal: Principal, method: str, path: str
) -> None:
    from tracktion.auth import hmac_signing

    headers = {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    hmac_signing.verify(
        str(ctx["sig_secret"]),
        principal.key_id or "",
        timestamp=headers.get("x-timestamp", ""),
        signature=headers.get("x-signature", ""),
        method=method,
        path=path,
        query=str(event.get("rawQueryString") or ""),
        body=hmac_signing.body_bytes(event.get("body"), bool(event.get("isBase64Encoded"))),
    )


def record(admission: Admission, status: int) -> None:
    """Count the finished request in the caller's usage analytics; never fails the response."""
    from tracktion.auth import usage

    if admission.anonymous:
        return
    try:
        usage.record(
            admission.principal.user_id,
            admission.principal.key_id,
            admission.endpoint,
            admission.weight.category,
            admission.weight.tokens if admission.admitted else 0,
            error=status >= 400,
            latency_ms=int((time.perf_counter() - admission.started) * 1000),
        )
    except Exception as exc:
        logger.warning("usage not recorded", extra={"error": repr(exc)})
