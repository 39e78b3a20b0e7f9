"""Accounts and sessions: register, log in, refresh (single use, reuse revokes), log out, token attacks."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.unit.auth.fixtures import gateway, identity, sign_up  # noqa: F401

pytestmark = pytest.mark.usefixtures("identity")
PROFILE = "/api/v1/user/profile"


def _login(email: str, password: str, ip: str = "127.0.0.1"):
    return gateway(
        "POST",
        "/api/v1/auth/token",
        body={"username": email, "password": password},
        public=True,
        source_ip=ip,
    )


def test_register_answers_the_account_without_any_password_material():
    res = gateway(
        "POST",
        "/api/v1/auth/register",
        body={"email": "Dj@Example.com", "password": "s3cret-pass"},
        public=True,
    )

    assert res.status == 201
    assert res.body["email"] == "dj@example.com"
    assert res.body["tier"] == "free"
    assert "s3cret-pass" not in str(res.body) and "scrypt" not in str(res.body)


def test_password_is_stored_as_a_memory_hard_hash():
    import os

    from tests.unit.auth.fixtures import table_item

    user = sign_up("hash@example.com", "a-long-password")
    stored = table_item(os.environ["IDENTITY_TABLE"], f"USER#{user['user_id']}", "PROFILE")

    assert stored["password_hash"].startswith("scrypt$16384$8$1$")
    assert "a-long-password" not in str(stored)


def test_second_registration_of_an_email_answers_409():
    sign_up("twice@example.com")

    res = gateway(
        "POST",
        "/api/v1/auth/register",
        body={"email": "TWICE@example.com", "password": "another-pass"},
        public=True,
    )

    assert (res.status, res.code) == (409, "EMAIL_ALREADY_REGISTERED")


@pytest.mark.parametrize("field", ["tier", "is_admin", "owner_id", "key_hash"])
def test_registration_with_a_server_only_field_answers_422(field):
    body = {"email": f"{field}@example.com", "password": "long-enough", field: "enterprise"}

    res = gateway("POST", "/api/v1/auth/register", body=body, public=True)

    assert (res.status, res.code) == (422, "VALIDATION_ERROR")


def test_login_answers_a_bearer_pair_whose_access_token_is_a_pinned_short_jwt():
    session = sign_up("login@example.com")

    header = jwt.get_unverified_header(session["access_token"])
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert session["token_type"] == "bearer"
    assert session["expires_in"] == 3600
    assert header["alg"] == "HS256" and header["kid"]
    assert {"iss", "aud", "exp", "iat", "jti", "sub"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 3600
    assert session["refresh_token"].startswith("rt_")
    me = gateway("GET", PROFILE, token=session["access_token"])
    assert me.status == 200
    assert me.body["email"] == "login@example.com"
    assert me.body["auth_method"] == "jwt"


def test_wrong_password_and_unknown_email_answer_the_same_401():
    sign_up("known@example.com")

    wrong = _login("known@example.com", "wrong-password")
    unknown = _login("nobody@example.com", "wrong-password")

    assert (wrong.status, wrong.code) == (401, "INVALID_CREDENTIALS")
    assert (unknown.status, unknown.body["error"]) == (401, wrong.body["error"])


def test_repeated_failed_logins_on_an_account_are_slowed_even_for_the_right_password():
    sign_up("target@example.com", "the-right-password")
    for n in range(5):
        assert _login("target@example.com", f"guess-{n}", ip=f"198.51.100.{n}").status == 401

    res = _login("target@example.com", "the-right-password", ip="198.51.100.99")

    assert (res.status, res.code) == (429, "TOO_MANY_LOGIN_ATTEMPTS")
    assert int(res.headers["Retry-After"]) > 0


def test_many_failed_logins_from_one_address_are_slowed_across_accounts():
    for n in range(20):
        assert _login(f"spray{n}@example.com", "guess", ip="203.0.113.5").status == 401

    res = _login("someone-else@example.com", "guess", ip="203.0.113.5")

    assert (res.status, res.code) == (429, "TOO_MANY_LOGIN_ATTEMPTS")


def _refresh(token: str):
    return gateway("POST", "/api/v1/auth/refresh", body={"refresh_token": token}, public=True)


def test_a_refresh_token_used_after_its_successor_was_used_revokes_the_whole_session():
    session = sign_up("rotate@example.com")
    first = _refresh(session["refresh_token"])
    assert first.status == 200
    assert first.body["refresh_token"] != session["refresh_token"]
    # A client that rotates: it uses the new token, so the login's token is now spent for good.
    second = _refresh(first.body["refresh_token"])
    assert second.status == 200

    replay = _refresh(session["refresh_token"])

    assert (replay.status, replay.code) == (401, "INVALID_TOKEN")
    # the family is gone: the newest refresh token and the access tokens stop too
    assert _refresh(second.body["refresh_token"]).status == 401
    assert gateway("GET", PROFILE, token=second.body["access_token"]).code == "INVALID_TOKEN"


def test_the_logins_refresh_token_keeps_working_while_its_successors_go_unused():
    session = sign_up("keeper@example.com")

    answers = [_refresh(session["refresh_token"]) for _ in range(3)]

    assert [a.status for a in answers] == [200, 200, 200]
    # Each refresh retires the previous unused successor: only the newest one is live.
    assert (_refresh(answers[0].body["refresh_token"]).status, "retired successor") == (
        401,
        "retired successor",
    )
    # ...and presenting a retired one is taken as theft: the session is over.
    assert _refresh(session["refresh_token"]).status == 401
    assert gateway("GET", PROFILE, token=answers[2].body["access_token"]).status == 401


def test_logout_ends_the_session_at_once():
    session = sign_up("bye@example.com")

    out = gateway(
        "POST", "/api/v1/auth/logout", body={"refresh_token": session["refresh_token"]}, public=True
    )

    assert out.status == 204
    assert gateway("GET", PROFILE, token=session["access_token"]).status == 401
    again = gateway(
        "POST", "/api/v1/auth/refresh", body={"refresh_token": session["refresh_token"]}, public=True
    )
    assert again.status == 401


def _signing_key(token: str) -> bytes:
    from tracktion.auth import secrets

    return secrets.generation(jwt.get_unverified_header(token)["kid"]).derive("jwt")


def _forge(session: dict, *, key: bytes | None = None, alg: str = "HS256", **changes) -> str:
    good = session["access_token"]
    claims = {**jwt.decode(good, options={"verify_signature": False}), **changes}
    kid = jwt.get_unverified_header(good)["kid"]
    return jwt.encode(
        claims, key if key is not None else _signing_key(good), algorithm=alg, headers={"kid": kid}
    )


def test_expired_token_answers_expired_token():
    session = sign_up("late@example.com")
    now = int(time.time())

    res = gateway("GET", PROFILE, token=_forge(session, iat=now - 7200, exp=now - 3600))

    assert (res.status, res.code) == (401, "EXPIRED_TOKEN")


def test_token_for_another_audience_answers_invalid_token():
    session = sign_up("aud@example.com")

    res = gateway("GET", PROFILE, token=_forge(session, aud="someone-else"))

    assert (res.status, res.code) == (401, "INVALID_TOKEN")


def test_unsigned_alg_none_token_answers_invalid_token():
    session = sign_up("none@example.com")
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none", headers={"kid": "x"})

    res = gateway("GET", PROFILE, token=unsigned)

    assert (res.status, res.code) == (401, "INVALID_TOKEN")


def test_rs256_token_is_refused_whatever_key_signed_it():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    session = sign_up("rsa@example.com")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

    res = gateway("GET", PROFILE, token=_forge(session, key=pem, alg="RS256"))

    assert (res.status, res.code) == (401, "INVALID_TOKEN")


def test_token_signed_with_a_guessable_key_is_refused():
    session = sign_up("hs@example.com")

    res = gateway("GET", PROFILE, token=_forge(session, key=b"secret" * 6, sub="usr_admin"))

    assert (res.status, res.code) == (401, "INVALID_TOKEN")


def test_tampered_token_answers_invalid_token():
    session = sign_up("tamper@example.com")
    head, payload, sig = session["access_token"].split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]

    res = gateway("GET", PROFILE, token=f"{head}.{flipped}.{sig}")

    assert (res.status, res.code) == (401, "INVALID_TOKEN")


BOOTSTRAP = __import__("tests.unit.auth.fixtures", fromlist=["BOOTSTRAP_KEY"]).BOOTSTRAP_KEY


def test_admin_lists_users_with_pagination_and_filters():
    for n in range(5):
        sign_up(f"member{n}@example.com")

    page = gateway("GET", "/api/v1/users", key=BOOTSTRAP, query={"page": "2", "per_page": "2"})
    filtered = gateway("GET", "/api/v1/users", key=BOOTSTRAP, query={"email": "member3"})

    assert page.status == 200
    assert page.body["pagination"] == {"page": 2, "per_page": 2, "pages": 3, "total": 5}
    assert len(page.body["data"]) == 2
    assert [u["email"] for u in filtered.body["data"]] == ["member3@example.com"]
    assert "password_hash" not in str(page.body)


def test_tier_change_takes_effect_on_the_next_request():
    from tests.unit.auth.fixtures import key_for

    user = sign_up("upgrade@example.com")
    key = key_for(user["user_id"])["api_key"]
    assert gateway("GET", "/api/v1/developer/keys", key=key).headers["X-RateLimit-Limit"] == "1000"

    changed = gateway("PATCH", f"/api/v1/users/{user['user_id']}", key=BOOTSTRAP, body={"tier": "premium"})

    assert changed.status == 200 and changed.body["tier"] == "premium"
    assert gateway("GET", "/api/v1/developer/keys", key=key).headers["X-RateLimit-Limit"] == "10000"
    assert gateway("GET", PROFILE, token=user["access_token"]).headers["X-RateLimit-Limit"] == "10000"


def test_non_admin_cannot_read_or_change_users():
    user = sign_up("plain@example.com")

    listed = gateway("GET", "/api/v1/users", token=user["access_token"])
    patched = gateway(
        "PATCH", f"/api/v1/users/{user['user_id']}", token=user["access_token"], body={"tier": "enterprise"}
    )

    assert (listed.status, listed.code) == (403, "INSUFFICIENT_PERMISSIONS")
    assert patched.status == 403


def test_deleting_a_user_ends_their_sessions_and_keys():
    from tests.unit.auth.fixtures import key_for

    user = sign_up("leaving@example.com")
    key = key_for(user["user_id"])["api_key"]

    assert gateway("DELETE", f"/api/v1/users/{user['user_id']}", key=BOOTSTRAP).status == 204

    assert gateway("GET", PROFILE, token=user["access_token"]).status == 401
    assert gateway("GET", PROFILE, key=key).code == "INVALID_API_KEY"
    assert gateway("GET", f"/api/v1/users/{user['user_id']}", key=BOOTSTRAP).status == 404


# ---------------------------------------------------------------- OAuth2 against a local provider


@pytest.fixture
def provider(request):
    """A Google-shaped local provider registered in the OAuth clients secret."""
    request.getfixturevalue("identity")
    from tests.oauth_provider import LocalOAuthProvider

    with LocalOAuthProvider(
        "google", redirect_uri="http://127.0.0.1:3000/api/v1/auth/google/callback"
    ) as prov:
        _register_providers(google=prov)
        yield prov


def _register_providers(**providers):
    import json
    import os

    import boto3

    from tracktion.auth import oauth

    sm = boto3.client("secretsmanager", region_name="us-east-1")
    value = json.dumps({name: prov.registration() for name, prov in providers.items()})
    try:
        sm.create_secret(Name=os.environ["OAUTH_CLIENTS_SECRET_ID"], SecretString=value)
    except sm.exceptions.ResourceExistsException:
        sm.put_secret_value(SecretId=os.environ["OAUTH_CLIENTS_SECRET_ID"], SecretString=value)
    oauth.forget()


def _browser_login(name: str):
    """What a browser does: our login redirect → the provider → back to our callback."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    start = gateway("GET", f"/api/v1/auth/{name}/login", public=True)
    assert start.status == 302
    at_provider = httpx.get(start.headers["Location"], follow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    return start, back, query


def test_oauth_login_redirects_with_state_pkce_and_the_exact_redirect_uri(provider):
    from urllib.parse import parse_qs, urlsplit

    res = gateway("GET", "/api/v1/auth/google/login", public=True)

    url = urlsplit(res.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert res.status == 302
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider.url}/authorize"
    assert query["redirect_uri"] == provider.redirect_uri
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32


def test_oauth_flow_signs_in_with_a_verified_email_and_the_token_works(provider):
    _, back, query = _browser_login("google")

    done = gateway("GET", back.path, query=query, public=True)

    assert done.status == 200, done.body
    assert done.body["user"]["email"] == "dj@example.com"
    assert done.body["user"]["providers"] == ["google"]
    assert provider.token_requests[0]["code_verifier"]  # PKCE verifier was sent
    me = gateway("GET", PROFILE, token=done.body["access_token"])
    assert me.status == 200 and me.body["email"] == "dj@example.com"


def test_oauth_state_works_once(provider):
    _, back, query = _browser_login("google")
    assert gateway("GET", back.path, query=query, public=True).status == 200

    again = gateway("GET", back.path, query=query, public=True)

    assert (again.status, again.code) == (400, "INVALID_OAUTH_STATE")


def test_oauth_callback_with_a_forged_state_is_refused(provider):
    _, back, query = _browser_login("google")

    res = gateway("GET", back.path, query={**query, "state": "forged-state-value"}, public=True)

    assert (res.status, res.code) == (400, "INVALID_OAUTH_STATE")
    assert provider.token_requests == []  # the code was never exchanged


def test_oauth_links_the_existing_account_with_that_email(provider):
    existing = sign_up("dj@example.com")
    _, back, query = _browser_login("google")

    done = gateway("GET", back.path, query=query, public=True)

    assert done.body["user"]["user_id"] == existing["user_id"]


def test_oauth_identity_without_a_verified_email_is_not_linked(provider):
    provider.person.verified = False
    existing = sign_up("dj@example.com")
    _, back, query = _browser_login("google")

    res = gateway("GET", back.path, query=query, public=True)

    assert (res.status, res.code) == (403, "EMAIL_NOT_VERIFIED")
    assert gateway("GET", PROFILE, token=existing["access_token"]).body["providers"] == []


def test_github_login_uses_the_primary_verified_email():
    from tests.oauth_provider import LocalOAuthProvider, Person

    person = Person("583231", "octo@example.com", login="octocat", name="The Octocat")
    with LocalOAuthProvider(
        "github", redirect_uri="http://127.0.0.1:3000/api/v1/auth/github/callback", person=person
    ) as github:
        _register_providers(github=github)
        _, back, query = _browser_login("github")
        done = gateway("GET", back.path, query=query, public=True)

    assert done.status == 200, done.body
    assert done.body["user"]["email"] == "octo@example.com"
    assert done.body["user"]["providers"] == ["github"]


def test_unconfigured_provider_answers_404():
    res = gateway("GET", "/api/v1/auth/github/login", public=True)

    assert (res.status, res.code) == (404, "OAUTH_PROVIDER_NOT_CONFIGURED")


def test_token_accepts_the_oauth2_password_form_too():
    sign_up("form@example.com", "form-password-1")

    res = gateway(
        "POST",
        "/api/v1/auth/token",
        body="grant_type=password&username=form%40example.com&password=form-password-1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        public=True,
    )

    assert res.status == 200, res.body
    assert res.body["token_type"] == "bearer"
