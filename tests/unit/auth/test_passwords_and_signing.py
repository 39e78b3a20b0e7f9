"""Password hashing and the canonical string of signed requests."""

from __future__ import annotations

from tracktion.auth import hmac_signing, passwords
from tracktion.auth.secrets import hkdf


def test_password_hash_is_salted_scrypt_and_verifies_only_the_right_password():
    first, second = passwords.hash_password("hunter2-hunter2"), passwords.hash_password("hunter2-hunter2")

    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert passwords.verify("hunter2-hunter2", first)
    assert not passwords.verify("hunter2-hunter3", first)
    assert not passwords.verify("hunter2-hunter2", None)
    assert not passwords.verify("x", "sha256$abc")


def test_signature_covers_timestamp_method_path_query_and_body():
    base = hmac_signing.sign("s3cret", "1700000000", "post", "/api/v1/x", "a=1", b'{"k": 1}')

    assert base.startswith("sha256=") and len(base) == 7 + 64
    assert (
        hmac_signing.canonical("1700000000", "post", "/api/v1/x", "a=1", b"{}")
        == b"1700000000.POST./api/v1/x?a=1.{}"
    )
    variants = [
        hmac_signing.sign("s3cret", "1700000001", "post", "/api/v1/x", "a=1", b'{"k": 1}'),
        hmac_signing.sign("s3cret", "1700000000", "put", "/api/v1/x", "a=1", b'{"k": 1}'),
        hmac_signing.sign("s3cret", "1700000000", "post", "/api/v1/y", "a=1", b'{"k": 1}'),
        hmac_signing.sign("s3cret", "1700000000", "post", "/api/v1/x", "a=2", b'{"k": 1}'),
        hmac_signing.sign("s3cret", "1700000000", "post", "/api/v1/x", "a=1", b'{"k": 2}'),
        hmac_signing.sign("s3creT", "1700000000", "post", "/api/v1/x", "a=1", b'{"k": 1}'),
    ]
    assert base not in variants


def test_hkdf_matches_rfc5869_test_case_3():
    ikm = bytes.fromhex("0b" * 22)
    okm = hkdf(ikm, b"", 42)
    # RFC 5869 A.3: SHA-256, zero-length salt and info
    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )
