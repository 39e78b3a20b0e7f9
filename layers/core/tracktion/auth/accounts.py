"""Account flows the auth function exposes: password login with brute-force slowing, profiles."""

from __future__ import annotations

from typing import Any

from tracktion.auth import login_guard, refresh, users
from tracktion.auth.principal import Principal
from tracktion.errors import Unauthorized


class InvalidCredentials(Unauthorized):
    error_code = "INVALID_CREDENTIALS"


def login(email: str, password: str, source_ip: str) -> dict[str, Any]:
    """Tokens for a correct password; the same 401 for an unknown email or a wrong password."""
    login_guard.check(email, source_ip)
    user = users.authenticate(email, password)
    if user is None:
        login_guard.failed(email, source_ip)
        raise InvalidCredentials("Incorrect email or password")
    login_guard.succeeded(email, source_ip)
    return refresh.start_session(user["user_id"], "password")


def profile(principal: Principal) -> dict[str, Any]:
    """The caller's account; the bootstrap admin has no stored account and is described as it is."""
    if principal.user_id == users.BOOTSTRAP_ADMIN:
        return {
            "user_id": principal.user_id,
            "email": None,
            "name": "Bootstrap administrator",
            "tier": principal.tier,
            "is_admin": True,
            "email_verified": False,
            "providers": [],
            "has_password": False,
            "created_at": None,
            "updated_at": None,
            "auth_method": principal.auth_method,
        }
    return {**users.view(users.get(principal.user_id)), "auth_method": principal.auth_method}
