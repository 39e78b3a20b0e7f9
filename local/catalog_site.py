"""A local Beatport API v4 (with its OAuth endpoints) and MusicBrainz WS/2 from recorded answers.

`make run` starts one beside the local 1001tracklists and points every function at it
(BEATPORT_BASE_URL = <url>/v4, MUSICBRAINZ_BASE_URL = <url>/ws/2, the Beatport account in the
local SSM), so catalog routes and matching answer real-looking data on a fresh clone with no
Beatport account and no network. The tests start it in-process (`CatalogSite`, a context
manager) or talk to a runtime's one over its control routes.

What it answers (docs/catalog.md has the table):
- recorded answers, byte for byte: ../shared/fixtures/beatport and ../shared/fixtures/musicbrainz
  (TRACKTION_SHARED_FIXTURES) when present, else our hand-written ones in tests/fixtures/catalog
  (same shapes, invented data) - `real` says which;
- where nothing was recorded (details of items seen only inside lists, search for releases,
  artists and labels, searches for other words, top lists, filters), answers in Beatport's
  documented envelope (`count/next/previous/page "N/M"/per_page/results`, search items under
  the type's key plus `order`) built from the recorded items (`Index`);
- Beatport's quirks: `next` without a scheme, `page` as "N/M", a 301 to the slashed path,
  `{"detail": "Not found."}`, 401 without a valid bearer;
- the account login as open-source clients see it: GET /v4/docs/ (a script naming
  API_CLIENT_ID), POST /v4/auth/login/ (a `sessionid` cookie), GET /v4/auth/o/authorize/ (302 to
  the redirect URI with `?code=`), POST /v4/auth/o/token/ (authorization_code, refresh_token,
  and client_credentials for partner clients; the password grant is refused);
- MusicBrainz refuses (403) a request without a User-Agent naming its client.

Tests drive it in-process (`fail`, `revoke_tokens`, `requests`, `token_ttl`, ...) or over HTTP:
GET /_stand-in/requests (the request log, each with its `time`), GET /_stand-in/state,
POST /_stand-in/fail {"prefix", "status", "times", "retry_after"}, POST /_stand-in/revoke
{"refresh": true|false}, POST /_stand-in/reset.

Adding a route: decorate a function `(site, request) -> Answer` with
`@route("GET", "/v4/catalog/things/{id}/")`; routes are tried in the order they were added and
`{name}` matches one path segment (`request.params["name"]`).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("TRACKTION_SHARED_FIXTURES", ROOT.parent / "shared" / "fixtures"))
OWN = ROOT / "tests" / "fixtures" / "catalog"

# Partner client credentials (grant_type=client_credentials) the stand-in grants.
CLIENT_ID = "tracktion-test-client"
CLIENT_SECRET = "not-a-real-secret"  # noqa: S105 - the stand-in's own, not a secret
# The Beatport account the stand-in knows, and the public client id its docs page names.
ACCOUNT_USERNAME = "local-dj"
ACCOUNT_PASSWORD = "local-dj-password"  # noqa: S105 - the stand-in's own, not a secret
DOCS_CLIENT_ID = "StandInDocsClient0000000000000000000000"
DOCS_SCRIPT = "/v4/static/docs/swagger-ui-init.js"
REDIRECT_PATH = "/v4/auth/o/post-message/"
SCOPE = "app:docs user:dj"
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_BODY = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass
class Answer:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Handler = Callable[["CatalogSite", Request], Answer]


@dataclass
class Route:
    method: str
    pattern: str
    handler: Handler
    regex: re.Pattern[str]


ROUTES: list[Route] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register `handler` for `method` and a path pattern (`{name}` is one path segment)."""
    regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern)) + "$")

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, pattern, handler, regex))
        return handler

    return register


def not_found() -> Answer:
    return Answer(404, {"detail": "Not found."})


# --------------------------------------------------------------------------- recorded items


