"""The API key format: `tk_live_` / `tk_test_` + 32 random base62 characters + a 6-character checksum.

The checksum (CRC32 of everything before it, base62) lets a typo or a made-up key be refused
before any lookup, like GitHub's token format. Only the SHA-256 of a key is ever stored; keys
carry 190 bits of randomness, so a fast hash cannot be brute-forced (passwords, which are
guessable, get a memory-hard KDF in `passwords.py` instead).
"""

from __future__ import annotations

import hashlib
import secrets
import zlib
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ENVIRONMENTS = ("live", "test")
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
PREFIX_SHOWN = 12  # "tk_live_" + 4 random characters: enough to tell keys apart in a list.


def _base62(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        out.append(ALPHABET[rem])
    return "".join(reversed(out))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


@dataclass(frozen=True)
class NewKey:
    """A freshly minted key: `secret` is shown to its owner once and never stored."""

    secret: str
    key_hash: str
    key_prefix: str
    environment: str


def mint(environment: str = "live") -> NewKey:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown key environment {environment!r}")
    body = f"tk_{environment}_" + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    secret = body + _checksum(body)
    return NewKey(secret, hash_key(secret), secret[:PREFIX_SHOWN], environment)


def looks_like_key(value: str) -> bool:
    """Whether a credential claims to be one of our keys (vs a JWT or the bootstrap key)."""
    return value.startswith(("tk_live_", "tk_test_"))


def is_well_formed(value: str) -> bool:
    """Shape and checksum hold: a typo, truncation or invented key fails here, before any lookup."""
    expected_length = len("tk_live_") + RANDOM_LENGTH + CHECKSUM_LENGTH
    if len(value) != expected_length or not looks_like_key(value):
        return False
    rest = value[len("tk_live_") :]
    if any(ch not in ALPHABET for ch in rest):
        return False
    body, check = value[:-CHECKSUM_LENGTH], value[-CHECKSUM_LENGTH:]
    return secrets.compare_digest(_checksum(body), check)


def hash_key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
