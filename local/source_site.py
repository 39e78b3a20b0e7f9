"""A local copy of www.1001tracklists.com, served from a directory of saved pages.

The local runtime and the tests point SOURCE_BASE_URL at it, so search and import work
offline against real page markup. tests/fixtures/1001tracklists/manifest.json says which
URL path serves which file, which search query answers which result pages (POST
/search/result.php with `main_search` and `page`, as the site's own search form sends), which
paths redirect where (to exercise the fetcher's redirect checks), and what an unknown path
answers (the site's "page does not exist" page, with HTTP 200 as the site does). File names
are looked up in the served directory first, then in our own fixtures, so the same manifest
serves ../shared/fixtures/1001tracklists and tests/fixtures/1001tracklists alike.

A page may have later captures (`captures`: path → {name: file}), e.g. the same tracklist
after the site's users identified an ID row. `POST /_local/capture` with `path` and `capture`
(a name, or empty for the first capture) switches what that path serves, as time passing on
the real site would; tests and `make run` users switch it the same way.

Faults, for the fault tests (tests/integration/test_faults_*.py): `POST /_local/fault` with JSON
`{"path": "/tracklist/...", "kind": "timeout" | "status" | "block" | "truncate", "times": N}`
makes the next N requests whose path starts with `path` (times -1: until cleared) hang past any
read timeout (`delay`, default 30 s), answer a 5xx (`status`, default 500), answer the site's
block page (HTTP 200), or send the page cut in the middle (a well-formed answer whose HTML stops
half-way). `GET /_local/fault` lists them with their hits, `DELETE /_local/fault` clears them
and answers what fired. `POST /_local/page` with `{"path", "html"}` serves that HTML at that path
(a tracklist of a test's own, with a page id no other test uses).
"""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
OWN_PAGES = ROOT / "tests" / "fixtures" / "1001tracklists"
MANIFEST = OWN_PAGES / "manifest.json"
FAULT_KINDS = frozenset({"timeout", "status", "block", "truncate"})
# The manifest's page whose block (a JS challenge with HTTP 200) the "block" fault answers.
BLOCK_PAGE_PATH = "/tracklist/blk0wait/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"


def normalise_query(query: str) -> str:
    folded = unicodedata.normalize("NFKD", query)
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).casefold().split())


