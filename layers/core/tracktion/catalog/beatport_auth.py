"""Signing in to Beatport API v4: partner client credentials or a Beatport account, one interface.

`from_settings(get(CatalogSettings))` gives a `BeatportAuth`; the Beatport client asks it for
`headers()` before each request and calls `after_unauthorized()` once when Beatport answers 401,
then asks for `headers()` again. Which way it signs in is BEATPORT_AUTH_MODE:

- `client_credentials` (partner access): BEATPORT_CREDENTIALS_PARAM names an SSM SecureString
  `{"client_id", "client_secret"}`; POST /auth/o/token/ with grant_type=client_credentials.
- `account` (what the integration document describes): the parameter holds
  `{"username", "password"}` (and optionally `"client_id"`). The public client id of the API
  docs page is read from the page (GET /docs/, each same-host `<script src>`, `API_CLIENT_ID:
  '...'`) unless BEATPORT_CLIENT_ID or the parameter gives one; then POST /auth/login/ (JSON
  username/password, answers a `sessionid` cookie), GET /auth/o/authorize/ with that cookie (a
  302 whose Location carries `?code=`), and POST /auth/o/token/ (authorization_code). The
  refresh token renews the access token before it expires; a refused refresh logs in again.

Tokens are shared by every function instance: one item per (mode, Beatport host, client id or
username) in the cache table, its tokens sealed with the identity secret (AES-GCM,
tracktion.auth.secrets), its `expires_at` the table's TTL (a week past the access token's expiry
when a refresh token is kept, so it can still be refreshed). A short lease item makes concurrent
cold starts wait for one sign-in instead of each signing in. A refused login stores nothing and
is not retried with the same credentials for LOGIN_REFUSED_SECONDS (a locked account helps
nobody). Tokens, codes, cookies and the password never reach a log line: every value in use is
registered with a redaction filter on the logger.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from tracktion.catalog.transport import ProviderUnavailable, timeout
from tracktion.config import CatalogSettings, settings
from tracktion.errors import ServiceUnavailable
from tracktion.observability import logger
from tracktion.storage.aws import client, table

NAME = "beatport"
REFRESH_MARGIN_SECONDS = 300
REFRESH_KEEP_SECONDS = 7 * 24 * 3600
CREDENTIALS_TTL_SECONDS = 900
LOGIN_REFUSED_SECONDS = 300
LEASE_SECONDS = 10.0
LEASE_POLL_SECONDS = 0.1
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_SCRIPTS = 20
_CLIENT_ID = re.compile(r"""API_CLIENT_ID\s*[:=]\s*['"]([A-Za-z0-9_\-.]{8,128})['"]""")
_SCRIPT_SRC = re.compile(r"""<script[^>]*\bsrc\s*=\s*['"]([^'"]+)['"]""", re.IGNORECASE)


def client_id_in(text: str) -> str | None:
    """The `API_CLIENT_ID: '...'` a docs page or script names, if any."""
    found = _CLIENT_ID.search(text)
    return found.group(1) if found else None


def script_urls(html: str, page_url: str) -> list[str]:
    """The page's `<script src>` URLs worth reading for the client id: absolute, http(s), on the
    page's own host or another host of its domain (e.g. *.beatport.com), at most MAX_SCRIPTS."""
    page = urlsplit(page_url)
    host = (page.hostname or "").casefold()
    labels = host.split(".")
    domain = ".".join(labels[-2:]) if len(labels) > 2 and not host.replace(".", "").isdigit() else host
    urls: list[str] = []
    for src in _SCRIPT_SRC.findall(html):
        try:
            url = urljoin(page_url, src.strip())
            parts = urlsplit(url)
            other = (parts.hostname or "").casefold()
        except ValueError:
            continue
        same = parts.netloc.casefold() == page.netloc.casefold()
        if parts.scheme in ("http", "https") and (same or (other.endswith("." + domain) and domain != host)):
            urls.append(url)
        if len(urls) >= MAX_SCRIPTS:
            break
    return urls


class BeatportAuth(Protocol):
    """What the Beatport client needs from a sign-in mode."""

    def headers(self) -> dict[str, str]:
        """A valid Authorization header, signing in or refreshing first when needed."""
        ...

    def after_unauthorized(self) -> None:
        """Beatport answered 401 to the last headers: renew (refresh or sign in) once."""
        ...