def _is_track(obj: dict[str, Any]) -> bool:
    return "bpm" in obj and "mix_name" in obj and "release" in obj


class Index:
    """Every track, release, artist, label and genre seen in the recorded answers, by id; the
    fullest object wins (a detail answer over the small object a list item nests)."""

    KINDS = ("tracks", "releases", "artists", "labels", "genres", "charts")

    def __init__(self, documents: Iterable[Any]) -> None:
        self.items: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in self.KINDS}
        for document in documents:
            self._walk(document, None)

    def _keep(self, kind: str, obj: dict[str, Any]) -> None:
        ident = obj.get("id")
        if not isinstance(ident, int):
            return
        known = self.items[kind].get(ident)
        if known is None or len(obj) > len(known):
            self.items[kind][ident] = obj

    def _walk(self, value: Any, key: str | None) -> None:
        if isinstance(value, list):
            for entry in value:
                self._walk(entry, key)
            return
        if not isinstance(value, dict):
            return
        if _is_track(value):
            self._keep("tracks", value)
        elif key in ("release",) or (
            key in ("results", None) and "catalog_number" in value and "upc" in value
        ):
            self._keep("releases", value)
        elif key in ("artists", "remixers", "artist") or (key is None and "dj_association" in value):
            self._keep("artists", value)
        elif key == "label" or (key is None and "default_pre_order_weeks" in value):
            self._keep("labels", value)
        elif key in ("genre", "genres") or (
            key in (None, "results") and "sub_genres" in value and "track_count" not in value
        ):
            self._keep("genres", value)
        elif key is None and "track_count" in value and "person" in value:
            self._keep("charts", value)
        for child_key, child in value.items():
            if child_key in (
                "release",
                "artists",
                "remixers",
                "artist",
                "label",
                "genre",
                "results",
                "tracks",
            ):
                self._walk(child, child_key)
            elif child_key == "genres" and isinstance(child, list):
                self._walk(child, "genres")

    def get(self, kind: str, ident: int) -> dict[str, Any] | None:
        return self.items[kind].get(ident)

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [self.items[kind][k] for k in sorted(self.items[kind])]

    def tracks_where(self, test: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        return [t for t in self.all("tracks") if test(t)]


def _text(obj: dict[str, Any]) -> str:
    """What a search matches: names of the item and of what it names."""
    parts = [str(obj.get("name") or ""), str(obj.get("mix_name") or ""), str(obj.get("catalog_number") or "")]
    for key in ("artists", "remixers"):
        parts += [str(a.get("name") or "") for a in obj.get(key) or [] if isinstance(a, dict)]
    release = obj.get("release") or {}
    label = obj.get("label") or release.get("label") or {}
    parts += [str(release.get("name") or ""), str(label.get("name") or "")]
    parts += [str((obj.get("genre") or {}).get("name") or "")]
    return " ".join(parts).casefold()


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"\W+", text.casefold()) if w]


def _matches(obj: dict[str, Any], query: str) -> bool:
    words = _words(query)
    haystack = set(_words(_text(obj)))
    return bool(words) and all(w in haystack for w in words)


def _ident(value: str | int | None) -> int | None:
    """A path or query id as an int (None when it is not one)."""
    if isinstance(value, int):
        return value
    return int(value) if value and value.isdigit() and len(value) < 12 else None


# --------------------------------------------------------------------------- the site


