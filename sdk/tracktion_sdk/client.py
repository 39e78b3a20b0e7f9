"""`Tracktion` (sync) and `AsyncTracktion` (async): the same resources and methods on httpx.

    from tracktion_sdk import Tracktion
    client = Tracktion()                      # TRACKTION_URL, TRACKTION_API_KEY from the environment
    client.login("me@example.com", "secret")  # or a JWT session; refreshed before it expires
    for tracklist in client.tracklists.list.iter():
        print(tracklist.title)

Credentials, from arguments or the environment: an API key (`api_key` / TRACKTION_API_KEY),
optionally with the key's HMAC signing secret (`signing_secret` / TRACKTION_SIGNING_SECRET),
or a JWT session (`login()`, or `access_token` + `refresh_token`): refreshed a minute before it
expires and once on a 401, and `on_tokens(tokens)` is told of every new pair (the CLI stores
them). Retries: see `RetryPolicy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tracktion_sdk import _core
from tracktion_sdk._core import Prepared, RetryPolicy, Tokens, prepare
from tracktion_sdk.errors import ChecksumMismatch, ConnectionFailed, TokenExpired, TracktionError, WaitTimeout
from tracktion_sdk.resources import (
    Auth,
    Batches,
    Catalog,
    Cue,
    Imports,
    Keys,
    Op,
    Search,
    Service,
    Tracklists,
    Usage,
    Users,
    Webhooks,
)

__version__ = "1.0.0"
_WS_EXCEPTIONS: tuple[type[BaseException], ...] = (OSError, TimeoutError, ValueError, EOFError)


@dataclass(frozen=True)
class Downloaded:
    """A file written by a download: where, how big, and its verified SHA-256."""

    path: Path
    size: int
    sha256: str
    content_type: str | None
    filename: str | None


class _Base:
    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        signing_secret: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        token_expires_at: float | None = None,
        ws_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        max_retry_wait: float = 60.0,
        retry: RetryPolicy | None = None,
        on_tokens: Callable[[Tokens | None], None] | None = None,
    ) -> None:
        self.base_url = (base_url or _core.env("TRACKTION_URL") or _core.DEFAULT_URL).rstrip("/")
        self.api_key = api_key or _core.env("TRACKTION_API_KEY")
        self.signing_secret = signing_secret or _core.env("TRACKTION_SIGNING_SECRET")
        self.ws_url = ws_url or _core.env("TRACKTION_WS_URL")
        self.timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=max_retries, max_total_wait=max_retry_wait)
        self.tokens: Tokens | None = None
        if access_token:
            self.tokens = Tokens(
                access_token,
                refresh_token,
                token_expires_at if token_expires_at is not None else _core._jwt_expiry(access_token),
            )
        self.on_tokens = on_tokens
        self.rate_limit: dict[str, str] = {}
        self.last_correlation_id: str | None = None
        self.last_response: httpx.Response | None = None
        self._last_signature = ""
        self.auth: Auth = Auth(self)
        self.users: Users = Users(self)
        self.search: Search = Search(self)
        self.tracklists: Tracklists = Tracklists(self)
        self.imports: Imports = Imports(self)
        self.cue: Cue = Cue(self)
        self.catalog: Catalog = Catalog(self)
        self.batches: Batches = Batches(self)
        self.webhooks: Webhooks = Webhooks(self)
        self.keys: Keys = Keys(self)
        self.usage: Usage = Usage(self)
        self.service: Service = Service(self)

    # ------------------------------------------------------------------ shared steps

    def _headers(self, prepared: Prepared, stamp: int) -> dict[str, str]:
        headers = {"User-Agent": f"tracktion-sdk/{__version__}", **prepared.headers}
        if not prepared.op.public:
            if self.api_key:
                headers["X-API-Key"] = self.api_key
            elif self.tokens:
                headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        if self.signing_secret and not prepared.op.public:
            sig = _core.signature(
                self.signing_secret, str(stamp), prepared.method, prepared.target, prepared.body or b""
            )
            headers["X-Timestamp"] = str(stamp)
            headers["X-Signature"] = sig
            self._last_signature = sig
        return headers

    def _sign_wait(self, prepared: Prepared) -> float:
        """Seconds to wait so a re-sent signed request gets a new timestamp (the server refuses
        the same signature twice as a replay)."""
        if not self.signing_secret or prepared.op.public:
            return 0.0
        now = time.time()
        sig = _core.signature(
            self.signing_secret, str(int(now)), prepared.method, prepared.target, prepared.body or b""
        )
        return (int(now) + 1 - now + 0.01) if hmac.compare_digest(sig, self._last_signature) else 0.0

    def _request(self, prepared: Prepared) -> httpx.Request:
        return httpx.Request(
            prepared.method,
            self.base_url + prepared.target,
            content=prepared.body,
            headers=self._headers(prepared, int(time.time())),
        )

    def _remember(self, response: httpx.Response) -> None:
        limits = {k: v for k, v in response.headers.items() if k.lower().startswith("x-ratelimit-")}
        if limits:
            self.rate_limit = limits
        self.last_response = response
        self.last_correlation_id = response.headers.get("X-Correlation-ID", self.last_correlation_id)

    def _can_refresh(self, prepared: Prepared) -> bool:
        return bool(not prepared.op.public and not self.api_key and self.tokens and self.tokens.refresh_token)

    def _set_tokens(self, tokens: Tokens | None) -> None:
        self.tokens = tokens
        if self.on_tokens:
            self.on_tokens(tokens)

    def _answer(self, op: Op, response: httpx.Response) -> Any:
        if response.is_redirect:  # e.g. an OAuth login: where to send the browser
            return {"status_code": response.status_code, "location": response.headers.get("Location")}
        if response.status_code == 204 or not response.content:
            return None
        try:
            data = response.json()
        except ValueError:
            return response.text
        return _core.parse(op, response.status_code, data)

    def _refresh_failed(self, error: TracktionError) -> TracktionError:
        """The error to raise when a refresh did not work. Only a refusal (400/401/403: the refresh
        token is spent, revoked or unknown) ends the session; a refresh that met a rate limit, a
        server error or no connection keeps it for the next try."""
        if error.status not in (400, 401, 403):
            return error
        self._set_tokens(None)
        return TokenExpired(
            f"The session could not be refreshed: {error.message}",
            status=error.status or 401,
            error_code=error.error_code,
            correlation_id=error.correlation_id,
            details=error.details,
        )


def _target_file(path: Any, response: httpx.Response) -> Path:
    target = Path(path)
    if target.is_dir():
        name = _filename(response) or "download"
        target = target / name
    return target


def _filename(response: httpx.Response) -> str | None:
    disposition = response.headers.get("Content-Disposition", "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename":
            return Path(value.strip('"')).name or None
    return None


def _checked(prepared: Prepared, response: httpx.Response, digest: str, client: _Base) -> None:
    """The bytes against the checksum the answer carries (`X-Checksum-SHA256`) and the one the
    caller holds (`sha256=`, e.g. the CUE file's recorded `checksum`): `ChecksumMismatch` on any
    difference, before anything is written."""
    if not prepared.verify:
        return
    sent = response.headers.get("X-Checksum-SHA256", "").removeprefix("sha256:").lower()
    for expected in (sent, prepared.sha256 or ""):
        if expected and not hmac.compare_digest(expected, digest):
            raise ChecksumMismatch(
                f"Downloaded {prepared.path} hashes to sha256:{digest}, expected sha256:{expected}",
                error_code="CHECKSUM_MISMATCH",
                correlation_id=client.last_correlation_id,
                details={"path": prepared.path, "expected": expected, "actual": digest},
            )


class Tracktion(_Base):
    """The synchronous client. Use as a context manager, or call `close()`."""

    def __init__(
        self, base_url: str | None = None, *, transport: httpx.BaseTransport | None = None, **kw: Any
    ):
        super().__init__(base_url, **kw)
        self._http = httpx.Client(timeout=self.timeout, transport=transport)
        # A refresh token works once (a second use ends the session as a theft): one refresh at a time.
        self._refresh_lock = threading.Lock()

    def __enter__(self) -> Tracktion:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ sessions

    def login(self, email: str, password: str) -> Any:
        """Log in with email and password: the client then calls with the session's token."""
        answer = self.auth.token(email=email, password=password)
        self._set_tokens(Tokens.from_answer(answer))
        return answer

    def refresh(self) -> Tokens:
        """A new access token (and refresh token) for the session."""
        if not self.tokens or not self.tokens.refresh_token:
            raise TokenExpired("No session to refresh: log in first", status=401, error_code="NO_SESSION")
        try:
            answer = self.auth.refresh(refresh_token=self.tokens.refresh_token)
        except TracktionError as error:
            raise self._refresh_failed(error) from error
        self._set_tokens(Tokens.from_answer(answer))
        assert self.tokens is not None
        return self.tokens

    def logout(self) -> None:
        """End the session on the server (its refresh and access tokens stop working)."""
        if self.tokens and self.tokens.refresh_token:
            with contextlib.suppress(TracktionError):
                self.auth.revoke(refresh_token=self.tokens.refresh_token)
        self._set_tokens(None)

    # ------------------------------------------------------------------ transport

    def _call(self, op: Op, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        prepared = prepare(op, args, kwargs)
        if op.download:
            return self._download(prepared)
        return self._answer(op, self._send(prepared))

    def _send(self, prepared: Prepared, *, stream: bool = False) -> httpx.Response:
        attempt, waited, refreshed = 0, 0.0, False
        while True:
            if self._can_refresh(prepared) and self.tokens and self.tokens.due():
                with self._refresh_lock:  # one refresh for every thread whose token ran out
                    if self.tokens and self.tokens.due():
                        self.refresh()
            used = self.tokens.access_token if self.tokens else None
            time.sleep(self._sign_wait(prepared))
            try:
                response = self._http.send(self._request(prepared), stream=stream)
            except httpx.TransportError as exc:
                error: TracktionError = _core.connection_error(exc, prepared)
                delay = self.retry.delay(attempt, waited, None) if prepared.retry_safe else None
                if delay is None:
                    raise error from exc
            else:
                self._remember(response)
                if response.is_success or response.is_redirect:
                    return response
                response.read()
                error = _core.error_for(response)
                if response.status_code == 401 and not refreshed and self._can_refresh(prepared):
                    refreshed = True
                    with self._refresh_lock:  # unless another call refreshed it meanwhile
                        if self.tokens and self.tokens.access_token == used:
                            self.refresh()
                    continue
                retryable = response.status_code == 429 or (
                    response.status_code in _core.RETRY_STATUSES and prepared.retry_safe
                )
                delay = self.retry.delay(attempt, waited, error.retry_after) if retryable else None
                if delay is None:
                    raise error
            time.sleep(delay)
            waited += delay
            attempt += 1

    def _iterate(self, op: Op, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterator[Any]:
        while True:
            response = self._send(prepare(op, args, kwargs))
            answer = self._answer(op, response)
            items = _core.page_items(op, answer)
            yield from items
            following = _core.next_page(op, kwargs, answer, response, len(items))
            if following is None:
                return
            kwargs = following

    def _download(self, prepared: Prepared) -> bytes | Downloaded:
        response = self._send(prepared, stream=True)
        total = int(response.headers["Content-Length"]) if "Content-Length" in response.headers else None
        digest, done = hashlib.sha256(), 0
        try:
            if prepared.download_to is None:
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if prepared.progress:
                        prepared.progress(done, total)
                _checked(prepared, response, digest.hexdigest(), self)
                return b"".join(chunks)
            target = _target_file(prepared.download_to, response)
            fd, temp = tempfile.mkstemp(prefix=".tracktion-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if prepared.progress:
                            prepared.progress(done, total)
                _checked(prepared, response, digest.hexdigest(), self)
                os.replace(temp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            return Downloaded(
                target, done, digest.hexdigest(), response.headers.get("Content-Type"), _filename(response)
            )
        except httpx.TransportError as exc:
            raise _core.connection_error(exc, prepared) from exc
        finally:
            response.close()

    # ------------------------------------------------------------------ batches

    def _wait_batch(self, batch_id: str, timeout: float, interval: float) -> Any:
        deadline = time.monotonic() + timeout
        pause = min(0.25, interval)
        while True:
            status = self.batches.status(batch_id)
            if _core.is_terminal(_core.as_dict(status)):
                return status
            if time.monotonic() + pause > deadline:
                raise WaitTimeout(
                    f"Batch {batch_id} still running after {timeout:.0f} s",
                    error_code="WAIT_TIMEOUT",
                    details=_core.as_dict(status),
                )
            time.sleep(pause)
            pause = min(interval, pause * 1.5)

    def _watch_batch(self, batch_id: str, timeout: float, ws_url: str | None) -> Iterator[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        url = ws_url or self.ws_url
        if url:
            connect = _sync_connect()
            if connect is not None:
                token = self.tokens.access_token if self.tokens else None
                try:
                    with connect(_core.ws_target(url, batch_id, self.api_key, token), open_timeout=10) as ws:
                        ws.send(json.dumps({"action": "subscribe", "batch_id": batch_id}))
                        while (remaining := deadline - time.monotonic()) > 0:
                            message = json.loads(ws.recv(timeout=min(remaining, 15)))
                            if message.get("batch_id") not in (None, batch_id):
                                continue
                            yield message
                            if _core.is_terminal(message):
                                return
                except _WS_EXCEPTIONS + _ws_errors():
                    pass  # the socket failed or went quiet: polling takes over
        yield from self._poll_batch(batch_id, deadline)

    def _poll_batch(self, batch_id: str, deadline: float) -> Iterator[dict[str, Any]]:
        last: tuple[Any, ...] | None = None
        pause = 0.25
        while True:
            status = _core.as_dict(self.batches.status(batch_id, include_items=True, limit=100))
            seen = (status.get("status"), status.get("progress_percentage"), str(status.get("jobs_status")))
            if seen != last:
                last = seen
                yield {**status, "progress": int(status.get("progress_percentage") or 0)}
            if _core.is_terminal(status):
                return
            if time.monotonic() + pause > deadline:
                raise WaitTimeout(
                    f"Batch {batch_id} still running", error_code="WAIT_TIMEOUT", details=status
                )
            time.sleep(pause)
            pause = min(2.0, pause * 1.5)


def _sync_connect() -> Any:
    try:
        from websockets.sync.client import connect
    except ImportError:  # websockets is optional: progress then comes from polling
        return None
    return connect


def _async_connect() -> Any:
    try:
        from websockets.asyncio.client import connect
    except ImportError:
        return None
    return connect


def _ws_errors() -> tuple[type[BaseException], ...]:
    try:
        from websockets.exceptions import WebSocketException
    except ImportError:
        return ()
    return (WebSocketException,)


class AsyncTracktion(_Base):
    """The asynchronous client: every method is awaited; `.iter()` is `async for`."""

    def __init__(
        self, base_url: str | None = None, *, transport: httpx.AsyncBaseTransport | None = None, **kw: Any
    ):
        super().__init__(base_url, **kw)
        self._http = httpx.AsyncClient(timeout=self.timeout, transport=transport)
        self._refresh_lock = asyncio.Lock()

    async def __aenter__(self) -> AsyncTracktion:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def login(self, email: str, password: str) -> Any:
        answer = await self.auth.token(email=email, password=password)
        self._set_tokens(Tokens.from_answer(answer))
        return answer

    async def refresh(self) -> Tokens:
        if not self.tokens or not self.tokens.refresh_token:
            raise TokenExpired("No session to refresh: log in first", status=401, error_code="NO_SESSION")
        try:
            answer = await self.auth.refresh(refresh_token=self.tokens.refresh_token)
        except TracktionError as error:
            raise self._refresh_failed(error) from error
        self._set_tokens(Tokens.from_answer(answer))
        assert self.tokens is not None
        return self.tokens

    async def logout(self) -> None:
        if self.tokens and self.tokens.refresh_token:
            with contextlib.suppress(TracktionError):
                await self.auth.revoke(refresh_token=self.tokens.refresh_token)
        self._set_tokens(None)

    async def _call(self, op: Op, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        prepared = prepare(op, args, kwargs)
        if op.download:
            return await self._download(prepared)
        return self._answer(op, await self._send(prepared))

    async def _send(self, prepared: Prepared, *, stream: bool = False) -> httpx.Response:
        attempt, waited, refreshed = 0, 0.0, False
        while True:
            if self._can_refresh(prepared) and self.tokens and self.tokens.due():
                async with self._refresh_lock:  # one refresh for every task whose token ran out
                    if self.tokens and self.tokens.due():
                        await self.refresh()
            used = self.tokens.access_token if self.tokens else None
            await asyncio.sleep(self._sign_wait(prepared))
            try:
                response = await self._http.send(self._request(prepared), stream=stream)
            except httpx.TransportError as exc:
                error: TracktionError = _core.connection_error(exc, prepared)
                delay = self.retry.delay(attempt, waited, None) if prepared.retry_safe else None
                if delay is None:
                    raise error from exc
            else:
                self._remember(response)
                if response.is_success or response.is_redirect:
                    return response
                await response.aread()
                error = _core.error_for(response)
                if response.status_code == 401 and not refreshed and self._can_refresh(prepared):
                    refreshed = True
                    async with self._refresh_lock:  # unless another task refreshed it meanwhile
                        if self.tokens and self.tokens.access_token == used:
                            await self.refresh()
                    continue
                retryable = response.status_code == 429 or (
                    response.status_code in _core.RETRY_STATUSES and prepared.retry_safe
                )
                delay = self.retry.delay(attempt, waited, error.retry_after) if retryable else None
                if delay is None:
                    raise error
            await asyncio.sleep(delay)
            waited += delay
            attempt += 1

    async def _iterate(self, op: Op, args: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        while True:
            response = await self._send(prepare(op, args, kwargs))
            answer = self._answer(op, response)
            items = _core.page_items(op, answer)
            for item in items:
                yield item
            following = _core.next_page(op, kwargs, answer, response, len(items))
            if following is None:
                return
            kwargs = following

    async def _download(self, prepared: Prepared) -> bytes | Downloaded:
        response = await self._send(prepared, stream=True)
        total = int(response.headers["Content-Length"]) if "Content-Length" in response.headers else None
        digest, done, chunks = hashlib.sha256(), 0, []
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                digest.update(chunk)
                done += len(chunk)
                if prepared.progress:
                    prepared.progress(done, total)
        except httpx.TransportError as exc:
            raise _core.connection_error(exc, prepared) from exc
        finally:
            await response.aclose()
        _checked(prepared, response, digest.hexdigest(), self)
        data = b"".join(chunks)
        if prepared.download_to is None:
            return data
        target = _target_file(prepared.download_to, response)
        fd, temp = tempfile.mkstemp(prefix=".tracktion-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return Downloaded(
            target, done, digest.hexdigest(), response.headers.get("Content-Type"), _filename(response)
        )

    async def _wait_batch(self, batch_id: str, timeout: float, interval: float) -> Any:
        deadline = time.monotonic() + timeout
        pause = min(0.25, interval)
        while True:
            status = await self.batches.status(batch_id)
            if _core.is_terminal(_core.as_dict(status)):
                return status
            if time.monotonic() + pause > deadline:
                raise WaitTimeout(
                    f"Batch {batch_id} still running after {timeout:.0f} s",
                    error_code="WAIT_TIMEOUT",
                    details=_core.as_dict(status),
                )
            await asyncio.sleep(pause)
            pause = min(interval, pause * 1.5)

    async def _watch_batch(
        self, batch_id: str, timeout: float, ws_url: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        url = ws_url or self.ws_url
        if url:
            connect = _async_connect()
            if connect is not None:
                token = self.tokens.access_token if self.tokens else None
                try:
                    async with connect(
                        _core.ws_target(url, batch_id, self.api_key, token), open_timeout=10
                    ) as ws:
                        await ws.send(json.dumps({"action": "subscribe", "batch_id": batch_id}))
                        while (remaining := deadline - time.monotonic()) > 0:
                            raw = await asyncio.wait_for(ws.recv(), timeout=min(remaining, 15))
                            message = json.loads(raw)
                            if message.get("batch_id") not in (None, batch_id):
                                continue
                            yield message
                            if _core.is_terminal(message):
                                return
                except _WS_EXCEPTIONS + _ws_errors():
                    pass
        last: tuple[Any, ...] | None = None
        pause = 0.25
        while True:
            status = _core.as_dict(await self.batches.status(batch_id, include_items=True, limit=100))
            seen = (status.get("status"), status.get("progress_percentage"), str(status.get("jobs_status")))
            if seen != last:
                last = seen
                yield {**status, "progress": int(status.get("progress_percentage") or 0)}
            if _core.is_terminal(status):
                return
            if time.monotonic() + pause > deadline:
                raise WaitTimeout(
                    f"Batch {batch_id} still running", error_code="WAIT_TIMEOUT", details=status
                )
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 1.5)


__all__ = ["AsyncTracktion", "ConnectionFailed", "Downloaded", "Tracktion"]
