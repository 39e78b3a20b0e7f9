"""The identity master secret (Secrets Manager) and the keys derived from it.

One secret, named by env IDENTITY_SECRET_ID, holds random key material. Two independent
keys are derived from it with HKDF-SHA256: the JWT signing key (HS256) and the key that
encrypts per-API-key HMAC signing secrets (AES-256-GCM). Each version of the secret is a
key generation: tokens carry the version id as `kid` and ciphertexts name it, so rotating the
secret in Secrets Manager does not invalidate what the previous version signed or sealed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
import time
from dataclasses import dataclass

from tracktion.config import AuthSettings, get
from tracktion.errors import ServiceUnavailable, Unauthorized

CURRENT_TTL_SECONDS = 300
_VERSION_ID = re.compile(r"^[A-Za-z0-9-]{32,64}$")
_lock = threading.Lock()
_by_version: dict[str, bytes] = {}
_current: tuple[float, str] | None = None


class IdentitySecretMissing(ServiceUnavailable):
    error_code = "IDENTITY_NOT_CONFIGURED"


@dataclass(frozen=True)
class KeyGeneration:
    version: str
    material: bytes

    def derive(self, label: str) -> bytes:
        return hkdf(self.material, b"tracktion/" + label.encode())


def hkdf(ikm: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF-SHA256 with an all-zero salt (the input is already uniformly random)."""
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _fetch(version: str | None) -> tuple[str, bytes]:
    secret_id = get(AuthSettings).identity_secret_id
    if not secret_id:
        raise IdentitySecretMissing("Identity secret is not configured (IDENTITY_SECRET_ID)")
    from tracktion.storage.aws import client

    kwargs = {"SecretId": secret_id}
    if version:
        kwargs["VersionId"] = version
    sm = client("secretsmanager")
    try:
        out = sm.get_secret_value(**kwargs)
    except sm.exceptions.ResourceNotFoundException:
        if version:
            raise Unauthorized("Unknown signing key", error_code="INVALID_TOKEN") from None
        raise IdentitySecretMissing("Identity secret not found") from None
    value = out.get("SecretString") or out.get("SecretBinary") or b""
    material = value.encode() if isinstance(value, str) else bytes(value)
    if len(material) < 32:
        raise IdentitySecretMissing("Identity secret is too short (at least 32 bytes)")
    return str(out["VersionId"]), material


def current() -> KeyGeneration:
    """The generation new tokens and ciphertexts use (re-read every few minutes)."""
    global _current
    with _lock:
        if _current and _current[0] > time.monotonic():
            version = _current[1]
            return KeyGeneration(version, _by_version[version])
    version, material = _fetch(None)
    with _lock:
        _by_version[version] = material
        _current = (time.monotonic() + CURRENT_TTL_SECONDS, version)
    return KeyGeneration(version, material)


def generation(version: str) -> KeyGeneration:
    """A named generation (from a token's `kid` or a ciphertext); unknown → 401 INVALID_TOKEN."""
    if not _VERSION_ID.match(version or ""):
        # Secrets Manager version ids are UUIDs; anything else is refused without a lookup.
        raise Unauthorized("Unknown signing key", error_code="INVALID_TOKEN")
    with _lock:
        material = _by_version.get(version)
    if material is None:
        try:
            _, material = _fetch(version)
        except Exception as exc:
            if isinstance(exc, Unauthorized | IdentitySecretMissing):
                raise
            # A malformed version id is a client's forgery, not our outage.
            raise Unauthorized("Unknown signing key", error_code="INVALID_TOKEN") from None
        with _lock:
            _by_version[version] = material
    return KeyGeneration(version, material)


def forget() -> None:
    """Drop cached key material (tests switch between moto instances)."""
    global _current
    with _lock:
        _by_version.clear()
        _current = None


def seal(plaintext: str, context: str) -> str:
    """Encrypt a small secret with AES-256-GCM; `context` (e.g. the key id) is bound as AAD."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    gen = current()
    nonce = os.urandom(12)
    sealed = AESGCM(gen.derive("seal")).encrypt(nonce, plaintext.encode(), context.encode())
    return f"v1.{gen.version}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(token: str, context: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        tag, version, blob = token.split(".", 2)
        raw = base64.urlsafe_b64decode(blob)
        if tag != "v1":
            raise ValueError(tag)
        gen = generation(version)
        return AESGCM(gen.derive("seal")).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (ValueError, InvalidTag, Unauthorized):
        raise ServiceUnavailable("A stored signing secret could not be decrypted") from None
