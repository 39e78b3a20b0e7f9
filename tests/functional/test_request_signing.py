"""HMAC-signed requests: per-key sealed secret, ±300 s, constant-time check, replays refused."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.unit.auth.fixtures import BOOTSTRAP_KEY, create_key, gateway, identity, table_item  # noqa: F401

pytestmark = pytest.mark.usefixtures("identity")
KEYS = "/api/v1/developer/keys"


def _signed(
    secret: str, method: str, path: str, body: str = "", query: str = "", ts: int | None = None
) -> dict:
    from tracktion.auth.hmac_signing import sign

    stamp = str(ts if ts is not None else int(time.time()))
    return {"X-Timestamp": stamp, "X-Signature": sign(secret, stamp, method, path, query, body.encode())}


def _call(
    made: dict, method: str, path: str, headers: dict, body: str | None = None, query: dict | None = None
):
    return gateway(method, path, key=made["api_key"], headers=headers, body=body, query=query)


def test_signed_request_passes_once_and_its_replay_is_refused():
    made = create_key(signature_required=True, permissions=["read", "write"])
    headers = _signed(made["signing_secret"], "GET", KEYS)

    first = _call(made, "GET", KEYS, headers)
    replay = _call(made, "GET", KEYS, headers)

    assert first.status == 200
    assert (replay.status, replay.code) == (401, "INVALID_SIGNATURE")


def test_key_that_requires_signatures_refuses_unsigned_requests():
    made = create_key(signature_required=True)

    res = gateway("GET", KEYS, key=made["api_key"])

    assert (res.status, res.code) == (401, "SIGNATURE_REQUIRED")


def test_signed_write_with_body_passes():
    made = create_key(signature_required=True, permissions=["read", "write"])
    body = json.dumps({"name": "made by a signed request"})

    res = _call(made, "POST", KEYS, _signed(made["signing_secret"], "POST", KEYS, body), body=body)

    assert res.status == 201


@pytest.mark.parametrize("part", ["body", "method", "path", "query"])
def test_one_changed_byte_anywhere_in_a_signed_request_answers_401(part):
    made = create_key(signature_required=True, permissions=["read", "write"])
    body = json.dumps({"name": "abc"})
    headers = _signed(made["signing_secret"], "POST", KEYS, body, query="dry=1")
    method, path, sent_body, query = "POST", KEYS, body, {"dry": "1"}
    if part == "body":
        sent_body = body.replace("abc", "abd")
    elif part == "method":
        method = "PUT"
    elif part == "path":
        path = KEYS + "x"
    else:
        query = {"dry": "2"}

    res = _call(made, method, path, headers, body=sent_body, query=query)

    assert (res.status, res.code) == (401, "INVALID_SIGNATURE")


def test_timestamp_outside_five_minutes_is_refused():
    made = create_key(signature_required=True)
    stale = _signed(made["signing_secret"], "GET", KEYS, ts=int(time.time()) - 301)

    res = _call(made, "GET", KEYS, stale)

    assert (res.status, res.code) == (401, "INVALID_SIGNATURE")


def test_signing_secret_is_stored_sealed_and_never_shown_again():
    from tracktion.auth.keys import hash_key

    made = create_key(name="sealed", signing=True)
    stored = table_item(os.environ["IDENTITY_TABLE"], f"APIKEY#{hash_key(made['api_key'])}", "APIKEY")

    assert made["signing_secret"] not in json.dumps(stored, default=str)
    assert stored["signing_secret"].startswith("v1.")
    listed = gateway("GET", KEYS, key=BOOTSTRAP_KEY, query={"include_inactive": "true"})
    shown = gateway("GET", f"{KEYS}/{made['key_id']}", key=BOOTSTRAP_KEY)
    for res in (listed, shown):
        assert made["signing_secret"] not in json.dumps(res.body)
        assert made["api_key"] not in json.dumps(res.body)


def test_keys_sign_only_when_asked_and_a_signature_from_a_non_signing_key_is_refused():
    plain = create_key(name="plain")
    assert "signing_secret" not in plain and plain["signing_enabled"] is False

    res = _call(
        plain, "GET", KEYS, {"X-Timestamp": str(int(time.time())), "X-Signature": "sha256=" + "0" * 64}
    )

    assert (res.status, res.code) == (401, "INVALID_SIGNATURE")


def test_rotation_gives_a_signing_key_a_new_signing_secret():
    made = create_key(signature_required=True)

    rotated = gateway(
        "POST", f"{KEYS}/{made['key_id']}/rotate", key=BOOTSTRAP_KEY, body={"overlap_seconds": 60}
    )
    new = {"api_key": rotated.body["api_key"]}

    assert rotated.body["signing_secret"] != made["signing_secret"]
    assert _call(new, "GET", KEYS, _signed(rotated.body["signing_secret"], "GET", KEYS)).status == 200
