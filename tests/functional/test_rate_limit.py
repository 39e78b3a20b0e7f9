"""Tier limits: headers on every response, 429 at the limit, atomic under parallel requests."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.unit.auth.fixtures import gateway, identity, key_for, set_attrs  # noqa: F401

pytestmark = pytest.mark.usefixtures("identity")
KEYS = "/api/v1/developer/keys"


def _today_attr() -> tuple[str, str]:
    from tracktion.auth.ratelimit import window

    win = window()
    return f"M#{win.month}", win.day_attr


def test_every_authenticated_response_carries_the_rate_limit_headers():
    key = key_for("alice")["api_key"]

    ok = gateway("GET", KEYS, key=key)
    missing = gateway("GET", f"{KEYS}/key_0000000000", key=key)

    for res in (ok, missing):
        assert res.headers["X-RateLimit-Limit"] == "1000"
        assert int(res.headers["X-RateLimit-Reset"]) > 0
    assert int(ok.headers["X-RateLimit-Remaining"]) == int(missing.headers["X-RateLimit-Remaining"]) + 1


def test_request_over_the_daily_limit_answers_429_with_retry_after_and_upgrade_url():
    key = key_for("alice")["api_key"]
    month, day = _today_attr()
    set_attrs(os.environ["COUNTERS_TABLE"], "RL#alice", month, **{day: 1000})

    res = gateway("GET", KEYS, key=key)

    assert res.status == 429
    assert res.code == "RATE_LIMIT_EXCEEDED"
    assert int(res.headers["Retry-After"]) > 0
    assert res.headers["X-RateLimit-Retry-After"] == res.headers["Retry-After"]
    assert res.headers["X-RateLimit-Remaining"] == "0"
    assert res.body["details"]["upgrade_url"].startswith("https://")
    assert res.body["retry_after"] == int(res.headers["Retry-After"])


@pytest.fixture
def atomic_writes(monkeypatch):
    """DynamoDB applies a conditional write atomically; moto's in-process backend checks the
    condition and then writes without a lock, so under threads two writers can both see the
    old value. Serialising moto's writes makes the fake as atomic as the real service."""
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("update_item", "put_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, __original=original, **kwargs):
            with lock:
                return __original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.mark.usefixtures("atomic_writes")
def test_twenty_parallel_requests_at_remaining_one_let_exactly_one_through():
    key = key_for("alice")["api_key"]
    month, day = _today_attr()
    set_attrs(os.environ["COUNTERS_TABLE"], "RL#alice", month, **{day: 999})

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda _: gateway("GET", KEYS, key=key).status, range(20)))

    assert sorted(statuses) == [200] + [429] * 19


def test_monthly_tokens_are_charged_by_endpoint_weight():
    key = key_for("alice")["api_key"]
    month, _ = _today_attr()
    set_attrs(os.environ["COUNTERS_TABLE"], "RL#alice", month, tokens=24_999)

    read = gateway("GET", KEYS, key=key)  # a read costs 1 token: the last one
    again = gateway("GET", KEYS, key=key)

    assert read.status == 200
    assert read.headers["X-RateLimit-Tokens-Remaining"] == "0"
    assert again.status == 429
    assert again.body["details"]["limit_type"] == "tokens_per_month"


def test_charge_tokens_refuses_a_batch_over_the_month_and_charges_nothing():
    from tracktion.api.principal import Principal
    from tracktion.auth.ratelimit import charge_tokens, standing
    from tracktion.errors import RateLimited

    alice = Principal(user_id="alice", tier="free")
    charge_tokens(alice, 24_000)

    with pytest.raises(RateLimited) as refused:
        charge_tokens(alice, 10 * 101)

    assert refused.value.details["limit_type"] == "tokens_per_month"
    assert refused.value.retry_after and refused.value.retry_after > 0
    assert standing("alice").tokens_this_month == 24_000


def _declared_cost(method: str, path: str) -> int:
    """The tokens the route answering `method path` declares, found as a request finds it: the
    gateway's route table picks the function, the function's resolver picks the route."""
    import importlib

    from tests.conftest import http_event
    from tests.gateway import module_of, route
    from tracktion.api.resolver import rules_for

    found = route(method, path)
    assert found is not None, (method, path)
    app = importlib.import_module(module_of(found[0].function)).app
    rules = rules_for(app, http_event(method, path))
    assert rules is not None, (method, path)
    return rules.cost.tokens


def test_declared_costs_match_the_published_costs():
    assert _declared_cost("GET", "/health") == 0
    assert _declared_cost("GET", "/api/v1/tracklist/abc") == 1
    assert _declared_cost("GET", "/api/v1/search") == 2
    assert _declared_cost("POST", "/api/v1/cue/generate") == 5
    assert _declared_cost("POST", "/api/v1/tracklists/import/1001tracklists") == 10
    assert _declared_cost("POST", "/api/v1/batch") == 0  # charged 10 per URL by the batch code


def test_usage_is_counted_per_key_with_errors_tokens_and_endpoints():
    created = key_for("alice")
    key = created["api_key"]
    gateway("GET", KEYS, key=key, route_key="GET /api/v1/developer/keys")
    gateway("GET", KEYS, key=key, route_key="GET /api/v1/developer/keys")
    gateway("GET", f"{KEYS}/key_0000000000", key=key, route_key="GET /api/v1/developer/keys/{key_id}")

    res = gateway("GET", f"{KEYS}/{created['key_id']}/usage", key=key, query={"period": "day"})

    assert res.status == 200
    assert res.body["requests"] == 3
    assert res.body["errors"] == 1
    assert res.body["tokens"] == 3
    assert res.body["top_endpoints"][0] == {"endpoint": "GET /api/v1/developer/keys", "requests": 2}
    assert res.body["last_used_at"]


def test_public_auth_routes_are_limited_per_client_address():
    body = {"email": "anon@example.com", "password": "long-enough-1"}
    first = gateway("POST", "/api/v1/auth/register", body=body, public=True, source_ip="192.0.2.44")
    assert first.status == 201
    assert first.headers["X-RateLimit-Limit"] == "1000"
    month, day = _today_attr()
    set_attrs(os.environ["COUNTERS_TABLE"], "RL#anon#192.0.2.44", month, **{day: 1000})

    res = gateway(
        "POST",
        "/api/v1/auth/token",
        body={"username": "anon@example.com", "password": "x"},
        public=True,
        source_ip="192.0.2.44",
    )
    elsewhere = gateway(
        "POST",
        "/api/v1/auth/token",
        body={"username": "anon@example.com", "password": "long-enough-1"},
        public=True,
        source_ip="192.0.2.45",
    )

    assert (res.status, res.code) == (429, "RATE_LIMIT_EXCEEDED")
    assert elsewhere.status == 200
