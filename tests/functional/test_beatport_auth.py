"""Signing in to Beatport (tracktion.catalog.beatport_auth) against the stand-in's OAuth endpoints.

The account login is the one the integration document describes: the API docs page's client
id, username/password login, authorization code, token exchange, refresh before expiry and once
on a 401. Function instances are new `BeatportProvider`s (each with its own memory), sharing
the token sealed in the cache table as deployed functions do; the stand-in counts logins,
grants and refreshes. Tests that need real recordings are not here: every answer used exists in
both ../shared and tests/fixtures/catalog.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import boto3
import pytest

from tests.catalog_server import ACCOUNT_USERNAME, CatalogServer
from tests.conftest import principal_ctx
from tests.gateway import invoke

pytest_plugins = ["tests.catalog_server.fixtures"]  # catalog_server, catalog_env, account_env
CREDENTIALS_PARAM = "/tracktion/test/beatport-client"  # the fixtures' parameter

SIGN_IN = ["/v4/docs/", "/v4/static/docs/", "/v4/auth/login/", "/v4/auth/o/authorize/", "/v4/auth/o/token/"]


def provider():
    """The Beatport client of a new function instance: a new process, nothing in its memory."""
    from tracktion.catalog import beatport_auth
    from tracktion.catalog.beatport import BeatportProvider

    beatport_auth.forget_credentials()
    return BeatportProvider()


def a_recorded_word(server: CatalogServer) -> str:
    """A word the recorded track search answers (real or our own recording)."""
    return str(server.recorded("catalog_search_tracks.json")["tracks"][0]["name"]).split()[0]


def auth_paths(server: CatalogServer) -> list[str]:
    return [p for p in server.paths("/v4/") if not p.startswith("/v4/catalog/")]


def token_items() -> list[dict[str, Any]]:
    from tracktion.config import settings

    items = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().cache_table).scan()["Items"]
    return [i for i in items if str(i["pk"]).startswith("CAT#BEATPORT#TOKEN#")]


def test_first_account_login_follows_the_documented_flow_and_answers_catalog_data(account_env: CatalogServer):
    tracks = provider().search(a_recorded_word(account_env), limit=3)

    assert tracks and all(t.source == "beatport" for t in tracks)
    signed_in = auth_paths(account_env)
    # docs page, its script (the client id is there), login, authorize (code), token exchange.
    assert [p if not p.startswith("/v4/static/docs/") else "/v4/static/docs/" for p in signed_in][
        -4:
    ] == SIGN_IN[1:]
    assert signed_in[0] == "/v4/docs/"
    authorize = next(r for r in account_env.requests if r["path"] == "/v4/auth/o/authorize/")
    assert authorize["query"]["response_type"] == "code" and authorize["query"]["client_id"]
    assert authorize["headers"].get("cookie", "").startswith("sessionid=")
    assert account_env.logins == 1 and account_env.tokens_granted == 1
    catalog_call = next(r for r in account_env.requests if r["path"] == "/v4/catalog/search/")
    assert catalog_call["headers"]["authorization"].startswith("Bearer tok-")


def test_the_stored_token_is_shared_by_new_instances_one_login(account_env: CatalogServer):
    word = a_recorded_word(account_env)
    provider().search(word)
    provider().search(word)  # another cold start: reads the sealed token, does not log in
    assert account_env.logins == 1 and account_env.tokens_granted == 1


def test_concurrent_cold_starts_wait_for_one_login(account_env: CatalogServer):
    from tracktion.catalog.beatport_auth import AccountLogin
    from tracktion.config import CatalogSettings, get

    # Four processes' sign-in objects (each its own memory) asking at once.
    instances = [AccountLogin(get(CatalogSettings)) for _ in range(4)]
    answers: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def cold_start(auth: AccountLogin) -> None:
        try:
            answers.append(auth.headers())
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=cold_start, args=(auth,)) for auth in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(answers) == 4
    assert len({a["Authorization"] for a in answers}) == 1  # the one token, shared
    assert account_env.logins == 1 and account_env.tokens_granted == 1


def test_a_warm_instance_keeps_its_token_between_requests(account_env: CatalogServer):
    from tracktion.catalog.beatport import BeatportProvider
    from tracktion.config import settings

    word = a_recorded_word(account_env)
    provider().search(word, limit=1)
    cache = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().cache_table)
    for item in token_items():  # the shared copy gone: only the process's memory has the token
        cache.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    assert BeatportProvider().search(word, limit=1)  # the next request of the same process
    assert account_env.logins == 1 and account_env.tokens_granted == 1
    assert provider().search(word, limit=1)  # a new process finds nothing: it logs in
    assert account_env.logins == 2


def test_the_token_is_refreshed_before_it_expires(account_env: CatalogServer):
    account_env.token_ttl = 200  # inside the five-minute margin: due for refresh at once
    word = a_recorded_word(account_env)
    provider().search(word, limit=1)  # one request each
    assert provider().search(word, limit=1)  # the next instance refreshes instead of logging in again
    assert account_env.logins == 1 and account_env.refreshes == 1
    assert auth_paths(account_env).count("/v4/auth/o/token/") == 2


def test_an_expired_access_token_is_refreshed_not_logged_in_again(account_env: CatalogServer):
    from tracktion.config import settings

    word = a_recorded_word(account_env)
    provider().search(word, limit=1)
    [item] = token_items()
    assert int(item["expires_at"]) > int(item["access_expires_at"]) + 86400  # the refresh token is kept
    boto3.resource("dynamodb", region_name="us-east-1").Table(settings().cache_table).update_item(
        Key={"pk": item["pk"], "sk": "TOKEN"},
        UpdateExpression="SET access_expires_at = :past",
        ExpressionAttributeValues={":past": 1},
    )
    assert provider().search(word, limit=1)  # a quiet night later: refreshed, no new login
    assert account_env.logins == 1 and account_env.refreshes == 1


def test_a_401_refreshes_once_and_a_revoked_refresh_token_logs_in_again(account_env: CatalogServer):
    word = a_recorded_word(account_env)
    bp = provider()
    bp.search(word, limit=1)  # one request each

    account_env.revoke_tokens()  # access tokens only: the refresh token still works
    assert bp.search(word, limit=1)
    assert account_env.logins == 1 and account_env.refreshes == 1

    account_env.revoke_tokens(refresh=True)  # everything: only a new login helps
    assert bp.search(word, limit=1)
    assert account_env.logins == 2 and account_env.refreshes == 1
    # each 401 was answered by exactly one renewal, then the same request again
    searches = [r for r in account_env.requests if r["path"] == "/v4/catalog/search/"]
    assert len(searches) == 5


def test_a_wrong_password_answers_a_clear_error_and_stores_nothing(
    account_env: CatalogServer, lambda_context
):
    from tracktion.catalog import beatport_auth
    from tracktion.catalog.transport import ProviderUnavailable
    from tracktion.config import CatalogSettings, get

    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=CREDENTIALS_PARAM,
        Type="SecureString",
        Value=json.dumps({"username": ACCOUNT_USERNAME, "password": "not-the-password"}),
        Overwrite=True,
    )
    beatport_auth.forget_credentials()

    with pytest.raises(ProviderUnavailable) as refused:
        beatport_auth.from_settings(get(CatalogSettings)).headers()
    error = refused.value
    assert error.status == 503 and error.error_code == "CATALOG_PROVIDER_UNAVAILABLE"
    assert error.details == {"provider": "beatport", "reason": "login_refused"}
    assert "username or password" in error.message and "not-the-password" not in error.message

    # Through the route: the search still answers (other providers), with the reason as a warning.
    res = invoke(
        "GET",
        "/api/v1/tracklists/catalog/search",
        query={"query": a_recorded_word(account_env)},
        principal=principal_ctx(),
        context=lambda_context,
    )
    assert res.status == 200
    warnings = json.loads(res.lower_headers.get("x-tracktion-warnings", "[]"))
    beatport_note = next(w for w in warnings if w.get("provider") == "beatport")
    assert beatport_note["status"] == "login_refused" and "username or password" in beatport_note["message"]

    # The Beatport catalog route answers the standard error: 503, the reason, a retry later.
    res = invoke(
        "GET",
        "/api/v1/catalog/beatport/search",
        query={"q": a_recorded_word(account_env)},
        principal=principal_ctx(),
        context=lambda_context,
    )
    assert res.status == 503, res.body
    assert res.body["error_code"] == "CATALOG_UNAVAILABLE"
    assert res.body["details"]["reason"] == "login_refused" and "username or password" in res.body["error"]
    assert "not-the-password" not in json.dumps(res.body)

    assert token_items() == []  # nothing stored: no token, no lease left behind
    # The refused credentials are not tried again at once (an account lock helps nobody).
    assert auth_paths(account_env).count("/v4/auth/login/") == 1
    assert account_env.paths("/v4/auth/o/") == []


@pytest.mark.parametrize("mode", ["account", "client_credentials"])
def test_the_stored_token_is_sealed_not_readable_in_the_table(
    account_env: CatalogServer, monkeypatch: pytest.MonkeyPatch, mode: str
):
    if mode == "client_credentials":
        from tests.catalog_server import CLIENT_ID, CLIENT_SECRET

        boto3.client("ssm", region_name="us-east-1").put_parameter(
            Name=CREDENTIALS_PARAM,
            Type="SecureString",
            Value=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
            Overwrite=True,
        )
        monkeypatch.setenv("BEATPORT_AUTH_MODE", mode)
    provider().search(a_recorded_word(account_env))

    items = token_items()
    assert len(items) == 1
    stored = json.dumps(items[0], default=str)
    granted = list(account_env.valid_tokens) + list(account_env.refresh_tokens)
    assert granted and not [t for t in granted if t in stored]
    assert str(items[0]["access_token"]).startswith("v1.")
    if mode == "account":
        assert str(items[0]["refresh_token"]).startswith("v1.")


def test_tokens_codes_and_the_password_never_reach_the_logs(
    account_env: CatalogServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
):
    from tests.catalog_server import ACCOUNT_PASSWORD
    from tracktion.observability import logger

    for name in ("tracklist_service", "httpx", "httpcore"):  # ours and the HTTP client's, in full
        caplog.set_level(logging.DEBUG, logger=name)
    word = a_recorded_word(account_env)
    bp = provider()
    bp.search(word)
    account_env.revoke_tokens()
    bp.search(word)  # 401, refresh
    secrets_seen = list(account_env.valid_tokens) + list(account_env.refresh_tokens) + [ACCOUNT_PASSWORD]
    # Even a careless log line of our own is redacted.
    token = next(iter(account_env.valid_tokens))
    logger.info(f"careless {token}", extra={"token": token, "nested": {"t": [token]}})

    output = capsys.readouterr().out + caplog.text
    assert "[REDACTED]" in output
    assert not [s for s in secrets_seen if s in output]


def test_beatport_limiting_the_sign_in_answers_rate_limited_with_its_retry_after(account_env: CatalogServer):
    from tracktion.catalog import beatport_auth
    from tracktion.catalog.transport import ProviderUnavailable
    from tracktion.config import CatalogSettings, get

    account_env.fail("/v4/auth/login/", 429, retry_after="7")
    with pytest.raises(ProviderUnavailable) as limited:
        beatport_auth.from_settings(get(CatalogSettings)).headers()
    assert limited.value.details["reason"] == "rate_limited" and limited.value.retry_after == 7
    assert token_items() == []
    # The next call logs in (a throttled attempt is no refusal of the password).
    assert beatport_auth.from_settings(get(CatalogSettings)).headers()["Authorization"].startswith("Bearer ")
    assert account_env.logins == 1


def test_the_client_id_setting_skips_the_docs_page(
    account_env: CatalogServer, monkeypatch: pytest.MonkeyPatch
):
    from tests.catalog_server import DOCS_CLIENT_ID

    monkeypatch.setenv("BEATPORT_CLIENT_ID", DOCS_CLIENT_ID)
    assert provider().search(a_recorded_word(account_env))
    assert "/v4/docs/" not in account_env.paths() and account_env.logins == 1
