"""The authorizer and the checks serve() applies: every way in, and every way of being refused."""

from __future__ import annotations

import os
import time

import boto3
import pytest

from tests.unit.auth.fixtures import (
    BOOTSTRAP_KEY,
    create_key,
    gateway,
    identity,  # noqa: F401
    key_for,
    set_attrs,
)

pytestmark = pytest.mark.usefixtures("identity")
KEYS = "/api/v1/developer/keys"


def test_bootstrap_admin_key_is_the_enterprise_admin():
    res = gateway("GET", KEYS, key=BOOTSTRAP_KEY)

    assert res.status == 200
    assert res.headers["X-RateLimit-Limit"] == "100000"


def test_request_without_credentials_answers_401_unauthorized():
    res = gateway("GET", KEYS)

    assert res.status == 401
    assert res.code == "UNAUTHORIZED"


def test_key_works_in_x_api_key_and_as_bearer():
    key = create_key()["api_key"]

    assert gateway("GET", KEYS, key=key).status == 200
    assert gateway("GET", KEYS, headers={"Authorization": f"Bearer {key}"}).status == 200


def test_key_with_a_typo_is_refused_before_any_lookup():
    key = create_key()["api_key"]
    typo = key[:20] + ("A" if key[20] != "A" else "B") + key[21:]
    # Without the identity table, only a refusal that never looks anything up can answer 401.
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=os.environ["IDENTITY_TABLE"])

    res = gateway("GET", KEYS, key=typo)

    assert res.status == 401
    assert res.code == "INVALID_API_KEY"


def test_unknown_well_formed_key_answers_invalid_api_key():
    from tracktion.auth import keys

    res = gateway("GET", KEYS, key=keys.mint().secret)

    assert (res.status, res.code) == (401, "INVALID_API_KEY")


def test_revoked_key_fails_on_the_very_next_request():
    created = create_key()
    assert gateway("GET", KEYS, key=created["api_key"]).status == 200

    assert gateway("DELETE", f"{KEYS}/{created['key_id']}", key=BOOTSTRAP_KEY).status == 200
    res = gateway("GET", KEYS, key=created["api_key"])

    assert (res.status, res.code) == (401, "INVALID_API_KEY")


def test_expired_key_answers_invalid_api_key():
    created = create_key(expires_in_days=1)
    from tracktion.auth.keys import hash_key

    set_attrs(
        os.environ["IDENTITY_TABLE"],
        f"APIKEY#{hash_key(created['api_key'])}",
        "APIKEY",
        key_expires_at=int(time.time()) - 5,
    )

    res = gateway("GET", KEYS, key=created["api_key"])

    assert (res.status, res.code) == (401, "INVALID_API_KEY")


def test_read_only_key_on_a_write_route_answers_403():
    key = create_key(permissions=["read"])["api_key"]

    res = gateway("POST", KEYS, key=key, body={"name": "x"})

    assert res.status == 403
    assert res.code == "INSUFFICIENT_PERMISSIONS"
    assert gateway("GET", KEYS, key=key).status == 200


@pytest.mark.parametrize(
    ("path", "past_admission"),
    [
        ("/api/v1/cue/validate", (422, "REQUIRED_FIELD_MISSING")),
        ("/api/v1/cue/files/f-1/validate", (404, "RESOURCE_NOT_FOUND")),
        ("/api/v1/tracklists/t-1/tracks/validate-timing", (404, "RESOURCE_NOT_FOUND")),
        ("/api/v1/tracklists/catalog/match", (422, "VALIDATION_ERROR")),
    ],
)
def test_read_only_key_may_make_the_posts_that_only_read(path, past_admission):
    key = create_key(permissions=["read"])["api_key"]

    checked = gateway("POST", path, key=key, body={})
    generating = gateway("POST", "/api/v1/cue/generate", key=key, body={})

    # Past admission, the routed function answers the empty body (or the missing object) itself;
    # a refused write would be 403.
    assert (checked.status, checked.code) == past_admission
    assert (generating.status, generating.code) == (403, "INSUFFICIENT_PERMISSIONS")


def test_key_limited_to_scopes_is_refused_elsewhere_with_the_required_scope():
    key = create_key(scopes=["search"])["api_key"]

    res = gateway("GET", KEYS, key=key)

    assert res.status == 403
    assert res.code == "INSUFFICIENT_PERMISSIONS"
    assert res.body["details"]["required_scopes"] == ["developer"]


