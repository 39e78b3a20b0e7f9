"""Who is calling: the identity the authorizer resolved, as handlers see it.

The authorizer (payload 2.0, simple responses) puts string values in its `context`; API
Gateway hands them to the function under requestContext.authorizer.lambda.
"""

from __future__ import annotations

from typing import Any

from tracktion.errors import Unauthorized
from tracktion.models import Model


class Principal(Model):
    user_id: str
    tier: str = "free"
    key_id: str | None = None
    scopes: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset({"read"})
    auth_method: str = "api_key"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.permissions

    def to_context(self) -> dict[str, str]:
        """The authorizer's `context` (strings only, as API Gateway passes them on)."""
        return {
            "user_id": self.user_id,
            "tier": self.tier,
            "key_id": self.key_id or "",
            "scopes": ",".join(sorted(self.scopes)),
            "permissions": ",".join(sorted(self.permissions)),
            "auth_method": self.auth_method,
        }

    @classmethod
    def from_context(cls, ctx: dict[str, Any]) -> Principal:
        def split(value: Any) -> frozenset[str]:
            if isinstance(value, list | tuple | set | frozenset):
                return frozenset(str(v) for v in value)
            return frozenset(v for v in str(value or "").split(",") if v)

        return cls(
            user_id=str(ctx["user_id"]),
            tier=str(ctx.get("tier") or "free"),
            key_id=str(ctx.get("key_id") or "") or None,
            scopes=split(ctx.get("scopes")),
            permissions=split(ctx.get("permissions")) or frozenset({"read"}),
            auth_method=str(ctx.get("auth_method") or "api_key"),
        )


def principal_from_event(event: dict[str, Any]) -> Principal:
    """The caller of a payload-2.0 event; a route without an identity is a wiring error → 401."""
    authorizer = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    if not authorizer.get("user_id"):
        raise Unauthorized("Authentication required", error_code="UNAUTHORIZED")
    return Principal.from_context(authorizer)


def current_principal(app: Any) -> Principal:
    """The caller of the event a resolver is handling (`app` is a Powertools resolver)."""
    return principal_from_event(app.current_event.raw_event)
