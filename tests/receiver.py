"""A webhook subscriber for tests: a server on 127.0.0.1 that answers the scripted statuses in
turn (then 200) and keeps every request it got.

Each request is kept as `{"headers", "body", "path"}`, `body` the raw bytes (what the signatures
cover, what a receiver verifies); `events(kind)` are the requests of one event type (every
delivery names it in X-Tracktion-Event) and `payloads(kind)` their JSON bodies.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, statuses: list[int] | None = None, path: str = "/hook") -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append(
                    {"headers": dict(self.headers.items()), "body": body, "path": self.path}
                )
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["headers"].get("X-Tracktion-Event") == kind]

    def payloads(self, kind: str) -> list[Any]:
        return [json.loads(r["body"]) for r in self.events(kind)]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