_instances: dict[tuple[str, ...], BeatportAuth] = {}
_instances_lock = threading.Lock()


def from_settings(catalog: CatalogSettings) -> BeatportAuth:
    """The sign-in mode BEATPORT_AUTH_MODE names, on BEATPORT_BASE_URL: one object per process
    and configuration, so a warm instance keeps its token in memory between requests (the
    Beatport client is built per request) and other instances find it in the table."""
    key = (
        catalog.beatport_auth_mode,
        catalog.beatport_base_url.rstrip("/"),
        catalog.beatport_credentials_param,
        catalog.beatport_client_id,
        str(catalog.timeout_seconds),
    )
    with _instances_lock:
        auth = _instances.get(key)
        if auth is None:
            auth = (
                AccountLogin(catalog)
                if catalog.beatport_auth_mode == "account"
                else ClientCredentials(catalog)
            )
            _instances[key] = auth
        return auth


# --------------------------------------------------------------------------- redaction


class _Redaction(logging.Filter):
    """Replaces every registered secret in a log record (message, arguments, extra fields)."""

    KEEP = 256  # the most recent secrets (a long-lived instance refreshes every ten hours)

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, None] = {}  # insertion-ordered set
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= 6:
                    self.secrets.pop(value, None)
                    self.secrets[value] = None
            while len(self.secrets) > self.KEEP:
                del self.secrets[next(iter(self.secrets))]

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in list(self.secrets):
                if secret in value:
                    value = value.replace(secret, "[REDACTED]")
            return value
        if isinstance(value, dict):
            return {k: self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._clean(v) for v in value)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self._clean(record.msg)
        if record.args:
            record.args = self._clean(record.args)
        for key, value in list(vars(record).items()):
            if key not in ("msg", "args") and isinstance(value, str | dict | list | tuple):
                setattr(record, key, self._clean(value))
        return True


REDACTION = _Redaction()
logger.addFilter(REDACTION)
logging.getLogger("httpx").addFilter(REDACTION)


# --------------------------------------------------------------------------- credentials

_credentials_cache: dict[str, tuple[dict[str, str], float]] = {}


def _credentials(param: str) -> dict[str, str] | None:
    """The parameter's JSON object, cached for 15 minutes (a rotation is picked up) and only when
    found: a parameter created after a cold start must not stay "absent" until the next one."""
    hit = _credentials_cache.get(param)
    if hit and hit[1] > time.monotonic():
        return hit[0]
    from botocore.exceptions import ClientError

    try:
        value = client("ssm").get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as exc:
        logger.info("beatport credentials not available", extra={"error": exc.response["Error"]["Code"]})
        return None
    try:
        data = json.loads(value)
        creds = {str(k): str(v) for k, v in data.items() if isinstance(v, str | int)}
    except (ValueError, AttributeError, TypeError):
        logger.warning("beatport credentials parameter is not a JSON object")
        return None
    REDACTION.add(creds.get("client_secret"), creds.get("password"))
    _credentials_cache[param] = (creds, time.monotonic() + CREDENTIALS_TTL_SECONDS)
    return creds


def forget_credentials() -> None:
    """Forget what this process learnt (credentials, client ids, refused logins, tokens in
    memory), as a new process would; tests switch AWS mocks and simulate cold starts with it."""
    with _instances_lock:
        _instances.clear()
    _credentials_cache.clear()
    _client_ids.clear()
    _refused.clear()


def _not_configured(what: str) -> ProviderUnavailable:
    return ProviderUnavailable(
        NAME, "not_configured", f"Beatport is not configured here ({what}); results come from other providers"
    )


# --------------------------------------------------------------------------- the shared token


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: int
    refresh_token: str | None = None
    client_id: str | None = None

    def fresh(self) -> bool:
        return self.expires_at - REFRESH_MARGIN_SECONDS > time.time()


