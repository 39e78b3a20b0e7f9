"""Access tokens: JWTs signed with one pinned algorithm (HS256) and a key from Secrets Manager.

Every token carries `kid` (the secret version that signed it), `iss`, `aud`, `sub`, `iat`,
`nbf`, `exp`, `jti` and `fam` (the refresh-token family, so logging out revokes the access
tokens of that login at once). Verification accepts HS256 only, whatever the header says, so
`alg: none` and RS/HS confusion are refused; leeway is 30 s.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tracktion import clock
from tracktion.auth import secrets
from tracktion.config import AuthSettings, get
from tracktion.errors import Unauthorized

ALGORITHM = "HS256"
ACCESS_TTL_SECONDS = 3600
LEEWAY_SECONDS = 30
_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "jti"]


class InvalidToken(Unauthorized):
    error_code = "INVALID_TOKEN"


class ExpiredToken(Unauthorized):
    error_code = "EXPIRED_TOKEN"


def issuer() -> str:
    return get(AuthSettings).jwt_issuer


def audience() -> str:
    return get(AuthSettings).jwt_audience


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    family: str
    jti: str
    issued_at: int
    expires_at: int


def issue_access(user_id: str, family: str) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    import jwt

    gen = secrets.current()
    now = clock.epoch()
    claims: dict[str, Any] = {
        "iss": issuer(),
        "aud": audience(),
        "sub": user_id,
        "iat": now,
        "nbf": now,
        "exp": now + ACCESS_TTL_SECONDS,
        "jti": uuid.uuid4().hex,
        "fam": family,
        "typ": "access",
    }
    token = jwt.encode(claims, gen.derive("jwt"), algorithm=ALGORITHM, headers={"kid": gen.version})
    return token, ACCESS_TTL_SECONDS


def looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2 and value.startswith("eyJ")


def _check_times(claims: dict[str, Any]) -> None:
    """exp, nbf and iat against the clock, with the leeway; a non-number is an invalid token."""
    try:
        exp, iat = int(claims["exp"]), int(claims["iat"])
        nbf = int(claims.get("nbf", iat))
    except (TypeError, ValueError):
        raise InvalidToken("Invalid token") from None
    now = clock.epoch()
    if exp <= now - LEEWAY_SECONDS:
        raise ExpiredToken("Token has expired")
    if nbf > now + LEEWAY_SECONDS or iat > now + LEEWAY_SECONDS:
        raise InvalidToken("Token is not valid yet")


def verify_access(token: str) -> AccessClaims:
    """The claims of a valid access token; 401 EXPIRED_TOKEN or INVALID_TOKEN otherwise."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("Malformed token") from None
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("Token algorithm not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidToken("Token has no key id")
    key = secrets.generation(kid).derive("jwt")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience(),
            issuer=issuer(),
            # Time is checked below against tracktion.clock, the one clock that issues tokens,
            # expires refresh tokens and keeps windows (so they agree, and tests can move it).
            options={"require": _REQUIRED, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise InvalidToken("Invalid token") from None
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
        raise InvalidToken("Not an access token")
    _check_times(claims)
    return AccessClaims(
        user_id=claims["sub"],
        family=str(claims.get("fam") or ""),
        jti=str(claims["jti"]),
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
    )
