"""Identity through the local runtime: accounts, keys over their whole life, OAuth2, limits, attacks."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.testing import RuntimeProcess

pytestmark = pytest.mark.integration
KEYS = "/api/v1/developer/keys"


def _account(runtime: RuntimeProcess, client: httpx.Client) -> tuple[str, dict]:
    email = f"it-{uuid.uuid4().hex[:10]}@example.com"
    made = client.post("/api/v1/auth/register", json={"email": email, "password": "integration-pass-1"})
    assert made.status_code == 201, made.text
    login = client.post("/api/v1/auth/token", json={"username": email, "password": "integration-pass-1"})
    assert login.status_code == 200, login.text
    return made.json()["user_id"], login.json()


def test_register_login_key_rotate_overlap_and_revoke(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        _, session = _account(runtime, client)
        bearer = {"Authorization": f"Bearer {session['access_token']}"}
        created = client.post(KEYS, headers=bearer, json={"name": "laptop", "permissions": ["read", "write"]})
        assert created.status_code == 201, created.text
        key_id, old_key = created.json()["key_id"], created.json()["api_key"]

        used = client.get(KEYS, headers={"X-API-Key": old_key})
        assert used.status_code == 200
        assert used.headers["X-RateLimit-Limit"] == "1000"

        rotated = client.post(f"{KEYS}/{key_id}/rotate", headers=bearer, json={"overlap_seconds": 3})
        assert rotated.status_code == 200, rotated.text
        new_key = rotated.json()["api_key"]
        assert client.get(KEYS, headers={"X-API-Key": old_key}).status_code == 200  # inside the overlap
        time.sleep(3.5)
        after = client.get(KEYS, headers={"X-API-Key": old_key})
        assert (after.status_code, after.json()["error_code"]) == (401, "INVALID_API_KEY")
        assert client.get(KEYS, headers={"X-API-Key": new_key}).status_code == 200

        deleted = client.delete(f"{KEYS}/{key_id}", headers=bearer)
        assert (deleted.status_code, deleted.json()["success"]) == (200, True)
        revoked = client.get(KEYS, headers={"X-API-Key": new_key})
        assert (revoked.status_code, revoked.json()["error_code"]) == (401, "INVALID_API_KEY")

        usage = client.get(f"{KEYS}/{key_id}/usage", headers=bearer, params={"period": "day"})
        assert usage.status_code == 200
        assert usage.json()["requests"] >= 3


def _oauth_secret_name(runtime: RuntimeProcess) -> str:
    names = [s["Name"] for s in runtime.aws_client("secretsmanager").list_secrets()["SecretList"]]
    return next(n for n in names if n.endswith("oauth-clients") or n == "OAuthClientsSecret")


@contextlib.contextmanager
def _restored(secrets: Any, name: str, value: str) -> Iterator[None]:
    try:
        yield
    finally:
        secrets.put_secret_value(SecretId=name, SecretString=value)


def test_oauth_login_end_to_end_against_the_local_provider(runtime: RuntimeProcess) -> None:
    from tests.oauth_provider import LocalOAuthProvider, Person

    person = Person("20481632", f"oauth-{uuid.uuid4().hex[:8]}@example.com", name="Oauth Person")
    callback = f"{runtime.gateway_url}/api/v1/auth/google/callback"
    secrets = runtime.aws_client("secretsmanager")
    name = _oauth_secret_name(runtime)
    # The runtime is shared: the registration is put back as it was once this test is done, or
    # later tests would find a provider configured that points at a stopped server.
    before = secrets.get_secret_value(SecretId=name)["SecretString"]
    with (
        LocalOAuthProvider("google", redirect_uri=callback, person=person) as provider,
        _restored(secrets, name, before),
    ):
        secrets.put_secret_value(SecretId=name, SecretString=json.dumps({"google": provider.registration()}))
        with runtime.client() as client:
            start = client.get("/api/v1/auth/google/login")
            assert start.status_code == 302, start.text
            at_provider = httpx.get(start.headers["location"], follow_redirects=False, timeout=10)
            assert at_provider.status_code == 302, at_provider.text
            back = urlsplit(at_provider.headers["location"])
            assert f"{back.scheme}://{back.netloc}{back.path}" == callback
            done = client.get(back.path, params={k: v[0] for k, v in parse_qs(back.query).items()})
            assert done.status_code == 200, done.text
            me = client.get(
                "/api/v1/user/profile", headers={"Authorization": f"Bearer {done.json()['access_token']}"}
            )
            replay = client.get(back.path, params={k: v[0] for k, v in parse_qs(back.query).items()})

    assert me.status_code == 200
    assert me.json()["email"] == person.email and me.json()["providers"] == ["google"]
    assert (replay.status_code, replay.json()["error_code"]) == (400, "INVALID_OAUTH_STATE")


def test_twenty_parallel_requests_at_remaining_one_let_exactly_one_through(runtime: RuntimeProcess) -> None:
    from tracktion.auth.ratelimit import window

    with runtime.client() as client:
        user_id, session = _account(runtime, client)
        made = client.post(
            KEYS, headers={"Authorization": f"Bearer {session['access_token']}"}, json={"name": "burst"}
        )
        key = made.json()["api_key"]
    win = window()
    counters = next(
        t
        for t in runtime.aws_client("dynamodb").list_tables()["TableNames"]
        if "ounters" in t or "counters" in t
    )
    runtime.aws_client("dynamodb").update_item(
        TableName=counters,
        Key={"pk": {"S": f"RL#{user_id}"}, "sk": {"S": f"M#{win.month}"}},
        UpdateExpression="SET #d = :n",
        ExpressionAttributeNames={"#d": win.day_attr},
        ExpressionAttributeValues={":n": {"N": "999"}},
    )

    def call(_: int) -> int:
        with runtime.client() as c:
            return c.get(KEYS, headers={"X-API-Key": key}).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(call, range(20)))

    assert sorted(statuses) == [200] + [429] * 19


def test_attacks_are_refused_through_the_gateway(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        user_id, session = _account(runtime, client)
        bearer = {"Authorization": f"Bearer {session['access_token']}"}
        read_only = client.post(KEYS, headers=bearer, json={"name": "ro", "permissions": ["read"]}).json()[
            "api_key"
        ]
        _, other = _account(runtime, client)
        other_key = client.post(
            KEYS, headers={"Authorization": f"Bearer {other['access_token']}"}, json={"name": "theirs"}
        ).json()

        head, payload, sig = session["access_token"].split(".")
        tampered = f"{head}.{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{sig}"
        checks = {
            "read-only key on a write route": client.post(
                KEYS, headers={"X-API-Key": read_only}, json={"name": "x"}
            ),
            "another user's key": client.get(f"{KEYS}/{other_key['key_id']}", headers=bearer),
            "another user's usage": client.get(f"{KEYS}/{other_key['key_id']}/usage", headers=bearer),
            "server-only field": client.post(KEYS, headers=bearer, json={"name": "x", "tier": "enterprise"}),
            "tampered token": client.get(
                "/api/v1/user/profile", headers={"Authorization": f"Bearer {tampered}"}
            ),
            "typo in key": client.get(
                KEYS, headers={"X-API-Key": read_only[:-1] + ("a" if read_only[-1] != "a" else "b")}
            ),
            "non-admin on users": client.get("/api/v1/users", headers=bearer),
        }
    expected = {
        "read-only key on a write route": (403, "INSUFFICIENT_PERMISSIONS"),
        "another user's key": (404, "RESOURCE_NOT_FOUND"),
        "another user's usage": (404, "RESOURCE_NOT_FOUND"),
        "server-only field": (422, "VALIDATION_ERROR"),
        "tampered token": (401, "INVALID_TOKEN"),
        "typo in key": (401, "INVALID_API_KEY"),
        "non-admin on users": (403, "INSUFFICIENT_PERMISSIONS"),
    }
    assert {name: (r.status_code, r.json()["error_code"]) for name, r in checks.items()} == expected
    assert user_id


def test_signed_requests_pass_once_and_fail_on_any_changed_byte(runtime: RuntimeProcess) -> None:
    from tracktion.auth.hmac_signing import sign

    with runtime.client() as client:
        _, session = _account(runtime, client)
        made = client.post(
            KEYS,
            headers={"Authorization": f"Bearer {session['access_token']}"},
            json={"name": "signer", "permissions": ["read", "write"], "signature_required": True},
        ).json()
        body = json.dumps({"name": "created by a signed call"})
        stamp = str(int(time.time()))
        headers = {
            "X-API-Key": made["api_key"],
            "X-Timestamp": stamp,
            "X-Signature": sign(made["signing_secret"], stamp, "POST", KEYS, "", body.encode()),
            "Content-Type": "application/json",
        }
        changed = client.post(KEYS, headers=headers, content=body.replace("signed", "signeD"))
        good = client.post(KEYS, headers=headers, content=body)
        replay = client.post(KEYS, headers=headers, content=body)
        unsigned = client.get(KEYS, headers={"X-API-Key": made["api_key"]})

    assert (changed.status_code, changed.json()["error_code"]) == (401, "INVALID_SIGNATURE")
    assert good.status_code == 201, good.text
    assert (replay.status_code, replay.json()["error_code"]) == (401, "INVALID_SIGNATURE")
    assert (unsigned.status_code, unsigned.json()["error_code"]) == (401, "SIGNATURE_REQUIRED")


def test_published_secure_client_signs_requests_to_every_http_function(runtime: RuntimeProcess) -> None:
    """Each function verifies signatures itself (the body is not the authorizer's to see), so each
    needs the identity secret: a signed request to any of them passes admission."""
    import requests

    from tests.contract.template_functions import http_functions
    from tests.published_clients import load, route_for

    published = load()
    with runtime.client() as client:
        _, session = _account(runtime, client)
        made = client.post(
            KEYS,
            headers={"Authorization": f"Bearer {session['access_token']}"},
            json={"name": "signer", "permissions": ["read", "write"], "signature_required": True},
        ).json()
    secure = published["SecureTracktionClient"](
        api_key=made["api_key"], hmac_secret=made["signing_secret"], base_url=runtime.gateway_url
    )
    calls = [
        ("GET", "/api/v1/no-such-route", None),
        ("GET", "/api/v1/search?query=signed%20request&limit=1", None),
        ("GET", "/api/v1/tracklist/no-such-tracklist", None),
        ("GET", "/api/v1/tracklists/no-such-audio-file/drafts", None),
        ("GET", "/api/v1/cue/formats", None),
        ("GET", "/api/v1/batch", None),
        ("POST", "/api/v1/batch/schedule", {"name": "n", "urls": ["x"], "cron_expression": "not a cron"}),
        ("GET", KEYS, None),
        ("GET", "/api/v1/user/profile", None),
        ("GET", "/api/v1/catalog/beatport/genres", None),
        ("GET", "/api/v1/tracklists/no-such-tracklist/export/youtube", None),
        ("GET", "/api/v1/tracklists/no-such-tracklist/follow", None),
    ]
    answers = {}
    for method, endpoint, data in calls:
        try:
            body = secure.make_secure_request(method, endpoint, data)
            status = 200
        except requests.HTTPError as exc:
            assert exc.response is not None
            status, body = exc.response.status_code, exc.response.json()
        answers[(method, endpoint)] = (status, body.get("error_code") if isinstance(body, dict) else None)

    refused = {k: v for k, v in answers.items() if v[0] == 401 or v[1] == "IDENTITY_NOT_CONFIGURED"}
    assert refused == {}, answers
    covered = {route_for(m, e.split("?")[0])[1] for m, e, _ in calls}
    assert covered == {f.module for f in http_functions() if any(not r.public for r in f.routes)}
    assert answers[("GET", "/api/v1/user/profile")] == (200, None)
    assert (
        answers[("POST", "/api/v1/batch/schedule")][0] == 422
    )  # the signed body passed; its content did not