class TokenStore:
    """One token per sign-in identity in the cache table, sealed; plus the sign-in lease."""

    def __init__(self, identity: str) -> None:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
        self.pk = f"CAT#BEATPORT#TOKEN#{digest}"
        self._owner = uuid.uuid4().hex
        self._sealing = True

    def _table(self) -> Any:
        return table(settings().cache_table)

    def load(self) -> Token | None:
        if not self._sealing:
            return None
        from tracktion.auth import secrets

        item = self._table().get_item(Key={"pk": self.pk, "sk": "TOKEN"}).get("Item")
        if not item or int(item.get("expires_at") or 0) <= time.time():  # TTL passed, not yet deleted
            return None
        try:
            access = secrets.unseal(str(item["access_token"]), f"{self.pk}#access")
            refresh = item.get("refresh_token")
            refresh = secrets.unseal(str(refresh), f"{self.pk}#refresh") if refresh else None
        except ServiceUnavailable:
            logger.warning("stored beatport token could not be unsealed; signing in again")
            return None
        REDACTION.add(access, refresh)
        client_id = item.get("client_id")
        access_expires_at = int(item.get("access_expires_at") or item["expires_at"])
        return Token(access, access_expires_at, refresh, str(client_id) if client_id else None)

    def save(self, token: Token) -> None:
        from tracktion.auth import secrets

        try:
            item: dict[str, Any] = {
                "pk": self.pk,
                "sk": "TOKEN",
                "access_token": secrets.seal(token.access_token, f"{self.pk}#access"),
                "access_expires_at": token.expires_at,
                # The table's TTL: a refresh token outlives its access token (a quiet night must
                # not cost a full login), so the item is kept REFRESH_KEEP_SECONDS longer.
                "expires_at": token.expires_at + (REFRESH_KEEP_SECONDS if token.refresh_token else 0),
                "stored_at": int(time.time()),
            }
            if token.refresh_token:
                item["refresh_token"] = secrets.seal(token.refresh_token, f"{self.pk}#refresh")
        except ServiceUnavailable:
            # No identity secret here: the token stays in this instance only (never stored in clear).
            if self._sealing:
                logger.warning("no identity secret to seal the beatport token; it is not shared")
            self._sealing = False
            return
        if token.client_id:
            item["client_id"] = token.client_id
        self._table().put_item(Item=item)

    def acquire(self) -> bool:
        """The sign-in lease (True), or False while another instance holds an unexpired one."""
        if not self._sealing:
            return True
        from tracktion.storage.dynamodb import condition_failed

        now = time.time()
        try:
            self._table().put_item(
                Item={
                    "pk": self.pk,
                    "sk": "LEASE",
                    "owner": self._owner,
                    "expires_at": int(now + LEASE_SECONDS),
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": int(now)},
            )
        except Exception as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def release(self) -> None:
        if not self._sealing:
            return
        from tracktion.storage.dynamodb import condition_failed

        try:
            self._table().delete_item(
                Key={"pk": self.pk, "sk": "LEASE"},
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": self._owner},
            )
        except Exception as exc:
            if not condition_failed(exc):
                raise


# --------------------------------------------------------------------------- HTTP of the sign-in


def _send(
    http: httpx.Client, method: str, url: str, *, forbidden_is_refusal: bool = True, **kwargs: Any
) -> httpx.Response:
    """One sign-in request; network failures, throttling, outages and (unless the caller reads it
    itself) a 403, Beatport's refusal of datacenter addresses, become ProviderUnavailable."""
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(NAME, "unavailable", "Beatport sign-in timed out", 30) from exc
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            NAME, "unavailable", f"Beatport could not be reached to sign in ({type(exc).__name__})", 30
        ) from exc
    status = response.status_code
    if status == 429 or status >= 500:
        retry_after = response.headers.get("retry-after")
        wait = int(float(retry_after)) if retry_after and retry_after.replace(".", "", 1).isdigit() else 30
        reason = "rate_limited" if status == 429 else "unavailable"
        raise ProviderUnavailable(NAME, reason, f"Beatport sign-in answered HTTP {status}", max(1, wait))
    if status == 403 and forbidden_is_refusal:
        raise ProviderUnavailable(
            NAME, "refused", "Beatport refused access (HTTP 403); results come from other providers"
        )
    return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _token_from(answer: dict[str, Any], client_id: str | None, previous_refresh: str | None = None) -> Token:
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise ProviderUnavailable(NAME, "refused", "Beatport did not grant an access token")
    try:
        expires_in = int(answer.get("expires_in") or 3600)
    except (TypeError, ValueError):
        expires_in = 3600
    refresh = answer.get("refresh_token")
    refresh = refresh if isinstance(refresh, str) and refresh else previous_refresh
    REDACTION.add(access, refresh)
    return Token(access, int(time.time()) + max(60, expires_in), refresh, client_id)


# --------------------------------------------------------------------------- the two modes


