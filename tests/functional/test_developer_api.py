"""API keys through the gateway path: create, use, list, rotate with overlap, revoke, usage.

The reference's "Developer API" shapes are asserted field by field, with the reference's own
example bodies and the published client's (python-client-examples.md, APIKeyManager).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.auth.fixtures import BOOTSTRAP_KEY, create_key, gateway, identity  # noqa: F401

pytestmark = pytest.mark.usefixtures("identity")

KEYS = "/api/v1/developer/keys"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
LISTED = {
    "key_id",
    "name",
    "key_prefix",
    "is_active",
    "created_at",
    "expires_at",
    "last_used_at",
    "permissions",
    "usage_stats",
}
NEW_KEY = {"key_id", "api_key", "name", "permissions", "expires_at", "created_at"}
PRICE_PER_TOKEN = 0.000002


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_created_key_is_shown_once_and_then_authenticates():
    created = create_key(name="ci", permissions={"read": True, "write": True})

    assert created["api_key"].startswith("tk_live_")
    assert created["key_prefix"] == created["api_key"][:12]
    assert created["permissions"] == {"read": True, "write": True, "admin": False}
    assert created["key"] == created["api_key"]  # the published client prints new_key['key']
    me = gateway("GET", f"/api/v1/developer/keys/{created['key_id']}", key=BOOTSTRAP_KEY)
    assert "api_key" not in me.body and "signing_secret" not in me.body and "key" not in me.body
    assert set(me.body) >= LISTED
    listed = gateway("GET", "/api/v1/developer/keys", key=created["api_key"])
    assert listed.status == 200
    # the key belongs to bootstrap-admin, so it sees its own key listed with prefix only
    assert [k["key_prefix"] for k in listed.body] == [created["key_prefix"]]
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
        assert (res.status, res.code) == (404, "RESOURCE_NOT_FOUND"), (method, path)
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


def test_rotation_keeps_the_old_key_for_the_overlap_only(monkeypatch):
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
    # The overlap ends: the clock seam (tracktion.clock) moves past it instead of a 2.2 s wait.
    from tracktion import clock

    later = clock.epoch() + 3
    monkeypatch.setattr(clock, "epoch", lambda: later)
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

    active = gateway("GET", "/api/v1/developer/keys", key=BOOTSTRAP_KEY).body
    everything = gateway(
        "GET", "/api/v1/developer/keys", key=BOOTSTRAP_KEY, query={"include_inactive": "false"}
    ).body
    assert everything == active
    everything = gateway(
        "GET", "/api/v1/developer/keys", key=BOOTSTRAP_KEY, query={"include_inactive": "true"}
    ).body

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
    assert all(isinstance(r, str) for r in body["recommendations"])
    assert [d["message"] for d in body["recommendation_details"]] == body["recommendations"]
    assert made["api_key"] not in str(body)


# ---------------------------------------------------------------- the reference's shapes


def test_list_answers_a_top_level_array_with_permissions_and_todays_usage():
    made = create_key(name="Production API Key", permissions={"read": True, "write": True, "admin": False})
    for _ in range(2):
        gateway("GET", KEYS, key=made["api_key"], route_key="GET /api/v1/developer/keys")

    res = gateway("GET", KEYS, key=BOOTSTRAP_KEY, query={"include_inactive": "false"})

    assert res.status == 200 and isinstance(res.body, list)
    mine = next(k for k in res.body if k["key_id"] == made["key_id"])
    assert set(mine) >= LISTED
    assert (mine["name"], mine["is_active"], mine["expires_at"]) == ("Production API Key", True, None)
    assert mine["key_prefix"] == made["api_key"][:12]
    assert mine["permissions"] == {"read": True, "write": True, "admin": False}
    assert ISO.match(mine["created_at"]) and ISO.match(mine["last_used_at"])
    stats = mine["usage_stats"]
    assert set(stats) == {"requests_today", "tokens_used_today", "average_response_time"}
    assert (stats["requests_today"], stats["tokens_used_today"]) == (2, 2)  # a read costs one token
    assert stats["average_response_time"] >= 0
    assert "X-Next-Token" not in res.headers


def test_list_pages_with_limit_and_the_token_in_a_header():
    first_key, second_key = create_key(name="one"), create_key(name="two")

    first = gateway("GET", KEYS, key=BOOTSTRAP_KEY, query={"limit": "1"})
    second = gateway(
        "GET", KEYS, key=BOOTSTRAP_KEY, query={"limit": "1", "next_token": first.headers["X-Next-Token"]}
    )

    assert len(first.body) == 1 and len(second.body) == 1
    assert {first.body[0]["key_id"], second.body[0]["key_id"]} == {first_key["key_id"], second_key["key_id"]}


def test_the_references_create_body_answers_201_with_the_documented_fields():
    body = {
        "name": "Development Key",
        "description": "Key for development environment",
        "permissions": {"read": True, "write": False, "admin": False},
        "expires_in_days": 90,
    }

    res = gateway("POST", KEYS, key=BOOTSTRAP_KEY, body=body)

    assert res.status == 201
    assert set(res.body) >= NEW_KEY | {"key"}
    assert res.body["name"] == "Development Key"
    assert res.body["permissions"] == {"read": True, "write": False, "admin": False}
    assert res.body["api_key"].startswith("tk_live_") and res.body["key"] == res.body["api_key"]
    created, expires = _when(res.body["created_at"]), _when(res.body["expires_at"])
    assert timedelta(days=90) - timedelta(seconds=5) < expires - created < timedelta(days=90, seconds=5)
    stored = gateway("GET", f"{KEYS}/{res.body['key_id']}", key=BOOTSTRAP_KEY).body
    assert stored["description"] == "Key for development environment"


def test_the_published_clients_create_body_is_accepted_and_its_key_printed():
    at = (datetime.now(UTC) + timedelta(days=60)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    data = {
        "name": "Production Server Key",
        "permissions": ["read", "write"],
        "scopes": ["search", "tracklists"],
        "expires_at": at,
    }

    res = gateway("POST", KEYS, key=BOOTSTRAP_KEY, body=data)

    assert res.status == 201
    assert f"Created API key: {res.body['key']}".endswith(res.body["api_key"])
    assert res.body["permissions"] == {"read": True, "write": True, "admin": False}
    assert res.body["scopes"] == ["search", "tracklists"] and res.body["expires_at"] == at


def test_rotate_answers_200_with_the_create_shape():
    made = create_key(name="Development Key", permissions={"read": True, "write": False, "admin": False})

    res = gateway("POST", f"{KEYS}/{made['key_id']}/rotate", key=BOOTSTRAP_KEY)

    assert res.status == 200
    assert set(res.body) >= NEW_KEY | {"key"}
    assert res.body["key"] == res.body["api_key"] != made["api_key"]
    assert (res.body["key_id"], res.body["name"]) == (made["key_id"], "Development Key")
    assert res.body["permissions"] == {"read": True, "write": False, "admin": False}
    assert res.body["created_at"] == made["created_at"] and res.body["expires_at"] is None


def test_revoke_answers_200_with_success_message_and_time_and_again_the_same():
    made = create_key(name="to revoke")

    res = gateway("DELETE", f"{KEYS}/{made['key_id']}", key=BOOTSTRAP_KEY)
    again = gateway("DELETE", f"{KEYS}/{made['key_id']}", key=BOOTSTRAP_KEY)

    assert res.status == 200
    assert res.body["success"] is True
    assert res.body["message"] == f"API key {made['key_id']} has been revoked"
    assert ISO.match(res.body["revoked_at"])
    assert again.status == 200 and again.body["revoked_at"] == res.body["revoked_at"]
    assert gateway("GET", KEYS, key=made["api_key"]).code == "INVALID_API_KEY"


def test_key_usage_answers_the_documented_shape_from_the_counters():
    made = create_key(name="Production API Key")
    for _ in range(3):
        gateway("GET", KEYS, key=made["api_key"], route_key="GET /api/v1/developer/keys")
    gateway(
        "GET", f"{KEYS}/key_0000000000", key=made["api_key"], route_key="GET /api/v1/developer/keys/{key_id}"
    )

    res = gateway("GET", f"{KEYS}/{made['key_id']}/usage", key=BOOTSTRAP_KEY, query={"period": "month"})

    assert res.status == 200
    body = res.body
    assert {"key_id", "usage_stats", "cost_breakdown", "recommendations"} <= set(body)
    stats = body["usage_stats"]
    assert (stats["total_requests"], stats["total_tokens"]) == (4, 4)
    assert stats["total_cost"] == pytest.approx(4 * PRICE_PER_TOKEN)
    assert stats["error_rate"] == 0.25  # the unknown key id answered 404
    assert stats["top_endpoints"] == ["/api/v1/developer/keys", "/api/v1/developer/keys/{key_id}"]
    assert stats["average_response_time"] >= 0
    assert (stats["period"], stats["key_id"], stats["key_name"]) == (
        "month",
        made["key_id"],
        "Production API Key",
    )
    assert stats["key_created"] == made["created_at"] and ISO.match(stats["key_last_used"])
    cost = body["cost_breakdown"]
    assert cost["token_cost"] == pytest.approx(4 * PRICE_PER_TOKEN) == cost["base_cost"]
    assert (cost["request_cost"], cost["tier"], cost["period"]) == (0.0, "enterprise", "month")
    assert all(isinstance(r, str) for r in body["recommendations"])
    assert any("never expires" in r for r in body["recommendations"])
    # our earlier fields stay beside them
    assert (body["requests"], body["name"]) == (4, "Production API Key")


def test_usage_summary_answers_the_documented_shape_with_utilization_of_the_period():
    from tests.unit.auth.fixtures import sign_up

    owner = sign_up("summary@example.com")
    made = gateway("POST", KEYS, token=owner["access_token"], body={"name": "one"}).body
    for _ in range(5):
        gateway("GET", KEYS, key=made["api_key"], route_key="GET /api/v1/developer/keys")

    res = gateway("GET", "/api/v1/developer/usage/summary", key=made["api_key"], query={"period": "month"})

    assert res.status == 200
    body = res.body
    assert (body["user_id"], body["user_tier"], body["period"]) == (owner["user_id"], "free", "month")
    usage = body["usage"]
    assert {"total_requests", "total_tokens", "total_cost", "average_response_time", "error_rate"} <= set(
        usage
    )
    assert usage["total_requests"] >= 5 and usage["error_rate"] == 0.0
    assert usage["total_cost"] == pytest.approx(usage["total_tokens"] * PRICE_PER_TOKEN)
    assert {k: body["limits"][k] for k in ("requests_per_day", "tokens_per_month", "max_keys")} == {
        "requests_per_day": 1000,
        "tokens_per_month": 25000,
        "max_keys": 3,
    }
    util = body["utilization"]
    assert util["requests_percent"] == round(100 * usage["total_requests"] / (1000 * 30), 2)
    assert util["tokens_percent"] == round(100 * usage["total_tokens"] / 25000, 2)
    assert util["keys_percent"] == round(100 / 3, 2)
    assert {k: body["keys"][k] for k in ("active", "total")} == {"active": 1, "total": 1}
    assert all(isinstance(r, str) for r in body["recommendations"])


def test_a_revoked_key_cannot_be_rotated():
    made = create_key(name="gone")
    gateway("DELETE", f"{KEYS}/{made['key_id']}", key=BOOTSTRAP_KEY)

    res = gateway("POST", f"{KEYS}/{made['key_id']}/rotate", key=BOOTSTRAP_KEY)

    assert (res.status, res.code, res.body["details"]["reason"]) == (409, "RESOURCE_CONFLICT", "KEY_REVOKED")
