"""`Client`: the Tracktion REST API over httpx, with auth, signing, retries and typed errors.

Answers are the API's JSON as plain dicts (the shapes in docs/openapi.json), so a new field
on the server reaches callers without an SDK release.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from tracktion_sdk.errors import ChecksumMismatch, RateLimited, SourceBlocked, TracktionError, from_response

API = "/api/v1"


def signature(secret: str, timestamp: str, method: str, target: str, body: bytes) -> str:
    """X-Signature over "{ts}.{METHOD}.{path[?query]}.{body}", as the server verifies it."""
    message = f"{timestamp}.{method.upper()}.{target}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class Client:
    """One account's view of the API: pass an API key (`X-API-Key`) or a JWT (`Bearer`)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        token: str | None = None,
        signing_secret: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_key = api_key
        self.token = token
        self.signing_secret = signing_secret
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.rate_limit: dict[str, str] = {}
        self.last_correlation_id: str | None = None
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ transport

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one call; raise `TracktionError` on an error answer.

        429 and SOURCE_BLOCKED are retried after the server's `retry_after` (up to `max_retries`
        times); when the server asks for a longer wait than `max_retry_wait` the error is raised
        at once, since calling earlier than asked would only be refused again.
        """
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        content = json.dumps(json_body).encode() if json_body is not None else None
        attempt = 0
        while True:
            response = self._http.send(self._build(method, path, query, content, headers or {}))
            self._remember(response)
            if response.is_success:
                return response
            error = from_response(
                response.status_code, _json_or_none(response), response.headers.get("Retry-After")
            )
            if attempt >= self.max_retries or not isinstance(error, RateLimited | SourceBlocked):
                raise error
            attempt += 1
            wait = float(error.retry_after if error.retry_after is not None else 2**attempt)
            if wait > self.max_retry_wait:
                raise error
            time.sleep(wait)

    def _build(
        self, method: str, path: str, query: dict[str, str], content: bytes | None, extra: dict[str, str]
    ) -> httpx.Request:
        headers = dict(extra)
        if content is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = self._http.build_request(
            method, path, params=query or None, content=content, headers=headers
        )
        if self.signing_secret:
            stamp = str(int(time.time()))
            target = request.url.raw_path.decode("ascii")  # the path plus "?query" when there is one
            request.headers["X-Timestamp"] = stamp
            request.headers["X-Signature"] = signature(
                self.signing_secret, stamp, method, target, content or b""
            )
        return request

    def _remember(self, response: httpx.Response) -> None:
        limits = {k: v for k, v in response.headers.items() if k.lower().startswith("x-ratelimit-")}
        if limits:
            self.rate_limit = limits
        self.last_correlation_id = response.headers.get("X-Correlation-ID", self.last_correlation_id)

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else {}

    # ------------------------------------------------------------------ accounts and keys

    def health(self) -> dict[str, Any]:
        return self._json("GET", "/health")

    def register(self, email: str, password: str, name: str = "") -> dict[str, Any]:
        return self._json(
            "POST", f"{API}/auth/register", json_body={"email": email, "password": password, "name": name}
        )

    def login(self, email: str, password: str) -> dict[str, Any]:
        """Exchange credentials for tokens; the client then calls with the access token."""
        tokens = self._json("POST", f"{API}/auth/token", json_body={"email": email, "password": password})
        self.token = tokens["access_token"]
        return tokens

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        tokens = self._json("POST", f"{API}/auth/refresh", json_body={"refresh_token": refresh_token})
        self.token = tokens["access_token"]
        return tokens

    def create_key(
        self, name: str, permissions: Sequence[str] = ("read", "write"), **fields: Any
    ) -> dict[str, Any]:
        """A new key; the answer holds `api_key` (and `signing_secret` if asked for) once only."""
        body = {"name": name, "permissions": list(permissions), **fields}
        return self._json("POST", f"{API}/developer/keys", json_body=body)

    def list_keys(
        self, *, include_inactive: bool = False, limit: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        """One page of keys: `{"keys": [...], "next_token": ...}`.

        The API answers the reference's top-level array; the next page's token, when a `limit`
        cut the list, comes in the `X-Next-Token` header.
        """
        params = {"include_inactive": include_inactive, "limit": limit, "next_token": next_token}
        response = self.request("GET", f"{API}/developer/keys", params=params)
        return {"keys": response.json(), "next_token": response.headers.get("X-Next-Token") or None}

    def iter_keys(self, *, include_inactive: bool = False) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = self.list_keys(include_inactive=include_inactive, limit=100, next_token=token)
            yield from page["keys"]
            token = page.get("next_token")
            if not token:
                return

    def rotate_key(self, key_id: str, overlap_seconds: int | None = None) -> dict[str, Any]:
        body = {"overlap_seconds": overlap_seconds} if overlap_seconds is not None else {}
        return self._json("POST", f"{API}/developer/keys/{key_id}/rotate", json_body=body)

    def revoke_key(self, key_id: str) -> dict[str, Any]:
        """Revoke a key; the answer says when (`revoked_at`)."""
        return self._json("DELETE", f"{API}/developer/keys/{key_id}")

    # ------------------------------------------------------------------ search and import

    def search(self, query: str, *, page: int = 1, limit: int = 20, **filters: Any) -> dict[str, Any]:
        params = {"query": query, "page": page, "limit": limit, **filters}
        return self._json("GET", f"{API}/search", params=params)

    def iter_search(self, query: str, *, limit: int = 50, **filters: Any) -> Iterator[dict[str, Any]]:
        return _pages(lambda page: self.search(query, page=page, limit=limit, **filters), "results")

    def import_url(
        self,
        url: str,
        *,
        cue_format: str | None = None,
        force_refresh: bool = False,
        async_processing: bool = False,
    ) -> dict[str, Any]:
        body = {"url": url, "force_refresh": force_refresh, "cue_format": cue_format}
        params = {"async_processing": async_processing} if async_processing else None
        return self._json("POST", f"{API}/tracklists/import/1001tracklists", json_body=body, params=params)

    def import_html(self, url: str, html: str, *, cue_format: str | None = None) -> dict[str, Any]:
        body = {"url": url, "html": html, "cue_format": cue_format}
        return self._json("POST", f"{API}/tracklists/import/html", json_body=body)

    def import_text(self, text: str, title: str, **fields: Any) -> dict[str, Any]:
        return self._json(
            "POST", f"{API}/tracklists/import/text", json_body={"text": text, "title": title, **fields}
        )

    def import_status(self, correlation_id: str) -> dict[str, Any]:
        return self._json("GET", f"{API}/tracklists/import/status/{correlation_id}")

    def get_tracklist(self, tracklist_id: str) -> dict[str, Any]:
        return self._json("GET", f"{API}/tracklist/{tracklist_id}")

    # ------------------------------------------------------------------ CUE sheets

    def generate_cue(
        self,
        tracklist_id: str,
        format: str | Sequence[str] = "standard",
        *,
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Render and store CUE files for a stored tracklist; the answer lists `cue_files`."""
        formats = [format] if isinstance(format, str) else list(format)
        body: dict[str, Any] = {"formats": formats, **({"options": options} if options else {})}
        return self._json("POST", f"{API}/cue/generate/{tracklist_id}", json_body=body)

    def list_cue_files(
        self, *, limit: int = 20, offset: int = 0, format: str | None = None, tracklist_id: str | None = None
    ) -> dict[str, Any]:
        params = {"limit": limit, "offset": offset, "format": format, "tracklist_id": tracklist_id}
        return self._json("GET", f"{API}/cue/files", params=params)

    def iter_cue_files(
        self, *, format: str | None = None, tracklist_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self.list_cue_files(limit=100, offset=offset, format=format, tracklist_id=tracklist_id)
            yield from page["files"]
            offset += len(page["files"])
            if not page.get("pagination", {}).get("has_more") or not page["files"]:
                return

    def cue_file(self, file_id: str) -> dict[str, Any]:
        return self._json("GET", f"{API}/cue/files/{file_id}")

    def download_cue(self, file_id: str) -> bytes:
        """The file's bytes, refused (`ChecksumMismatch`) unless they hash to the recorded checksum."""
        expected = str(self.cue_file(file_id)["checksum"]).removeprefix("sha256:")
        data = self.request("GET", f"{API}/cue/download/{file_id}").content
        actual = hashlib.sha256(data).hexdigest()
        if not hmac.compare_digest(actual, expected):
            raise ChecksumMismatch(
                f"Downloaded {file_id} hashes to sha256:{actual}, expected sha256:{expected}",
                error_code="CHECKSUM_MISMATCH",
                correlation_id=self.last_correlation_id,
                details={"cue_file_id": file_id, "expected": expected, "actual": actual},
            )
        return data

    # ------------------------------------------------------------------ manual tracklists

    def create_manual(
        self, title: str, tracks: Sequence[dict[str, Any]] = (), **fields: Any
    ) -> dict[str, Any]:
        body = {"title": title, "tracks": list(tracks), **fields}
        return self._json("POST", f"{API}/tracklists/manual", json_body=body)

    def add_track(
        self, tracklist_id: str, track: dict[str, Any], *, version: int | None = None
    ) -> dict[str, Any]:
        """Append a track; with `version` the edit is refused (`Conflict`) if someone edited first."""
        return self._json(
            "POST", f"{API}/tracklists/{tracklist_id}/tracks", json_body=track, headers=_if_match(version)
        )

    def update_track(
        self, tracklist_id: str, position: int, changes: dict[str, Any], *, version: int | None = None
    ) -> dict[str, Any]:
        path = f"{API}/tracklists/{tracklist_id}/tracks/{position}"
        return self._json("PUT", path, json_body=changes, headers=_if_match(version))

    def delete_track(self, tracklist_id: str, position: int, *, version: int | None = None) -> int | None:
        """Remove a track; returns the tracklist's new version (from the ETag)."""
        path = f"{API}/tracklists/{tracklist_id}/tracks/{position}"
        etag = self.request("DELETE", path, headers=_if_match(version)).headers.get("ETag", "").strip('"')
        return int(etag) if etag.isdigit() else None

    # ------------------------------------------------------------------ batches

    def create_batch(self, urls: Sequence[str], *, priority: str = "normal", **fields: Any) -> dict[str, Any]:
        return self._json(
            "POST", f"{API}/batch", json_body={"urls": list(urls), "priority": priority, **fields}
        )

    def batch_status(self, batch_id: str) -> dict[str, Any]:
        return self._json("GET", f"{API}/batch/{batch_id}/status")

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        return self._json("POST", f"{API}/batch/{batch_id}/cancel")

    def wait_batch(self, batch_id: str, *, timeout: float = 600.0, interval: float = 2.0) -> dict[str, Any]:
        """Poll until the batch is final (or `timeout` passes); returns the last status."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.batch_status(batch_id)
            if status.get("final") or time.monotonic() >= deadline:
                return status
            time.sleep(interval)


def _pages(fetch: Callable[[int], dict[str, Any]], key: str) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        answer = fetch(page)
        yield from answer[key]
        pagination = answer.get("pagination", {})
        if not pagination.get("has_next", pagination.get("has_more")) or not answer[key]:
            return
        page += 1


def _if_match(version: int | None) -> dict[str, str]:
    return {"If-Match": str(version)} if version is not None else {}


def _param(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


__all__ = ["Client", "TracktionError", "signature"]
