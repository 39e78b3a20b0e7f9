"""OAuth2 logins (Google, GitHub): authorization code flow with `state` and PKCE (S256).

Client registrations (client id and secret, the exact redirect URI, and optionally the
provider's endpoint URLs, which is how tests point at a local provider) come from the
Secrets Manager secret named by OAUTH_CLIENTS_SECRET_ID, never from code. `state` is
single-use (deleted as it is read), expires in 10 minutes and holds the PKCE verifier
server-side. An account is linked only through an email the provider says is verified.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as pysecrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tracktion import clock
from tracktion.auth import refresh, users
from tracktion.config import AuthSettings, get, settings
from tracktion.errors import BadRequest, Forbidden, NotFound, UpstreamError
from tracktion.storage.aws import client

STATE_TTL_SECONDS = 600
TIMEOUT_SECONDS = 10.0
_DEFAULTS: dict[str, dict[str, str]] = {
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "scope": "openid email profile",
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "emails_url": "https://api.github.com/user/emails",
        "scope": "read:user user:email",
    },
}
_cache: tuple[float, dict[str, Any]] | None = None


class ProviderNotConfigured(NotFound):
    error_code = "OAUTH_PROVIDER_NOT_CONFIGURED"


class InvalidOAuthState(BadRequest):
    error_code = "INVALID_OAUTH_STATE"


class EmailNotVerified(Forbidden):
    error_code = "EMAIL_NOT_VERIFIED"


class OAuthFailed(UpstreamError):
    error_code = "OAUTH_PROVIDER_ERROR"


@dataclass(frozen=True)
class Provider:
    name: str
    client_id: str
    client_secret: str
    redirect_uri: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    scope: str
    emails_url: str = ""


def _registrations() -> dict[str, Any]:
    global _cache
    if _cache and _cache[0] > time.monotonic():
        return _cache[1]
    secret_id = get(AuthSettings).oauth_clients_secret_id
    config: dict[str, Any] = {}
    if secret_id:
        sm = client("secretsmanager")
        try:
            config = json.loads(sm.get_secret_value(SecretId=secret_id).get("SecretString") or "{}")
        except sm.exceptions.ResourceNotFoundException:
            config = {}
    _cache = (time.monotonic() + 60, config)
    return config


def forget() -> None:
    global _cache
    _cache = None


def provider(name: str) -> Provider:
    if name not in _DEFAULTS:
        raise ProviderNotConfigured(f"Unknown login provider '{name}'")
    given = _registrations().get(name)
    if not given:
        forget()  # a registration added since the last read counts at once; only hits are cached
        given = _registrations().get(name) or {}
    merged = {**_DEFAULTS[name], **{k: str(v) for k, v in given.items()}}
    if not merged.get("client_id") or not merged.get("client_secret") or not merged.get("redirect_uri"):
        raise ProviderNotConfigured(f"Login with {name} is not configured")
    return Provider(
        name=name,
        client_id=merged["client_id"],
        client_secret=merged["client_secret"],
        redirect_uri=merged["redirect_uri"],
        authorize_url=merged["authorize_url"],
        token_url=merged["token_url"],
        userinfo_url=merged["userinfo_url"],
        scope=merged["scope"],
        emails_url=merged.get("emails_url", ""),
    )


def _state_key(state: str) -> dict[str, Any]:
    return {"pk": {"S": f"OAUTHSTATE#{hashlib.sha256(state.encode()).hexdigest()}"}, "sk": {"S": "STATE"}}


def begin(name: str) -> str:
    """The provider's authorization URL to redirect the browser to."""
    prov = provider(name)
    state = pysecrets.token_urlsafe(32)
    verifier = pysecrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    client("dynamodb").put_item(
        TableName=settings().identity_table,
        Item={
            **_state_key(state),
            "provider": {"S": name},
            "verifier": {"S": verifier},
            "expires_at": {"N": str(clock.epoch() + STATE_TTL_SECONDS)},
        },
    )
    params = {
        "response_type": "code",
        "client_id": prov.client_id,
        "redirect_uri": prov.redirect_uri,
        "scope": prov.scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{prov.authorize_url}?{urlencode(params)}"


def _take_state(name: str, state: str) -> str:
    """The PKCE verifier of a state we issued for this provider; each state works once."""
    if not state or len(state) > 200:
        raise InvalidOAuthState("Missing or invalid state")
    ddb = client("dynamodb")
    try:
        old = ddb.delete_item(
            TableName=settings().identity_table,
            Key=_state_key(state),
            ConditionExpression="attribute_exists(pk)",
            ReturnValues="ALL_OLD",
        )["Attributes"]
    except ddb.exceptions.ConditionalCheckFailedException:
        raise InvalidOAuthState("Unknown or already used state") from None
    if old["provider"]["S"] != name or int(old["expires_at"]["N"]) <= clock.epoch():
        raise InvalidOAuthState("Expired state, or issued for another provider")
    return str(old["verifier"]["S"])


def _get_json(http: Any, url: str, token: str) -> Any:
    res = http.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    if res.status_code != 200:
        raise OAuthFailed(f"The provider answered {res.status_code} for the user's profile")
    return res.json()


def complete(name: str, code: str, state: str, error: str | None = None) -> dict[str, Any]:
    """Finish a login: exchange the code (with the PKCE verifier), read the verified email, sign in."""
    import httpx

    prov = provider(name)
    verifier = _take_state(name, state)
    if error or not code:
        raise Forbidden(
            f"Login with {name} was not completed: {error or 'no code'}", error_code="OAUTH_DENIED"
        )
    with httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS), follow_redirects=False) as http:
        try:
            res = http.post(
                prov.token_url,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": prov.redirect_uri,
                    "client_id": prov.client_id,
                    "client_secret": prov.client_secret,
                    "code_verifier": verifier,
                },
                headers={"Accept": "application/json"},
            )
            body = res.json() if res.content else {}
            token = body.get("access_token")
            if res.status_code != 200 or not token:
                raise OAuthFailed(
                    f"The provider refused the code: {body.get('error') or res.status_code}",
                    details={"provider_error": str(body.get("error") or "")[:100]},
                )
            subject, email, verified, display = _identity(http, prov, token)
        except httpx.HTTPError as exc:
            raise OAuthFailed(f"Could not reach {name}: {type(exc).__name__}") from None
    if not subject:
        raise OAuthFailed(f"{name} did not say who the user is")
    if not email or not verified:
        raise EmailNotVerified(f"Your {name} account has no verified email address")
    user = users.link_oauth(name, subject, email, display)
    return {**refresh.start_session(user["user_id"], f"oauth:{name}"), "user": users.view(user)}


def _identity(http: Any, prov: Provider, token: str) -> tuple[str, str, bool, str]:
    """(subject, email, verified, display name) from the provider's user endpoints."""
    info = _get_json(http, prov.userinfo_url, token)
    if prov.name == "github":
        emails = _get_json(http, prov.emails_url, token) if prov.emails_url else []
        chosen = next((e for e in emails if e.get("primary") and e.get("verified")), None) or next(
            (e for e in emails if e.get("verified")), None
        )
        return (
            str(info.get("id") or ""),
            str((chosen or {}).get("email") or ""),
            bool(chosen),
            str(info.get("name") or info.get("login") or ""),
        )
    verified = info.get("email_verified") in (True, "true")
    return str(info.get("sub") or ""), str(info.get("email") or ""), verified, str(info.get("name") or "")
