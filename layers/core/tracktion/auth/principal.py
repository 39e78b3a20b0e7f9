"""Who is calling: the identity `tracktion.auth.authenticate` resolved from a credential.

A domain value: every entry point (the HTTP authorizer, the WebSocket `$connect`, a batch
running for its owner) deals in principals. How one travels inside an API Gateway event is
the edge's business (`tracktion.api.principal`).
"""

from __future__ import annotations

from pydantic import Field

from tracktion.models import Model


class Principal(Model):
    user_id: str
    tier: str = "free"
    key_id: str | None = None
    scopes: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset({"read"})
    auth_method: str = "api_key"
    # The key's sealed signing secret when the request came signed: the HMAC covers the body,
    # which authentication never sees, so the edge verifies it against this before any route.
    signing_secret: str | None = Field(default=None, repr=False)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.permissions
