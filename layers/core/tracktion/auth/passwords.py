"""Password hashing with scrypt (memory-hard, in the standard library): 16 MiB per hash.

Stored as `scrypt$N$r$p$salt$hash` so the cost can rise later without breaking old hashes.
`verify` also runs for unknown accounts (against a fixed dummy hash) so response time does
not tell whether an email is registered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

N, R, P = 2**14, 8, 1
DKLEN = 32
MIN_LENGTH = 8
MAX_LENGTH = 256


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=DKLEN, maxmem=64 * 1024 * 1024)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


@cache
def _dummy() -> str:
    return hash_password("not-a-real-password-" + os.urandom(8).hex())


def verify(password: str, stored: str | None) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or _dummy()).split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(digest)),
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest)) and stored is not None