class CatalogSite:
    """The stand-in's state and answers; `start()`/`shutdown()` (or `with`) run its HTTP server."""

    def __init__(
        self,
        *,
        real: bool | None = None,
        token_ttl: int = 36000,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        shared = SHARED_FIXTURES / "beatport" / "catalog_search_tracks.json"
        self.real = shared.exists() if real is None else real
        self.token_ttl = token_ttl
        self.refuse_beatport = False
        self.requests: list[dict[str, Any]] = []
        self.tokens_granted = 0
        self.logins = 0
        self.refreshes = 0
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> client id
        self.sessions: set[str] = set()
        self.codes: dict[str, str] = {}  # authorization code -> client id
        self._failures: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._documents: dict[str, Any] = {}
        self.index = Index(self._load(name) for name in self._recorded_names())
        self._httpd = ThreadingHTTPServer((host, port), _http_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="catalog-site", daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> CatalogSite:
        self._thread.start()
        return self

    def shutdown(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for a serve_forever that never ran otherwise
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> CatalogSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}"

    @property
    def beatport_url(self) -> str:
        return f"{self.url}/v4"

    @property
    def musicbrainz_url(self) -> str:
        return f"{self.url}/ws/2"

    # ------------------------------------------------------------------ what tests drive
    def fail(self, prefix: str, status: int, times: int = 1, retry_after: str | None = "0") -> None:
        """Answer the next `times` requests whose path starts with `prefix` with `status`
        (429 and 5xx carry `Retry-After: retry_after` unless it is None)."""
        with self._lock:
            self._failures.append(
                {"prefix": prefix, "status": status, "left": times, "retry_after": retry_after}
            )

    def revoke_tokens(self, refresh: bool = False) -> None:
        """Every access token answers 401 from now on; with `refresh`, refresh tokens and login
        sessions are revoked too (only a new login gets a token)."""
        with self._lock:
            self.valid_tokens.clear()
            if refresh:
                self.refresh_tokens.clear()
                self.sessions.clear()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self.refuse_beatport = False

    def paths(self, prefix: str = "") -> list[str]:
        return [r["path"] for r in list(self.requests) if r["path"].startswith(prefix)]

    def state(self) -> dict[str, Any]:
        return {
            "real": self.real,
            "token_ttl": self.token_ttl,
            "tokens_granted": self.tokens_granted,
            "logins": self.logins,
            "refreshes": self.refreshes,
            "requests": len(self.requests),
            "beatport_url": self.beatport_url,
            "musicbrainz_url": self.musicbrainz_url,
        }

    # ------------------------------------------------------------------ recorded files
    def _recorded_names(self) -> list[str]:
        folder = SHARED_FIXTURES / "beatport" if self.real else OWN / "beatport"
        return sorted(
            p.name
            for p in folder.glob("catalog_*.json")
            if not p.name.endswith("response_headers.json") and not p.name.startswith("DERIVED")
        )

    def beatport_file(self, name: str) -> Path | None:
        if self.real and (SHARED_FIXTURES / "beatport" / name).exists():
            return SHARED_FIXTURES / "beatport" / name
        own = OWN / "beatport" / name
        return own if own.exists() else None

    def musicbrainz_file(self) -> Path:
        real = SHARED_FIXTURES / "musicbrainz" / "recording_search.json"
        return real if self.real and real.exists() else OWN / "musicbrainz" / "recording_search.json"

    def _load(self, name: str) -> Any:
        if name not in self._documents:
            path = self.beatport_file(name)
            self._documents[name] = json.loads(path.read_text(encoding="utf-8")) if path else None
        return self._documents[name]

    def recorded(self, name: str) -> Any:
        """A recorded answer (a fresh copy: handlers may change it)."""
        document = self._load(name)
        return json.loads(json.dumps(document)) if document is not None else None

    # ------------------------------------------------------------------ envelopes
    def envelope(
        self, request: Request, items: list[dict[str, Any]], *, key: str = "results", limit: int | None = None
    ) -> dict[str, Any]:
        """Beatport's list envelope over `items`, paged by the request's page/per_page (per_page
        clamped to 100 as Beatport does); `next`/`previous` without a scheme, as recorded."""
        if limit is not None:
            items = items[:limit]
        per_page = max(1, min(MAX_PER_PAGE, _ident(request.query.get("per_page")) or DEFAULT_PER_PAGE))
        page = max(1, _ident(request.query.get("page")) or 1)
        pages = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(number: int) -> str | None:
            if number < 1 or number > pages:
                return None
            query = {**request.query, "page": str(number), "per_page": str(per_page)}
            return f"api.beatport.com{request.path}?{urlencode(query)}"

        body: dict[str, Any] = {key: chunk}
        if key != "results":
            body["order"] = [key]
        body.update(
            {
                "next": link(page + 1),
                "previous": link(page - 1),
                "count": len(items),
                "page": f"{page}/{pages}",
                "per_page": per_page,
            }
        )
        return body

    # ------------------------------------------------------------------ answering
    def _take_failure(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            for failure in self._failures:
                if path.startswith(failure["prefix"]) and failure["left"] > 0:
                    failure["left"] -= 1
                    return failure
        return None

    def answer(self, request: Request) -> Answer:
        if request.path.startswith("/_stand-in/"):
            return _control(self, request)
        with self._lock:
            self.requests.append(
                {
                    "time": time.time(),
                    "method": request.method,
                    "path": request.path,
                    "query": request.query,
                    "headers": request.headers,
                }
            )
        failure = self._take_failure(request.path)
        if failure is not None:
            extra = {"Retry-After": failure["retry_after"]} if failure["retry_after"] is not None else {}
            return Answer(failure["status"], {"detail": "Request was throttled."}, extra)
        if request.path.startswith("/v4/") and self.refuse_beatport:
            return Answer(403, {"detail": "You do not have permission to perform this action."})
        for candidate in ROUTES:
            if candidate.method != request.method:
                continue
            found = candidate.regex.match(request.path)
            if found:
                request.params = found.groupdict()
                if candidate.pattern.startswith("/v4/catalog/") and not self._authorized(request):
                    return Answer(401, {"detail": "Authentication credentials were not provided."})
                return candidate.handler(self, request)
        if request.path.startswith("/v4/") and not request.path.endswith("/"):
            query = f"?{urlencode(request.query)}" if request.query else ""
            return Answer(301, {"detail": "Moved Permanently"}, {"Location": f"{request.path}/{query}"})
        return not_found()

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in self.valid_tokens

    def grant(self, client_id: str, *, refresh: bool) -> dict[str, Any]:
        with self._lock:
            self.tokens_granted += 1
            token = f"tok-{self.tokens_granted}-{secrets.token_hex(8)}"
            self.valid_tokens.add(token)
            answer: dict[str, Any] = {
                "access_token": token,
                "expires_in": self.token_ttl,
                "token_type": "Bearer",
                "scope": SCOPE,
            }
            if refresh:
                refresh_token = f"ref-{self.tokens_granted}-{secrets.token_hex(8)}"
                self.refresh_tokens[refresh_token] = client_id
                answer["refresh_token"] = refresh_token
        return answer


def _control(site: CatalogSite, request: Request) -> Answer:
    """The routes tests use to drive a stand-in running in another process."""
    name = request.path[len("/_stand-in/") :].strip("/")
    if request.method == "GET" and name == "requests":
        since = float(request.query.get("since") or 0)
        return Answer(200, {"requests": [r for r in list(site.requests) if r["time"] >= since]})
    if request.method == "GET" and name == "state":
        return Answer(200, site.state())
    if request.method == "POST" and name == "fail":
        body = request.json()
        retry_after = body.get("retry_after", "0")
        site.fail(
            str(body.get("prefix") or "/v4/"),
            int(body.get("status") or 503),
            int(body.get("times") or 1),
            None if retry_after is None else str(retry_after),
        )
        return Answer(200, {"ok": True})
    if request.method == "POST" and name == "revoke":
        site.revoke_tokens(refresh=bool(request.json().get("refresh")))
        return Answer(200, {"ok": True})
    if request.method == "POST" and name == "reset":
        site.reset()
        return Answer(200, {"ok": True})
    return not_found()


# --------------------------------------------------------------------------- Beatport OAuth


@route("GET", "/v4/docs/")
def docs_page(site: CatalogSite, request: Request) -> Answer:
    page = (
        "<!DOCTYPE html><html><head><title>Beatport API v4 (local stand-in)</title></head><body>"
        '<div id="swagger-ui"></div>'
        '<script src="/v4/static/docs/swagger-ui-bundle.js"></script>'
        f'<script src="{DOCS_SCRIPT}"></script></body></html>'
    )
    return Answer(200, page, content_type="text/html; charset=utf-8")


@route("GET", "/v4/static/docs/{name}")
def docs_script(site: CatalogSite, request: Request) -> Answer:
    if request.path == DOCS_SCRIPT:
        script = (
            "window.onload = function () {\n  const ui = SwaggerUIBundle({ url: '/v4/docs/schema/' });\n"
            f"  ui.initOAuth({{ API_CLIENT_ID: '{DOCS_CLIENT_ID}', usePkce: false }});\n}};\n"
        )
        return Answer(200, script, content_type="application/javascript")
    return Answer(200, "/* swagger-ui bundle */", content_type="application/javascript")


@route("POST", "/v4/auth/login/")
def login(site: CatalogSite, request: Request) -> Answer:
    body = request.json()
    if (body.get("username"), body.get("password")) != (ACCOUNT_USERNAME, ACCOUNT_PASSWORD):
        return Answer(401, {"detail": "Invalid username or password."})
    session = secrets.token_hex(16)
    with site._lock:
        site.sessions.add(session)
        site.logins += 1
    return Answer(
        200,
        {"username": ACCOUNT_USERNAME, "email": f"{ACCOUNT_USERNAME}@stand-in.invalid"},
        {"Set-Cookie": f"sessionid={session}; HttpOnly; Path=/; SameSite=Lax"},
    )


@route("GET", "/v4/auth/o/authorize/")
def authorize(site: CatalogSite, request: Request) -> Answer:
    query = request.query
    if query.get("client_id") != DOCS_CLIENT_ID or query.get("response_type") != "code":
        return Answer(400, {"error": "invalid_client"})
    redirect = query.get("redirect_uri") or ""
    if urlsplit(redirect).path != REDIRECT_PATH:
        return Answer(400, {"error": "invalid_request", "error_description": "Mismatching redirect URI."})
    if request.cookie("sessionid") not in site.sessions:
        return Answer(302, "", {"Location": f"/v4/auth/login/?next={request.path}"})
    code = secrets.token_hex(12)
    with site._lock:
        site.codes[code] = DOCS_CLIENT_ID
    return Answer(302, "", {"Location": f"{redirect}?code={code}"})


@route("POST", "/v4/auth/o/token/")
def token(site: CatalogSite, request: Request) -> Answer:
    form = request.form()
    grant = form.get("grant_type")
    if grant == "client_credentials":
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Answer(401, {"error": "invalid_client"})
        # Our written answer of a partner grant (tests/fixtures/catalog), a fresh token in it.
        shape = json.loads((OWN / "beatport" / "auth_token.json").read_text(encoding="utf-8"))
        return Answer(200, {**shape, **site.grant(CLIENT_ID, refresh=False), "scope": shape["scope"]})
    if grant == "authorization_code":
        with site._lock:
            client = site.codes.pop(form.get("code") or "", None)
        if client is None or client != form.get("client_id"):
            return Answer(400, {"error": "invalid_grant"})
        if urlsplit(form.get("redirect_uri") or "").path != REDIRECT_PATH:
            return Answer(400, {"error": "invalid_request", "error_description": "Mismatching redirect URI."})
        return Answer(200, site.grant(client, refresh=True))
    if grant == "refresh_token":
        with site._lock:
            client = site.refresh_tokens.pop(form.get("refresh_token") or "", None)
        if client is None or client != form.get("client_id"):
            return Answer(400, {"error": "invalid_grant"})
        with site._lock:
            site.refreshes += 1
        return Answer(200, site.grant(client, refresh=True))
    if grant == "password":
        return Answer(400, {"error": "unauthorized_client"})
    return Answer(400, {"error": "unsupported_grant_type"})


# --------------------------------------------------------------------------- Beatport catalog


def _detail(kind: str, recorded_name: str) -> Handler:
    def handler(site: CatalogSite, request: Request) -> Answer:
        ident = _ident(request.params.get("id"))
        if ident is None:
            return not_found()
        recorded = site.recorded(recorded_name)
        if isinstance(recorded, dict) and recorded.get("id") == ident:
            return Answer(200, recorded)
        item = site.index.get(kind, ident)
        return Answer(200, item) if item is not None else not_found()

    return handler


for _kind, _name in (
    ("tracks", "catalog_track_detail.json"),
    ("releases", "catalog_release_detail.json"),
    ("artists", "catalog_artist_detail.json"),
    ("labels", "catalog_label_detail.json"),
    ("genres", "catalog_genre_detail.json"),
    ("charts", "catalog_chart_detail.json"),
):
    route("GET", f"/v4/catalog/{_kind}/{{id}}/")(_detail(_kind, _name))


def _recorded_list(site: CatalogSite, request: Request, name: str, ident: int | None) -> Any:
    """A recorded list when it answers this very request: the id it was recorded for (seen in its
    `next` link or its first item) and its first page."""
    recorded = site.recorded(name)
    if ident is None or not isinstance(recorded, dict) or (_ident(request.query.get("page")) or 1) != 1:
        return None
    link = str(recorded.get("next") or "")
    first = (recorded.get("results") or [{}])[0]
    if f"/{ident}/" in link or f"={ident}&" in link or ident in _ids_of(first):
        return recorded
    return None


def _ids_of(item: dict[str, Any]) -> set[int]:
    ids = {a.get("id") for a in item.get("artists") or [] if isinstance(a, dict)}
    release = item.get("release") or {}
    ids |= {release.get("id"), (release.get("label") or {}).get("id"), (item.get("label") or {}).get("id")}
    return {i for i in ids if isinstance(i, int)}


@route("GET", "/v4/catalog/search/")
def search(site: CatalogSite, request: Request) -> Answer:
    kind = request.query.get("type") or "tracks"
    if kind not in ("tracks", "releases", "artists", "labels"):
        return Answer(400, {"type": [f'"{kind}" is not a valid choice.']})
    query = request.query.get("q", "")
    page = _ident(request.query.get("page")) or 1
    if kind == "tracks":
        recorded = site.recorded("catalog_search_tracks.json")
        if recorded is not None and page == 1:
            words = {w for t in recorded["tracks"] for w in _words(t["name"] + " " + t["artists"][0]["name"])}
            if any(w in words for w in _words(query)):
                return Answer(200, recorded)
    genre, label = _ident(request.query.get("genre_id")), _ident(request.query.get("label_id"))
    # No words but a filter lists what the filter holds (search_releases(query="", label_id=...)).
    listing = not _words(query) and (genre is not None or label is not None)
    items = [i for i in site.index.all(kind) if listing or _matches(i, query)]
    if genre is not None:
        items = [i for i in items if (i.get("genre") or {}).get("id") == genre]
    if label is not None:
        items = [i for i in items if label in _ids_of(i) or (i.get("id") == label and kind == "labels")]
    return Answer(200, site.envelope(request, items, key=kind))


_TRACK_FILTERS: dict[str, Callable[[dict[str, Any], int | None], bool]] = {
    "label_id": lambda t, v: ((t.get("release") or {}).get("label") or {}).get("id") == v,
    "artist_id": lambda t, v: v in {a.get("id") for a in t.get("artists") or []},
    "genre_id": lambda t, v: (t.get("genre") or {}).get("id") == v,
    "release_id": lambda t, v: (t.get("release") or {}).get("id") == v,
}


@route("GET", "/v4/catalog/tracks/")
def tracks(site: CatalogSite, request: Request) -> Answer:
    query = request.query
    if query.get("isrc"):
        recorded = site.recorded("catalog_tracks_filter_by_isrc.response_body.json")
        if recorded is not None and query["isrc"] == "GBDUW0000058":
            return Answer(200, recorded)
        items = site.index.tracks_where(lambda t: t.get("isrc") == query["isrc"])
        return Answer(200, site.envelope(request, items))
    if set(query) <= {"label_id", "page", "per_page"}:
        recorded = _recorded_list(
            site, request, "catalog_tracks_by_label_id.json", _ident(query.get("label_id"))
        )
        if recorded is not None:
            return Answer(200, recorded)
    wanted = {name: _ident(query.get(name)) for name in _TRACK_FILTERS if query.get(name)}
    hype = query.get("is_hype") in ("true", "True", "1")

    def keep(track: dict[str, Any]) -> bool:
        if hype and not track.get("is_hype"):
            return False
        return all(_TRACK_FILTERS[name](track, value) for name, value in wanted.items())

    items = site.index.tracks_where(keep)
    return Answer(200, site.envelope(request, items))


@route("GET", "/v4/catalog/genres/")
def genres(site: CatalogSite, request: Request) -> Answer:
    recorded = site.recorded("catalog_genres_list.json")
    if recorded is not None and (_ident(request.query.get("page")) or 1) == 1:
        return Answer(200, recorded)
    return Answer(200, site.envelope(request, site.index.all("genres")))


@route("GET", "/v4/catalog/genres/{id}/tracks/")
def genre_tracks(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    page = _ident(request.query.get("page")) or 1
    recorded = site.recorded("catalog_genre_tracks.json")
    if recorded is not None and f"/genres/{ident}/" in str(recorded.get("next") or ""):
        if page == 1:
            return Answer(200, recorded)
        if page == 2:  # our page 2 follows the recorded page 1 (it links to one)
            own = OWN / "beatport" / "catalog_genre_tracks_page2.json"
            return Answer(200, json.loads(own.read_text(encoding="utf-8")))
    items = site.index.tracks_where(lambda t: (t.get("genre") or {}).get("id") == ident)
    return Answer(200, site.envelope(request, items))


def _top(site: CatalogSite, request: Request, test: Callable[[dict[str, Any]], bool], kind: str) -> Answer:
    number = _ident(request.params.get("num"))
    if number is None or not 1 <= number <= 100:
        return not_found()
    if kind == "releases":
        items = [r for r in site.index.all("releases") if test(r)]
    else:
        items = site.index.tracks_where(test)
    return Answer(200, site.envelope(request, items, limit=number))


def _genre_of(value: Any) -> Callable[[dict[str, Any]], bool]:
    ident = _ident(value)
    return lambda t: (t.get("genre") or {}).get("id") == ident


@route("GET", "/v4/catalog/genres/{id}/top/{num}/")
def genre_top(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    if request.query.get("type") == "release":
        tracks_of = {(t.get("release") or {}).get("id") for t in site.index.tracks_where(_genre_of(ident))}
        return _top(site, request, lambda r: r.get("id") in tracks_of, "releases")
    return _top(site, request, _genre_of(ident), "tracks")


@route("GET", "/v4/catalog/tracks/top/{num}/")
def tracks_top(site: CatalogSite, request: Request) -> Answer:
    return _top(site, request, lambda t: True, "tracks")


@route("GET", "/v4/catalog/releases/top/{num}/")
def releases_top(site: CatalogSite, request: Request) -> Answer:
    return _top(site, request, lambda r: True, "releases")


@route("GET", "/v4/catalog/artists/{id}/top/{num}/")
def artist_top(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    return _top(site, request, lambda t: ident in {a.get("id") for a in t.get("artists") or []}, "tracks")


@route("GET", "/v4/catalog/labels/{id}/top/{num}/")
def label_top(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    return _top(
        site, request, lambda t: ((t.get("release") or {}).get("label") or {}).get("id") == ident, "tracks"
    )


@route("GET", "/v4/catalog/charts/{id}/tracks/")
def chart_tracks(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    page = _ident(request.query.get("page")) or 1
    chart = site.recorded("catalog_chart_detail.json")
    recorded = site.recorded("catalog_chart_tracks.json")
    if recorded is not None and chart is not None and chart.get("id") == ident and page == 1:
        return Answer(200, recorded)
    if page > 1 and recorded is not None and (chart is None or chart.get("id") == ident):
        own = OWN / "beatport" / "catalog_genre_tracks_page2.json"
        return Answer(200, json.loads(own.read_text(encoding="utf-8")))
    if site.index.get("charts", ident or -1) is None:
        return not_found()
    return Answer(200, site.envelope(request, []))


@route("GET", "/v4/catalog/releases/{id}/tracks/")
def release_tracks(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    recorded = _recorded_list(site, request, "catalog_release_tracks.json", ident)
    if recorded is not None:
        return Answer(200, recorded)
    if site.index.get("releases", ident or -1) is None:
        return not_found()
    return Answer(
        200,
        site.envelope(
            request, site.index.tracks_where(lambda t: (t.get("release") or {}).get("id") == ident)
        ),
    )


@route("GET", "/v4/catalog/artists/{id}/tracks/")
def artist_tracks(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    recorded = _recorded_list(site, request, "catalog_artist_tracks.json", ident)
    if recorded is not None:
        return Answer(200, recorded)
    if site.index.get("artists", ident or -1) is None:
        return not_found()
    items = site.index.tracks_where(lambda t: ident in {a.get("id") for a in t.get("artists") or []})
    return Answer(200, site.envelope(request, items))


@route("GET", "/v4/catalog/labels/{id}/releases/")
def label_releases(site: CatalogSite, request: Request) -> Answer:
    ident = _ident(request.params["id"])
    recorded = _recorded_list(site, request, "catalog_label_releases.json", ident)
    if recorded is not None:
        return Answer(200, recorded)
    if site.index.get("labels", ident or -1) is None:
        return not_found()
    items = [r for r in site.index.all("releases") if (r.get("label") or {}).get("id") == ident]
    return Answer(200, site.envelope(request, items))


# --------------------------------------------------------------------------- MusicBrainz


@route("GET", "/ws/2/recording")
@route("GET", "/ws/2/recording/")
def musicbrainz_recording(site: CatalogSite, request: Request) -> Answer:
    agent = request.headers.get("user-agent", "")
    if not agent or agent.startswith("python-httpx"):
        return Answer(403, {"error": "Your requests are being blocked: provide a meaningful User-Agent"})
    return Answer(200, json.loads(site.musicbrainz_file().read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- HTTP


def _http_handler(site: CatalogSite) -> type[BaseHTTPRequestHandler]:
    class HTTPHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "tracktion-catalog-stand-in/1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            length = min(int(headers.get("content-length") or 0), MAX_BODY)
            request = Request(
                method=method,
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                headers=headers,
                body=self.rfile.read(length),
            )
            try:
                answer = site.answer(request)
            except Exception as exc:  # a stand-in bug must show, not hang the client
                answer = Answer(500, {"detail": f"stand-in error: {exc!r}"})
            if isinstance(answer.payload, str):
                raw = answer.payload.encode()
            else:
                raw = json.dumps(answer.payload).encode() if answer.payload is not None else b""
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(raw)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return HTTPHandler


def start_catalog_site(host: str = "127.0.0.1", port: int = 0) -> CatalogSite:
    """A running stand-in in a background thread; stop it with `.shutdown()`."""
    return CatalogSite(host=host, port=port).start()


def main() -> None:
    """`python -m local.catalog_site`: one stand-in on its own; prints its URL."""
    site = start_catalog_site()
    print(site.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.shutdown()


if __name__ == "__main__":
    main()
