"""The one admission step: what every request passes before its route runs, and what is counted after.

`serve()` resolves the route first, so the route's own rules (`tracktion.api.rules`, declared
where the route is defined) are known here. Before: credentials (a route that is not public
needs an identity), the key's scope, the route's permission, the HMAC signature of signed
requests (the authorizer cannot see bodies), and the rate limiter charging the route's cost
(one conditional UpdateItem). After: the usage record (one UpdateItem). With the authorizer's
one call, an authenticated read costs three DynamoDB calls in all. A public route is limited
per client address when it says so (registration, login, OAuth2), and otherwise passes
untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tracktion.api.principal import Principal, from_context
from tracktion.api.rules import Rules
from tracktion.errors import Forbidden, Unauthorized
from tracktion.observability import logger


def check_access(principal: Principal, rules: Rules) -> None:
    """403 INSUFFICIENT_PERMISSIONS when the caller's key may not call a route with these rules."""
    if principal.scopes and rules.scope and rules.scope not in principal.scopes:
        raise Forbidden(
            f"This API key is not allowed the '{rules.scope}' scope",
            details={"required_scopes": [rules.scope], "key_scopes": sorted(principal.scopes)},
        )
    for permission in rules.permissions:
        if permission == "admin" and not principal.is_admin:
            raise Forbidden("Admin permission required", details={"required_permission": "admin"})
        if permission == "write" and "write" not in principal.permissions:
            raise Forbidden(
                "This API key is read-only",
                details={"required_permission": "write", "key_permissions": sorted(principal.permissions)},
            )


@dataclass
class Admission:
    principal: Principal | None  # None: a route that needs credentials was called without any
    rules: Rules
    endpoint: str
    started: float
    headers: dict[str, str]
    method: str
    path: str
    admitted: bool = False
    anonymous: bool = False


def begin(event: dict[str, Any], ctx: dict[str, Any], rules: Rules) -> Admission | None:
    """The request as the checks, the limiter and usage records see it; None for a public call
    that nobody limits or counts (it goes straight to its route)."""
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method") or "GET").upper()
    path = str(event.get("rawPath") or http.get("path") or "/")
    endpoint = str(event.get("routeKey") or f"{method} {path}")
    anonymous = False
    principal: Principal | None = None
    if ctx.get("user_id"):
        principal = from_context(ctx)
    elif rules.public and rules.limited_per_address:
        # Limited as a free-tier caller per client address; not in anyone's usage.
        source_ip = str(http.get("sourceIp") or "unknown")
        principal = from_context({"user_id": f"anon#{source_ip}", "tier": "free", "permissions": "read"})
        anonymous = True
    elif rules.public:
        return None
    return Admission(principal, rules, endpoint, time.perf_counter(), {}, method, path, anonymous=anonymous)


def admit(admission: Admission, event: dict[str, Any], ctx: dict[str, Any]) -> None:
    """Checks and counts one request; raises a TracktionError (401/403/429) to refuse it."""
    from tracktion.auth import ratelimit
    from tracktion.errors import TracktionError

    principal = admission.principal
    if principal is None:
        # API Gateway runs the authorizer on every route that is not public; a call that still
        # arrives without an identity (a wiring error, or a direct invocation) goes no further.
        raise Unauthorized("Authentication required", error_code="UNAUTHORIZED")
    if not admission.anonymous:
        check_access(principal, admission.rules)
    if ctx.get("sig_secret"):
        _verify_signature(event, ctx, principal, admission.method, admission.path)
    try:
        admission.headers = ratelimit.admit(principal, admission.rules.cost.tokens).headers()
    except TracktionError:
        raise
    except Exception as exc:
        from tracktion.errors import ServiceUnavailable
        from tracktion.storage import dynamodb as ddb

        if ddb.busy(exc):
            # The caller's counter is throttled through every SDK retry, most often by the
            # caller's own burst: admitting uncounted would let exactly that burst through and
            # leave usage short. Refused, counted nowhere, with when to come back.
            raise ServiceUnavailable(
                "The request could not be counted; try again shortly",
                details={"reason": "RATE_LIMITER_BUSY"},
                retry_after=1,
            ) from exc
        # Any other failure of the limiter (not a capacity one) must not take the API down.
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

    principal = admission.principal
    if admission.anonymous or principal is None:
        return
    try:
        usage.record(
            principal.user_id,
            principal.key_id,
            admission.endpoint,
            admission.rules.cost.category,
            admission.rules.cost.tokens if admission.admitted else 0,
            error=status >= 400,
            latency_ms=int((time.perf_counter() - admission.started) * 1000),
        )
    except Exception as exc:
        logger.warning("usage not recorded", extra={"error": repr(exc)})