def test_ip_allow_list_blocks_other_addresses():
    key = create_key(ip_allowlist=["10.1.0.0/16"])["api_key"]

    blocked = gateway("GET", KEYS, key=key, source_ip="192.0.2.7")
    allowed = gateway("GET", KEYS, key=key, source_ip="10.1.2.3")

    assert (blocked.status, blocked.code) == (403, "IP_BLOCKED")
    assert allowed.status == 200


def test_admin_routes_refuse_keys_without_admin():
    key = key_for("alice")["api_key"]

    res = gateway("GET", "/api/v1/users", key=key)

    assert (res.status, res.code) == (403, "INSUFFICIENT_PERMISSIONS")


def test_last_used_at_is_recorded_and_listed():
    created = create_key()
    assert created["last_used_at"] is None
    gateway("GET", KEYS, key=created["api_key"])

    listed = gateway("GET", KEYS, key=BOOTSTRAP_KEY).body  # the reference's top-level array

    assert next(k for k in listed if k["key_id"] == created["key_id"])["last_used_at"]


# ---------------------------------------------------------------- the domain, without an event


def _refusal(credential, source_ip="127.0.0.1"):
    from tracktion.auth.authenticate import authenticate
    from tracktion.errors import TracktionError

    with pytest.raises(TracktionError) as refused:
        authenticate(credential, source_ip)
    return refused.value.status, refused.value.error_code


def test_authenticate_takes_a_credential_and_an_address_and_answers_the_principal():
    from tracktion.auth.authenticate import Credential, authenticate

    created = create_key(scopes=["search"], ip_allowlist=["10.1.0.0/16"])

    principal = authenticate(Credential(created["api_key"]), "10.1.2.3")
    as_bearer = authenticate(Credential(created["api_key"], "bearer"), "10.1.2.3")
    bootstrap = authenticate(Credential(BOOTSTRAP_KEY))

    assert principal == as_bearer
    assert (principal.key_id, principal.scopes, principal.auth_method) == (
        created["key_id"],
        frozenset({"search"}),
        "api_key",
    )
    assert principal.signing_secret is None
    assert bootstrap.is_admin and bootstrap.auth_method == "bootstrap_key"
    assert _refusal(Credential(created["api_key"]), "192.0.2.7") == (403, "IP_BLOCKED")


def test_authenticate_refuses_each_bad_credential_with_the_status_the_caller_is_answered():
    from tracktion.auth import keys
    from tracktion.auth.authenticate import Credential

    assert _refusal(Credential("not-a-key")) == (401, "INVALID_API_KEY")
    assert _refusal(Credential("not-a-token", "bearer")) == (401, "INVALID_TOKEN")
    assert _refusal(Credential(keys.mint().secret)) == (401, "INVALID_API_KEY")
    assert _refusal(Credential("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "bearer"))[0] == 401


def test_a_signed_credential_carries_the_sealed_signing_secret_for_the_edge_to_verify():
    from tracktion.auth.authenticate import Credential, RequestSignature, authenticate

    made = create_key(signature_required=True)
    fresh = RequestSignature(str(int(time.time())), "sha256=" + "0" * 64)

    principal = authenticate(Credential(made["api_key"], signature=fresh))

    assert principal.signing_secret and principal.signing_secret.startswith("v1.")
    assert made["signing_secret"] not in principal.signing_secret
    assert made["signing_secret"] not in repr(principal)
    assert _refusal(Credential(made["api_key"])) == (401, "SIGNATURE_REQUIRED")
    stale = RequestSignature(str(int(time.time()) - 301), "sha256=" + "0" * 64)
    assert _refusal(Credential(made["api_key"], signature=stale)) == (401, "INVALID_SIGNATURE")


def test_an_unexpected_failure_is_a_503_not_a_crash(monkeypatch):
    from tracktion.auth import key_store, keys
    from tracktion.auth.authenticate import Credential

    def broken(secret: str) -> None:
        raise RuntimeError("table unreachable")

    monkeypatch.setattr(key_store, "touch", broken)

    assert _refusal(Credential(keys.mint().secret)) == (503, "SERVICE_UNAVAILABLE")
    res = gateway("GET", KEYS, key=keys.mint().secret)
    assert (res.status, res.code) == (503, "SERVICE_UNAVAILABLE")
