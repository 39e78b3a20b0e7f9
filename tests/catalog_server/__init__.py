"""A local Beatport v4 + MusicBrainz WS/2 that answers with recorded responses.

The provider code under test is the real httpx code; only its base URL points here
(`server.beatport_url` = http://127.0.0.1:<port>/v4, `server.musicbrainz_url` = .../ws/2).
Answers are the real recordings in ../shared/fixtures (read in place) when present, else the
hand-written ones in tests/fixtures/catalog (same shapes, invented data).

Behaviour a test can rely on:
- POST /v4/auth/o/token/ grants `tok-<n>` for the configured client credentials (401 otherwise),
  expiring after `token_ttl` seconds; other /v4 calls need a granted, unrevoked bearer (401).
- `fail(prefix, status, times, retry_after)` answers the next `times` requests under `prefix`
  with `status`; `refuse_beatport = True` answers every /v4 request 403 (a datacenter refusal).
- MusicBrainz answers 403 without a User-Agent naming the client (as it blocks anonymous ones).
- `requests` records (method, path, query, headers) of every request.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES

OWN = OWN_FIXTURES / "catalog"
CLIENT_ID = "tracktion-test-client"
CLIENT_SECRET = "not-a-real-secret"


class CatalogServer:
    def __init__(self, *, real: bool | None = None, token_ttl: int = 36000) -> None:
        shared = SHARED_FIXTURES / "beatport" / "catalog_search_tracks.json"
        self.real = shared.exists() if real is None else real
        self.token_ttl = token_ttl
        self.refuse_beatport = False
        self.requests: list[dict[str, Any]] = []
        self.tokens_granted = 0
        self.valid_tokens: set[str] = set()
        self._failures: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> CatalogServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def beatport_url(self) -> str:
        return f"{self.url}/v4"

    @property
    def musicbrainz_url(self) -> str:
        return f"{self.url}/ws/2"

    def fail(self, prefix: str, status: int, times: int = 1, retry_after: str | None = "0") -> None:
        with self._lock:
            self._failures.append(
                {"prefix": prefix, "status": status, "left": times, "retry_after": retry_after}
            )

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def paths(self, prefix: str = "") -> list[str]:
        return [r["path"] for r in self.requests if r["path"].startswith(prefix)]

    # ------------------------------------------------------------------ fixtures
    def beatport_file(self, name: str) -> Path | None:
        if self.real and (SHARED_FIXTURES / "beatport" / name).exists():
            return SHARED_FIXTURES / "beatport" / name
        own = OWN / "beatport" / name
        return own if own.exists() else None

    def musicbrainz_file(self) -> Path:
        real = SHARED_FIXTURES / "musicbrainz" / "recording_search.json"
        return real if self.real and real.exists() else OWN / "musicbrainz" / "recording_search.json"

    def _take_failure(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            for f in self._failures:
                if path.startswith(f["prefix"]) and f["left"] > 0:
                    f["left"] -= 1
                    return f
        return None

    # ------------------------------------------------------------------ routing
    def _beatport(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes):
        if self.refuse_beatport:
            return 403, {"detail": "You do not have permission to perform this action."}
        if method == "POST" and path == "/v4/auth/o/token/":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("grant_type") != "client_credentials" or (
                form.get("client_id"),
                form.get("client_secret"),
            ) != (CLIENT_ID, CLIENT_SECRET):
                return 401, {"error": "invalid_client"}
            with self._lock:
                self.tokens_granted += 1
                token = f"tok-{self.tokens_granted}"
                self.valid_tokens.add(token)
            answer = json.loads((OWN / "beatport" / "auth_token.json").read_text())
            answer.update({"access_token": token, "expires_in": self.token_ttl})
            return 200, answer
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
            return 401, {"detail": "Authentication credentials were not provided."}
        return self._catalog(path, query)

    def _catalog(self, path: str, query: dict[str, str]):
        page = int(query.get("page") or 1)
        name: str | None = None
        empty_tracks = {"tracks": [], "order": ["tracks"], "next": None, "previous": None, "count": 0}
        if path == "/v4/catalog/search/":
            wanted = query.get("q", "").casefold()
            data = json.loads((self.beatport_file("catalog_search_tracks.json") or Path()).read_text())
            words = {
                w
                for t in data["tracks"]
                for w in (t["name"] + " " + t["artists"][0]["name"]).casefold().split()
            }
            if page > 1 or not any(w in words for w in wanted.split()):
                return 200, {
                    **empty_tracks,
                    "page": f"{page}/{page}",
                    "per_page": int(query.get("per_page", 20)),
                }
            return 200, data
        if path.startswith("/v4/catalog/tracks/") and path != "/v4/catalog/tracks/":
            detail = json.loads((self.beatport_file("catalog_track_detail.json") or Path()).read_text())
            if path == f"/v4/catalog/tracks/{detail['id']}/":
                return 200, detail
            return 404, {"detail": "Not found."}
        if path == "/v4/catalog/tracks/" and query.get("isrc"):
            name = "catalog_tracks_filter_by_isrc.response_body.json"
            file = self.beatport_file(name)
            if file and query["isrc"] == "GBDUW0000058":
                return 200, json.loads(file.read_text())
            return 200, {
                "results": [],
                "next": None,
                "previous": None,
                "count": 0,
                "page": "1/1",
                "per_page": 10,
            }
        parts = path.strip("/").split("/")  # v4 catalog genres 90 tracks
        if parts[:3] == ["v4", "catalog", "genres"]:
            if len(parts) == 3:
                name = "catalog_genres_list.json"
            elif len(parts) == 4:
                name = "catalog_genre_detail.json"
            elif parts[4] == "tracks" or parts[4:6] in (["top", "100"], ["hype", "100"]):
                # Top 100 / Hype 100 answer the same list shape as genre tracks.
                name = "catalog_genre_tracks.json" if page == 1 else "catalog_genre_tracks_page2.json"
        elif parts[:3] == ["v4", "catalog", "charts"]:
            name = "catalog_chart_detail.json" if len(parts) == 4 else "catalog_chart_tracks.json"
            if len(parts) > 4 and page > 1:
                name = "catalog_genre_tracks_page2.json"
        elif parts[:3] == ["v4", "catalog", "releases"]:
            name = "catalog_release_detail.json"
        file = self.beatport_file(name) if name else None
        if file is None:
            return 404, {"detail": "Not found."}
        if name == "catalog_genre_tracks_page2.json" and self.real:
            file = OWN / "beatport" / name
        return 200, json.loads(file.read_text())

    def _musicbrainz(self, path: str, headers: dict[str, str]):
        agent = headers.get("user-agent", "")
        if not agent or agent.startswith("python-httpx"):
            return 403, {"error": "Your requests are being blocked: provide a meaningful User-Agent"}
        if path.rstrip("/") == "/ws/2/recording":
            return 200, json.loads(self.musicbrainz_file().read_text())
        return 404, {"error": "Not Found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = self.rfile.read(int(headers.get("content-length") or 0))
                server.requests.append(
                    {"method": method, "path": parts.path, "query": query, "headers": headers}
                )
                failure = server._take_failure(parts.path)
                extra: dict[str, str] = {}
                if failure is not None:
                    status, payload = failure["status"], {"detail": "Request was throttled."}
                    if failure["retry_after"] is not None:
                        extra["Retry-After"] = failure["retry_after"]
                elif parts.path.startswith("/v4/"):
                    status, payload = server._beatport(method, parts.path, query, headers, body)
                elif parts.path.startswith("/ws/2/"):
                    status, payload = server._musicbrainz(parts.path, headers)
                else:
                    status, payload = 404, {"detail": "Not found."}
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


def serve_forever() -> None:
    """`python -m tests.catalog_server`: run one for manual or runtime use; prints its URL."""
    import time

    with CatalogServer() as server:
        print(server.url, flush=True)
        while True:
            time.sleep(3600)
