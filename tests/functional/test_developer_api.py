"""API keys through the gateway path: create, use, list, rotate with overlap, revoke, usage."""

from __future__ import annotations

import pytest

from tests.unit.auth.fixtures import BOOTSTRAP_KEY, create_key, gateway, identity  # noqa: F401

pytestmark = pytest.mark.usefixtures("identity")


def test_created_key_is_shown_once_and_then_authenticates():
    created = create_key(name="ci", permissions={"read": True, "write": True})

    assert created["api_key"].startswith("tk_live_")
    assert created["key_prefix"] == created["api_key"][:12]
    assert created["permissions"] == {"read": True, "write": True, "admin": False}
    me = gateway("GET", f"/api/v1/developer/keys/{created['key_id']}", key=BOOTSTRAP_KEY)
    assert "api_key" not in me.body and "signing_secret" not in me.body
    listed = gateway("GET", "/api/v1/developer/keys", key=created["api_key"])
    assert listed.status == 200
    # the key belongs to bootstrap-admin, so it sees its own key listed with prefix only
    assert [k["key_prefix"] for k in listed.body["keys"]] == [created["key_prefix"]]
    assert created["api_key"] not in str(listed.body)


def _pair():
    from tests.unit.auth.fixtures import sign_up

    return sign_up("owner@example.com"), sign_up("intruder@example.com")


def test_another_users_key_and_its_usage_answer_404_like_a_missing_one():
    owner, intruder = _pair()
    made = gateway("POST", "/api/v1/developer/keys", token=owner["access_token"], body={"name": "mine"})
    assert made.status == 201
    key_id = made.body["key_id"]
    base = f"/api/v1/developer/keys/{key_id}"

    for method, path in (
        ("GET", base),
        ("GET", f"{base}/usage"),
        ("POST", f"{base}/rotate"),
        ("DELETE", base),
    ):
        res = gateway(method, path, token=intruder["access_token"])
        assert (res.status, res.code) == (404, "KEY_NOT_FOUND"), (method, path)
    missing = gateway("GET", "/api/v1/developer/keys/key_00000000000000", token=intruder["access_token"])
    assert missing.body["error"] == res.body["error"]
    assert gateway("GET", f"{base}/usage", token=owner["access_token"]).status == 200


@pytest.mark.parametrize("field", ["tier", "is_admin", "owner_id", "key_hash"])
def test_key_creation_with_a_server_only_field_answers_422(field):
    res = gateway("POST", "/api/v1/developer/keys", key=BOOTSTRAP_KEY, body={"name": "x", field: "x"})

    assert (res.status, res.code) == (422, "VALIDATION_ERROR")


def test_permissions_as_list_and_expiry_as_timestamp_are_accepted():
    from datetime import UTC, datetime, timedelta

    at = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    made = create_key(permissions=["read", "write"], expires_at=at.isoformat(), environment="test")

    assert made["api_key"].startswith("tk_test_")
    assert made["permissions"] == {"read": True, "write": True, "admin": False}
    assert made["expires_at"] == at.isoformat().replace("+00:00", "Z")


def test_key_cannot_be_stronger_than_its_creator():
    owner, _ = _pair()

    res = gateway(
        "POST",
        "/api/v1/developer/keys",
        token=owner["access_token"],
        body={"name": "x", "permissions": ["admin"]},
    )

    assert (res.status, res.code) == (403, "INSUFFICIENT_PERMISSIONS")


def test_free_tier_allows_three_active_keys():
    owner, _ = _pair()
    for n in range(3):
        assert (
            gateway(
                "POST", "/api/v1/developer/keys", token=owner["access_token"], body={"name": f"k{n}"}
            ).status
            == 201
        )

    fourth = gateway("POST", "/api/v1/developer/keys", token=owner["access_token"], body={"name": "k3"})

    assert (fourth.status, fourth.code) == (403, "KEY_LIMIT_REACHED")


def test_rotation_keeps_the_old_key_for_the_overlap_only():
    made = create_key(name="rotating")
    old = made["api_key"]

    rotated = gateway(
        "POST",
        f"/api/v1/developer/keys/{made['key_id']}/rotate",
        key=BOOTSTRAP_KEY,
        body={"overlap_seconds": 2},
    )

    assert rotated.status == 200
    new = rotated.body["api_key"]
    assert new != old and rotated.body["previous_key_valid_until"]
    assert gateway("GET", "/api/v1/developer/keys", key=old).status == 200
    assert gateway("GET", "/api/v1/developer/keys", key=new).status == 200
    import time

    time.sleep(2.2)
    assert gateway("GET", "/api/v1/developer/keys", key=old).code == "INVALID_API_KEY"
    assert gateway("GET", "/api/v1/developer/keys", key=new).status == 200


def test_rotation_without_body_uses_the_configured_overlap(monkeypatch):
    monkeypatch.setenv("KEY_ROTATION_OVERLAP_SECONDS", "0")
    made = create_key(name="instant")

    rotated = gateway("POST", f"/api/v1/developer/keys/{made['key_id']}/rotate", key=BOOTSTRAP_KEY)

    assert rotated.status == 200
    assert gateway("GET", "/api/v1/developer/keys", key=made["api_key"]).code == "INVALID_API_KEY"


def test_list_hides_revoked_keys_unless_asked():
    made = create_key(name="gone")
    gateway("DELETE", f"/api/v1/developer/keys/{made['key_id']}", key=BOOTSTRAP_KEY)

    active = gateway("GET", "/api/v1/developer/keys", key=BOOTSTRAP_KEY).body["keys"]
    everything = gateway(
        "GET", "/api/v1/developer/keys", key=BOOTSTRAP_KEY, query={"include_inactive": "true"}
    ).body["keys"]

    assert made["key_id"] not in [k["key_id"] for k in active]
    revoked = next(k for k in everything if k["key_id"] == made["key_id"])
    assert revoked["status"] == "revoked" and revoked["is_active"] is False


def test_usage_summary_reports_limits_utilization_keys_and_cost_from_counters():
    made = create_key(name="summary")
    for _ in range(3):
        gateway("GET", "/api/v1/developer/keys", key=made["api_key"], route_key="GET /api/v1/developer/keys")

    res = gateway("GET", "/api/v1/developer/usage/summary", key=made["api_key"], query={"period": "week"})

    assert res.status == 200
    body = res.body
    assert body["usage"]["by_key"][made["key_id"]] == 3
    assert body["limits"]["requests_per_day"] == 100_000
    assert body["current"]["requests_today"] >= 4
    assert body["utilization"]["requests_today_percent"] > 0
    assert body["keys"]["active"] >= 1
    assert body["cost_breakdown"]["categories"][0]["category"] == "read"
    assert isinstance(body["recommendations"], list)
    assert made["api_key"] not in str(body)