class _SignIn:
    """What both modes share: the in-memory token, the shared store, renewing under the lease."""

    def __init__(self, catalog: CatalogSettings) -> None:
        self.catalog = catalog
        self.base_url = catalog.beatport_base_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout(), headers={"Accept": "application/json"})
        self._token: Token | None = None
        self._store: TokenStore | None = None
        self._store_identity = ""
        self._lock = threading.Lock()

    # subclasses
    def _identity(self) -> str:
        raise NotImplementedError

    def _sign_in(self) -> Token:
        raise NotImplementedError

    def _refresh(self, token: Token) -> Token | None:
        return None

    # shared
    def _credentials(self) -> dict[str, str]:
        param = self.catalog.beatport_credentials_param
        creds = _credentials(param) if param else None
        if creds is None:
            raise _not_configured("no credentials parameter")
        return creds

    def store(self) -> TokenStore:
        identity = self._identity()
        if self._store is None or self._store_identity != identity:
            self._store, self._store_identity = TokenStore(identity), identity
            self._token = None
        return self._store

    def headers(self) -> dict[str, str]:
        with self._lock:
            store = self.store()
            token = self._token
            if token is None or not token.fresh():
                token = self._renew(store, failed=None)
            return {"Authorization": f"Bearer {token.access_token}"}

    def after_unauthorized(self) -> None:
        with self._lock:
            store = self.store()
            failed = self._token.access_token if self._token else None
            self._token = None
            self._renew(store, failed=failed)

    def _usable(self, token: Token | None, failed: str | None) -> bool:
        return token is not None and token.access_token != failed and token.fresh()

    def _renew(self, store: TokenStore, failed: str | None) -> Token:
        """Another instance's stored token when usable; else refresh or sign in, holding the lease
        (or waiting a few seconds for the instance that holds it)."""
        stored = store.load()
        if stored is not None and self._usable(stored, failed):
            self._token = stored
            return stored
        if not store.acquire():
            deadline = time.monotonic() + LEASE_SECONDS
            while time.monotonic() < deadline:
                time.sleep(LEASE_POLL_SECONDS)
                stored = store.load()
                if stored is not None and self._usable(stored, failed):
                    self._token = stored
                    return stored
                if store.acquire():
                    break
        try:
            stored = store.load() or stored
            if stored is not None and self._usable(stored, failed):
                token = stored
            else:
                base = stored or self._token
                token = (self._refresh(base) if base and base.refresh_token else None) or self._sign_in()
                store.save(token)
        finally:
            store.release()
        self._token = token
        return token


class ClientCredentials(_SignIn):
    """Partner access: client id and secret, grant_type=client_credentials."""

    def _pair(self) -> tuple[str, str]:
        creds = self._credentials()
        if not creds.get("client_id") or not creds.get("client_secret"):
            raise _not_configured("the credentials parameter lacks client_id/client_secret")
        return creds["client_id"], creds["client_secret"]

    def _identity(self) -> str:
        return f"client_credentials|{urlsplit(self.base_url).netloc}|{self._pair()[0]}"

    def _sign_in(self) -> Token:
        client_id, secret = self._pair()
        response = _send(
            self.http,
            "POST",
            f"{self.base_url}/auth/o/token/",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )
        if response.status_code in (400, 401):
            logger.warning("beatport refused the client credentials", extra={"status": response.status_code})
            raise ProviderUnavailable(
                NAME,
                "refused",
                "Beatport refused the configured client credentials; results come from other providers",
            )
        if response.status_code >= 300:
            raise ProviderUnavailable(
                NAME, "error", f"Beatport token endpoint answered HTTP {response.status_code}"
            )
        logger.info("beatport access token granted", extra={"mode": "client_credentials"})
        return _token_from(_json(response), client_id)


_client_ids: dict[str, str] = {}
_refused: dict[str, float] = {}


