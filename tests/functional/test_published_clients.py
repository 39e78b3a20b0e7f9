"""The published Python clients (python-client-examples.md), unmodified, against the handlers.

Each client's requests.Session is routed to the Lambda handlers (tests/published_clients.py);
the code that builds and reads the requests is the document's own.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import requests

from tests.published_clients import load, on_handlers
from tests.unit.auth.fixtures import (  # noqa: F401
    BOOTSTRAP_KEY,
    create_key,
    gateway,
    identity,
    key_for,
    set_attrs,
    sign_up,
)

pytestmark = pytest.mark.usefixtures("identity")
HOUR = 3600


@pytest.fixture
def published():
    return load()


@pytest.fixture
def clock(monkeypatch):
    """tracktion.clock moved forward by hand: tokens, refresh expiry and windows all read it."""
    from tracktion import clock as clock_module

    real_epoch = clock_module.epoch
    state = {"offset": 0}

    def epoch() -> int:
        return real_epoch() + state["offset"]

    def now():
        from datetime import UTC, datetime

        return datetime.fromtimestamp(epoch(), UTC)

    monkeypatch.setattr(clock_module, "epoch", epoch)
    monkeypatch.setattr(clock_module, "now", now)

    class Clock:
        def advance(self, seconds: int) -> None:
            state["offset"] += seconds

    return Clock()


def _jwt_client(published, email: str, password: str = "correct horse battery"):  # noqa: S107
    sign_up(email, password)
    client = published["JWTAuthClient"]()
    sent = on_handlers(client)
    assert client.login(email, password) is True  # posts {"username": email, "password": ...}
    return client, sent


def test_jwt_client_logs_in_with_username_and_reads_the_profiles_email(published):
    client, _ = _jwt_client(published, "welcome@example.com")

    user_data = client.make_authenticated_request("GET", "/api/v1/user/profile").json()

    assert user_data["email"] == "welcome@example.com"


def test_jwt_client_that_keeps_its_first_refresh_token_stays_signed_in_for_seven_days(published, clock):
    client, sent = _jwt_client(published, "all-week@example.com")
    login_refresh_token = client.refresh_token
    elapsed = 0
    # Hourly for the first day and a half, then every six hours, up to the last hour of day 7:
    # each time the access token has expired, the client refreshes with the login's token.
    steps = [HOUR] * 36 + [6 * HOUR] * 21 + [5 * HOUR]
    for step in steps:
        clock.advance(step)
        elapsed += step
        res = client.make_authenticated_request("GET", "/api/v1/user/profile")
        assert res.status_code == 200, (elapsed / HOUR, res.text)
        assert res.json()["email"] == "all-week@example.com"

    assert elapsed == 7 * 24 * HOUR - HOUR
    assert client.refresh_token == login_refresh_token  # the published client never took a new one
    refreshes = [r for r in sent.sent if r.path_url == "/api/v1/auth/refresh"]
    # At least every other hour (a token one hour old is inside the 30 s leeway), and every 6 h step.
    assert len(refreshes) >= 36 // 2 + 21
    # Past the reference's 7 days the login's refresh token has expired: log in again.
    clock.advance(2 * HOUR)
    assert client.refresh_access_token() is False
    assert client.login("all-week@example.com", "correct horse battery") is True


def _refresh(token: str):
    return gateway("POST", "/api/v1/auth/refresh", body={"refresh_token": token}, public=True)


def test_a_thief_who_rotates_a_stolen_token_ends_the_session_for_both(published, clock):
    client, _ = _jwt_client(published, "stolen@example.com")
    stolen = client.refresh_token

    # The thief refreshes, then refreshes again with what they got (as a rotating client does).
    theirs = _refresh(stolen)
    theirs = _refresh(theirs.body["refresh_token"])
    assert theirs.status == 200
    clock.advance(HOUR + 60)
    # The owner's next refresh presents the login's token, whose successor was used: reuse.
    assert client.refresh_access_token() is False
    assert _refresh(theirs.body["refresh_token"]).code == "INVALID_TOKEN"
    assert gateway("GET", "/api/v1/user/profile", token=theirs.body["access_token"]).status == 401


def test_a_thief_who_sits_on_a_stolen_successor_is_caught_when_using_it(published, clock):
    client, _ = _jwt_client(published, "lurker@example.com")
    taken = _refresh(client.refresh_token)  # e.g. a refresh answer read off a shared log
    assert taken.status == 200

    clock.advance(HOUR + 60)
    assert client.refresh_access_token() is True  # the owner goes on: the unused successor is retired
    late = _refresh(taken.body["refresh_token"])

    assert (late.status, late.code) == (401, "INVALID_TOKEN")
    assert client.refresh_access_token() is False  # the whole session ended


def _key_list(answer):
    """The key list: an array (the reference) or, from before, an object with `keys`."""
    return answer if isinstance(answer, list) else answer["keys"]


def test_api_key_client_sends_the_key_as_bearer_and_it_is_accepted(published):
    key = create_key(permissions=["read", "write"])["api_key"]
    client = published["TracktionClient"](api_key=key)
    sent = on_handlers(client)

    keys = client.get("/api/v1/developer/keys")

    assert sent.sent[0].headers["Authorization"] == f"Bearer {key}"
    assert "X-API-Key" not in sent.sent[0].headers
    assert isinstance(_key_list(keys), list)


def test_rate_limited_client_reads_x_ratelimit_retry_after_and_the_documented_429(published):
    from tracktion.auth.ratelimit import window

    made = key_for("busy-user")
    win = window()
    set_attrs(os.environ["COUNTERS_TABLE"], "RL#busy-user", f"M#{win.month}", **{win.day_attr: 1000})
    client = published["TracktionClient"](api_key=made["api_key"])
    sent = on_handlers(client)

    with pytest.raises(published["RateLimitError"]) as refused:
        client.get("/api/v1/developer/keys")

    raw = client.session.get(f"{client.base_url}/api/v1/developer/keys")
    body = raw.json()
    retry_after = raw.headers["X-RateLimit-Retry-After"]
    # The client read the first 429's header; this second 429 may come a clock second later.
    read = re.search(r"Retry after (\d+) seconds", str(refused.value))
    assert read is not None and 0 <= int(read[1]) - int(retry_after) <= 1, str(refused.value)
    assert raw.status_code == 429 and sent.sent
    assert raw.headers["Retry-After"] == retry_after and int(retry_after) > 0
    assert (raw.headers["X-RateLimit-Limit"], raw.headers["X-RateLimit-Remaining"]) == ("1000", "0")
    assert int(raw.headers["X-RateLimit-Reset"]) > 0
    assert (body["error"], body["error_code"], body["retry_after"]) == (
        "Rate limit exceeded",
        "RATE_LIMIT_EXCEEDED",
        int(retry_after),
    )
    assert {"limit": 1000, "window": "1 day"}.items() <= body["details"].items()
    assert body["details"]["upgrade_url"]


def test_answers_carry_the_rate_limit_headers(published):
    client = published["TracktionClient"](api_key=key_for("counted")["api_key"])
    on_handlers(client)

    res = client._make_request("GET", "/api/v1/developer/keys")

    assert res.headers["X-RateLimit-Limit"] == "1000"
    assert 0 < int(res.headers["X-RateLimit-Remaining"]) < 1000
    assert int(res.headers["X-RateLimit-Reset"]) > 0


def _answer(error: requests.HTTPError) -> requests.Response:
    assert error.response is not None
    return error.response


def _signing_client(published):
    made = create_key(permissions=["read", "write"], signature_required=True)
    client = published["SecureTracktionClient"](api_key=made["api_key"], hmac_secret=made["signing_secret"])
    sent = on_handlers(client)
    return client, sent


def test_secure_client_signs_posts_exactly_as_requests_serialises_them(published):
    client, sent = _signing_client(published)
    data = {"name": "signed by the published client", "permissions": ["read"], "note": "é ✓"}

    created = client.make_secure_request("POST", "/api/v1/developer/keys", data)

    # requests serialises json= with json.dumps' defaults, the same bytes the client signed.
    assert sent.sent[0].body == json.dumps(data).encode()
    assert created["name"] == "signed by the published client"


def test_secure_client_signs_gets_with_an_empty_body_and_the_query_in_the_endpoint(published):
    client, _ = _signing_client(published)

    listed = client.make_secure_request("GET", "/api/v1/developer/keys?include_inactive=true")

    assert isinstance(_key_list(listed), list)


def test_secure_client_post_of_an_empty_object_is_accepted(published):
    # The client signs "" for falsy data, but requests sends json={} as "{}".
    client, sent = _signing_client(published)

    with pytest.raises(requests.HTTPError) as answered:
        client.make_secure_request("POST", "/api/v1/developer/keys", {})

    assert sent.sent[0].body == b"{}"
    # Past the signature check: the body itself is what is refused (no name).
    assert _answer(answered.value).status_code == 422
    assert _answer(answered.value).json()["error_code"] == "VALIDATION_ERROR"


def test_secure_client_with_a_wrong_secret_is_refused(published):
    made = create_key(permissions=["read", "write"], signature_required=True)
    client = published["SecureTracktionClient"](api_key=made["api_key"], hmac_secret="not-the-secret")
    on_handlers(client)

    with pytest.raises(requests.HTTPError) as refused:
        client.make_secure_request("GET", "/api/v1/developer/keys")

    assert _answer(refused.value).status_code == 401
    assert _answer(refused.value).json()["error_code"] == "INVALID_SIGNATURE"
