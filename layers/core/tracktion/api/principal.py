"""Who is calling, as handlers see it: the principal carried by a payload-2.0 event.

The authorizer (payload 2.0, simple responses) puts string values in its `context`; API
Gateway hands them to the function under requestContext.authorizer.lambda. `Principal` itself
is the domain's (`tracktion.auth.principal`), re-exported here for handlers.
"""

from __future__ import annotations

from typing import Any

from tracktion.auth.principal import Principal
from tracktion.errors import Unauthorized

__all__ = ["Principal", "current_principal", "from_context", "principal_from_event", "to_context"]


def to_context(principal: Principal) -> dict[str, str]:
    """The authorizer's `context` (strings only, as API Gateway passes them on)."""
    context = {
        "user_id": principal.user_id,
        "tier": principal.tier,
        "key_id": principal.key_id or "",
        "scopes": ",".join(sorted(principal.scopes)),
        "permissions": ",".join(sorted(principal.permissions)),
        "auth_method": principal.auth_method,
    }
    if principal.signing_secret:
        # A signed request: `tracktion.api.admission` verifies the HMAC over the body with it.
        context["sig_secret"] = principal.signing_secret
    return context


def from_context(ctx: dict[str, Any]) -> Principal:
    """The principal in an authorizer's `context` (strings, or lists where a test passes them)."""

    def split(value: Any) -> frozenset[str]:
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(v) for v in value)
        return frozenset(v for v in str(value or "").split(",") if v)

    return Principal(
        user_id=str(ctx["user_id"]),
        tier=str(ctx.get("tier") or "free"),
        key_id=str(ctx.get("key_id") or "") or None,
        scopes=split(ctx.get("scopes")),
        permissions=split(ctx.get("permissions")) or frozenset({"read"}),
        auth_method=str(ctx.get("auth_method") or "api_key"),
        signing_secret=str(ctx.get("sig_secret") or "") or None,
    )


def principal_from_event(event: dict[str, Any]) -> Principal:
    """The caller of a payload-2.0 event; a route without an identity is a wiring error → 401."""
    authorizer = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    if not authorizer.get("user_id"):
        raise Unauthorized("Authentication required", error_code="UNAUTHORIZED")
    return from_context(authorizer)


def current_principal(app: Any) -> Principal:
    """The caller of the event a resolver is handling (`app` is a Powertools resolver)."""
    return principal_from_event(app.current_event.raw_event)