class AccountLogin(_SignIn):
    """A Beatport account: the docs page's public client id, login, authorization code, tokens."""

    def _account(self) -> tuple[str, str]:
        creds = self._credentials()
        if not creds.get("username") or not creds.get("password"):
            raise _not_configured("the credentials parameter lacks username/password")
        return creds["username"], creds["password"]

    def _identity(self) -> str:
        return f"account|{urlsplit(self.base_url).netloc}|{self._account()[0].casefold()}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/auth/o/post-message/"

    # -- the client id
    def client_id(self) -> str:
        given = self.catalog.beatport_client_id or self._credentials().get("client_id")
        if given:
            return given
        if self.base_url not in _client_ids:
            _client_ids[self.base_url] = self._scrape_client_id()
        return _client_ids[self.base_url]

    def _page(self, url: str) -> str:
        """A page's text, at most MAX_PAGE_BYTES of it; "" for anything but a 200."""
        try:
            with self.http.stream("GET", url, follow_redirects=False) as response:
                if response.status_code != 200:
                    return ""
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) >= MAX_PAGE_BYTES:
                        break
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                NAME, "unavailable", f"Beatport's API docs page could not be read ({type(exc).__name__})", 30
            ) from exc
        return body[:MAX_PAGE_BYTES].decode("utf-8", "replace")

    def _scrape_client_id(self) -> str:
        """API_CLIENT_ID from the docs page or one of its scripts (Beatport's own hosts only)."""
        docs = f"{self.base_url}/docs/"
        html = self._page(docs)
        found = client_id_in(html)
        for url in script_urls(html, docs) if found is None else []:
            found = client_id_in(self._page(url))
            if found:
                break
        if found:
            return found
        raise ProviderUnavailable(
            NAME,
            "client_id_unavailable",
            "Beatport's API docs page did not name its client id; set BEATPORT_CLIENT_ID",
            300,
        )

    # -- sign in
    def _sign_in(self) -> Token:
        username, password = self._account()
        attempt = hashlib.sha256(f"{self.base_url}|{username}|{password}".encode()).hexdigest()
        if _refused.get(attempt, 0) > time.monotonic():
            raise self._login_refused()
        client_id = self.client_id()
        with httpx.Client(timeout=timeout(), headers={"Accept": "application/json"}) as session:
            response = _send(
                session,
                "POST",
                f"{self.base_url}/auth/login/",
                json={"username": username, "password": password},
                forbidden_is_refusal=False,
            )
            if response.status_code in (400, 401, 403):
                _refused[attempt] = time.monotonic() + LOGIN_REFUSED_SECONDS
                logger.warning("beatport refused the account login", extra={"status": response.status_code})
                raise self._login_refused()
            if response.status_code >= 300 or not session.cookies.get("sessionid"):
                raise ProviderUnavailable(
                    NAME, "error", f"Beatport login answered HTTP {response.status_code} without a session"
                )
            REDACTION.add(session.cookies.get("sessionid"))
            response = _send(
                session,
                "GET",
                f"{self.base_url}/auth/o/authorize/",
                params={"response_type": "code", "client_id": client_id, "redirect_uri": self.redirect_uri},
                follow_redirects=False,
            )
            location = response.headers.get("location", "")
            code = (parse_qs(urlsplit(location).query).get("code") or [""])[0]
            if response.status_code not in (301, 302, 303, 307) or not code:
                raise ProviderUnavailable(
                    NAME,
                    "refused",
                    f"Beatport did not authorize the docs client (HTTP {response.status_code})",
                )
            REDACTION.add(code)
            response = _send(
                session,
                "POST",
                f"{self.base_url}/auth/o/token/",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": client_id,
                    "redirect_uri": self.redirect_uri,
                },
            )
            if response.status_code != 200:
                raise ProviderUnavailable(
                    NAME, "refused", f"Beatport refused the authorization code (HTTP {response.status_code})"
                )
        logger.info("beatport account signed in", extra={"mode": "account"})
        return _token_from(_json(response), client_id)

    def _login_refused(self) -> ProviderUnavailable:
        return ProviderUnavailable(
            NAME,
            "login_refused",
            "Beatport refused the configured account's username or password; "
            "results come from other providers until the operator corrects it",
        )

    def _refresh(self, token: Token) -> Token | None:
        """A renewed token, or None when Beatport refuses the refresh token (sign in again)."""
        client_id = token.client_id or self.client_id()
        response = _send(
            self.http,
            "POST",
            f"{self.base_url}/auth/o/token/",
            data={
                "grant_type": "refresh_token",
                "refresh_token": token.refresh_token,
                "client_id": client_id,
            },
        )
        if response.status_code != 200:
            logger.info(
                "beatport refused the refresh token; signing in again", extra={"status": response.status_code}
            )
            return None
        logger.info("beatport access token refreshed", extra={"mode": "account"})
        return _token_from(_json(response), client_id, token.refresh_token)