class SourceSite:
    """What the server answers; separate from the HTTP plumbing so it is easy to reason about."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directories = [Path(directory)] + ([OWN_PAGES] if Path(directory) != OWN_PAGES else [])
        self.manifest = manifest
        self.captures: dict[str, str] = {}  # path → the capture it serves now (absent: the first)
        self.planted: dict[str, bytes] = {}  # path → HTML a test planted (POST /_local/page)
        self.faults: list[dict[str, Any]] = []  # POST /_local/fault
        self._lock = threading.Lock()

    def set_fault(self, spec: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        kind = str(spec.get("kind") or "")
        if kind not in FAULT_KINDS or not str(spec.get("path") or "").startswith("/"):
            return (
                400,
                {"Content-Type": "text/plain"},
                f"kind: one of {sorted(FAULT_KINDS)}; path: /...".encode(),
            )
        fault = {
            "path": str(spec["path"]),
            "kind": kind,
            "times": int(spec.get("times", 1)),
            "status": int(spec.get("status") or 500),
            "delay": min(float(spec.get("delay") or 30.0), 120.0),
            "hits": 0,
        }
        with self._lock:
            self.faults.append(fault)
        return 201, {"Content-Type": "application/json"}, json.dumps(fault).encode()

    def clear_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            gone = [{"path": f["path"], "kind": f["kind"], "hits": f["hits"]} for f in self.faults]
            self.faults.clear()
        return gone

    def take_fault(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            for fault in self.faults:
                if fault["times"] != 0 and path.startswith(fault["path"]):
                    fault["hits"] += 1
                    if fault["times"] > 0:
                        fault["times"] -= 1
                    return dict(fault)
        return None

    def plant(self, path: str, html: str) -> tuple[int, dict[str, str], bytes]:
        if not path.startswith("/tracklist/") or len(html) > 2 * 1024 * 1024:
            return 400, {"Content-Type": "text/plain"}, b"path: /tracklist/...; html: at most 2 MB"
        with self._lock:
            self.planted[path] = html.encode("utf-8")
        return 201, {"Content-Type": "text/plain"}, path.encode()

    def faulted(
        self, fault: dict[str, Any], answer: tuple[int, dict[str, str], bytes]
    ) -> tuple[int, dict[str, str], bytes]:
        """What `fault` makes of the answer the path would have had (timeout is the handler's)."""
        if fault["kind"] == "status":
            return fault["status"], {"Content-Type": "text/html; charset=utf-8"}, b"<h1>Server error</h1>"
        if fault["kind"] == "block":
            page = self._file(self.manifest.get("pages", {}).get(BLOCK_PAGE_PATH, ""))
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.read_bytes() if page else b""
        status, headers, body = answer
        return status, headers, body[: len(body) // 2]

    def switch_capture(self, path: str, capture: str) -> tuple[int, dict[str, str], bytes]:
        """Serve `path`'s capture named `capture` from now on ("" : its first capture again)."""
        known = self.manifest.get("captures", {}).get(path, {})
        if capture and capture not in known:
            return 404, {"Content-Type": "text/plain"}, b"no such capture"
        with self._lock:
            if capture:
                self.captures[path] = capture
            else:
                self.captures.pop(path, None)
        return 200, {"Content-Type": "text/plain"}, (capture or "first").encode()

    def _file(self, names: str | list[str]) -> Path | None:
        for name in [names] if isinstance(names, str) else names:
            for directory in self.directories:
                path = directory / name
                if path.is_file():
                    return path
        return None

    def not_found(self) -> tuple[int, dict[str, str], bytes]:
        page = self._file(self.manifest.get("not_found", []))
        body = page.read_bytes() if page else b"<h1>Sorry, that page does not exist</h1>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if path in self.planted:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.planted[path]
        redirect = self.manifest.get("redirects", {}).get(path)
        if redirect:
            return 302, {"Location": redirect}, b""
        name = self.manifest.get("pages", {}).get(path)
        capture = self.captures.get(path)
        if capture:
            name = self.manifest.get("captures", {}).get(path, {}).get(capture, name)
        page = self._file(name) if name else None
        if page is None:
            return self.not_found()
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page.read_bytes()

    def search(self, query: str, page_number: int) -> tuple[int, dict[str, str], bytes]:
        pages = self.manifest.get("search", {}).get(normalise_query(query), [])
        existing = [p for p in (self._file(name) for name in pages) if p is not None]
        if 1 <= page_number <= len(existing):
            chosen: Path | None = existing[page_number - 1]
        else:
            chosen = self._file(self.manifest.get("no_result", []))
        if chosen is None:
            return self.not_found()
        return 200, {"Content-Type": "text/html; charset=utf-8"}, chosen.read_bytes()


def _handler(site: SourceSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "tracktion-source-site/1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, answer: tuple[int, dict[str, str], bytes]) -> None:
            status, headers, body = answer
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _search_form(self, form: dict[str, list[str]]) -> None:
            query = (form.get("main_search") or [""])[0]
            page = (form.get("page") or ["1"])[0]
            self._site_answer(
                "/search/result.php", lambda: site.search(query, int(page) if page.isdigit() else 1)
            )

        def _json(self, status: int, value: Any) -> None:
            self._answer((status, {"Content-Type": "application/json"}, json.dumps(value).encode()))

        def _site_answer(self, path: str, answer: Callable[[], tuple[int, dict[str, str], bytes]]) -> None:
            fault = site.take_fault(path)
            if fault is None:
                self._answer(answer())
            elif fault["kind"] == "timeout":
                time.sleep(fault["delay"])  # the client gave up long before: answer nothing
                self.close_connection = True
            else:
                self._answer(site.faulted(fault, answer()))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/_local/fault":
                self._json(200, [dict(f) for f in site.faults])
                return
            if parts.path == "/search/result.php":
                self._search_form(parse_qs(parts.query))
                return
            self._site_answer(parts.path, lambda: site.get(parts.path))

        do_HEAD = do_GET

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path == "/_local/fault":
                self._json(200, site.clear_faults())
                return
            self._answer((405, {"Content-Type": "text/plain"}, b"method not allowed"))

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), 4 * 1024 * 1024)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            path = urlsplit(self.path).path
            if path in ("/_local/fault", "/_local/page"):
                try:
                    spec = json.loads(raw)
                    assert isinstance(spec, dict)
                except (ValueError, AssertionError):
                    self._answer((400, {"Content-Type": "text/plain"}, b"a JSON object, please"))
                    return
                if path == "/_local/fault":
                    self._answer(site.set_fault(spec))
                else:
                    self._answer(site.plant(str(spec.get("path") or ""), str(spec.get("html") or "")))
                return
            form = parse_qs(raw)
            if urlsplit(self.path).path == "/_local/capture":
                self._answer(
                    site.switch_capture((form.get("path") or [""])[0], (form.get("capture") or [""])[0])
                )
                return
            if urlsplit(self.path).path == "/search/result.php":
                self._search_form(form)
                return
            self._answer(site.get(urlsplit(self.path).path))

    return Handler


def start_source_site(
    directory: Path, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, str]:
    """Serve `directory` as the site in a background thread; returns (server, base_url).

    Stop it with `server.shutdown()`.
    """
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    server = ThreadingHTTPServer((host, port), _handler(SourceSite(Path(directory), manifest)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="source-site", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    name = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
    return server, f"http://{name}:{bound_port}"
