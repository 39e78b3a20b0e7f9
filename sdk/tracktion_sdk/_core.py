"""What the sync and async clients share: credentials, request building and signing, the retry
policy, answers parsed into models, pagination and batch progress. No I/O here."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from tracktion_sdk.errors import (
    ConnectionFailed,
    TracktionError,
    from_response,
)
from tracktion_sdk.operations import OPERATIONS
from tracktion_sdk.resources import Op

DEFAULT_URL = "http://127.0.0.1:3000"
TERMINAL = frozenset({"completed", "partially_failed", "failed", "cancelled"})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_PARAM = re.compile(r"\{([^}]+)\}")
# Access tokens are refreshed this long before they expire (clock skew and the call's own time).
REFRESH_MARGIN_SECONDS = 60.0


def signature(secret: str, timestamp: str, method: str, target: str, body: bytes) -> str:
    """X-Signature over "{ts}.{METHOD}.{path[?query]}.{body}", as the server verifies it
    (tracktion/auth/hmac_signing.py)."""
    message = f"{timestamp}.{method.upper()}.{target}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Tokens:
    """A JWT session: the access token, its expiry (epoch seconds), and the refresh token."""

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None

    @classmethod
    def from_answer(cls, answer: Any) -> Tokens:
        data = answer.model_dump() if isinstance(answer, BaseModel) else dict(answer)
        expires_in = data.get("expires_in")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=time.time() + float(expires_in) if expires_in else _jwt_expiry(data["access_token"]),
        )

    def due(self, now: float | None = None) -> bool:
        """True when the access token expires within the margin (and a refresh token exists)."""
        if not self.refresh_token or self.expires_at is None:
            return False
        return (now or time.time()) >= self.expires_at - REFRESH_MARGIN_SECONDS


def _jwt_expiry(token: str) -> float | None:
    """The `exp` claim, read without verifying (the server verifies; we only plan a refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, KeyError, ValueError, TypeError):
        return None


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total waiting.

    429 is retried for every method (the server refused it before doing anything); 502, 503,
    504, connection errors and timeouts only for idempotent methods and for requests carrying
    an Idempotency-Key the route accepts. A server's Retry-After is honoured as the wait; when
    it asks for more than is left of `max_total_wait`, the error is raised at once.
    """

    max_retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_wait: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def delay(self, attempt: int, waited: float, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to give up."""
        if attempt >= self.max_retries:
            return None
        wait = float(retry_after) if retry_after is not None else self.backoff(attempt)
        if waited + wait > self.max_total_wait:
            return None
        return wait


@dataclass
class Prepared:
    """One call, ready to send (again): signing and auth headers are added per attempt."""

    op: Op
    method: str
    path: str
    query: dict[str, str]
    body: bytes | None
    headers: dict[str, str]
    retry_safe: bool
    download_to: Any = None
    progress: Callable[[int, int | None], None] | None = None
    verify: bool = True
    sha256: str | None = None

    @property
    def target(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_param(v) for v in value)
    return str(value)


def prepare(op: Op, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Prepared:
    """Bind positional path parameters, query parameters and the body of one call."""
    kwargs = dict(kwargs)
    names = _PARAM.findall(op.path)
    positional = [*names, *op.args]
    if len(args) > len(positional):
        raise TypeError(f"{op.method} {op.path} takes {len(positional)} positional argument(s): {positional}")
    for name, value in zip(positional[len(names) :], args[len(names) :], strict=False):
        kwargs[name] = value
    values = dict(zip(names, args, strict=False))
    for name in names[len(values) :]:
        if name not in kwargs:
            raise TypeError(f"{op.method} {op.path}: missing {name!r}")
        values[name] = kwargs.pop(name)
    path = op.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    headers = {str(k): str(v) for k, v in (kwargs.pop("headers", None) or {}).items()}
    if (if_match := kwargs.pop("if_match", None)) is not None:
        headers["If-Match"] = str(if_match)
    key = kwargs.pop("idempotency_key", None)
    download_to = kwargs.pop("path", None) if op.download else None
    progress = kwargs.pop("progress", None) if op.download else None
    verify = bool(kwargs.pop("verify", True)) if op.download else True
    expected = str(kwargs.pop("sha256", None) or "").removeprefix("sha256:").lower() or None
    body_given = kwargs.pop("body", None)
    spec = OPERATIONS.get((op.method, op.path), {})
    query_names = set(spec.get("query", ())) | set(op.query)
    query: dict[str, str] = {}
    for name in list(kwargs):
        wire = name[:-1] if name.endswith("_") and name[:-1] in query_names else name  # as_ -> as
        if wire in query_names or op.method in ("GET", "DELETE"):
            value = kwargs.pop(name)
            if value is not None:
                query[wire] = _param(value)
    body_obj: Any = None
    if body_given is not None or kwargs:
        body_obj = _plain(body_given) if body_given is not None else {}
        if kwargs:
            if not isinstance(body_obj, dict):
                raise TypeError("body= is not an object: pass the other fields inside it")
            body_obj = {**body_obj, **_plain(kwargs)}
    if body_obj is None and op.method in ("POST", "PUT", "PATCH"):
        body_obj = {}  # an empty object, as the published clients send (`json={}`)
    body = json.dumps(body_obj).encode() if body_obj is not None else None
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    accepts_key = bool(spec.get("idempotency_key"))
    if key is None and op.creates and op.method == "POST":
        key = str(uuid.uuid4())
    if key is not None:
        headers["Idempotency-Key"] = str(key)
    retry_safe = op.method in IDEMPOTENT_METHODS or (key is not None and accepts_key)
    return Prepared(
        op, op.method, path, query, body, headers, retry_safe, download_to, progress, verify, expected
    )


@functools.cache
def _adapter(name: str) -> TypeAdapter[Any]:
    from tracktion_sdk import models

    if name.startswith("list[") and name.endswith("]"):
        item: Any = getattr(models, name[5:-1])
        return TypeAdapter(list[item])
    return TypeAdapter(getattr(models, name))


def parse(op: Op, status: int, data: Any) -> Any:
    """The answer as its generated model; the JSON as-is when the document names none (or the
    answer does not fit it, which tests/sdk catches as drift)."""
    name = OPERATIONS.get((op.method, op.path), {}).get("answers", {}).get(status)
    if not name or data is None:
        return data
    try:
        return _adapter(name).validate_python(data)
    except PydanticValidationError:
        return data


def error_for(response: httpx.Response) -> TracktionError:
    try:
        body = response.json()
    except ValueError:
        body = None
    return from_response(
        response.status_code,
        body,
        response.headers.get("Retry-After"),
        response.headers.get("X-Correlation-ID"),
    )


def connection_error(exc: Exception, prepared: Prepared) -> ConnectionFailed:
    kind = "TIMEOUT" if isinstance(exc, httpx.TimeoutException) else "CONNECTION_FAILED"
    return ConnectionFailed(
        f"{prepared.method} {prepared.path}: {type(exc).__name__}: {exc}",
        error_code=kind,
        details={"method": prepared.method, "path": prepared.path},
    )


def page_items(op: Op, answer: Any) -> list[Any]:
    data = answer.model_dump() if isinstance(answer, BaseModel) else answer
    if op.items == "":
        return list(answer) if isinstance(answer, list) else []
    if isinstance(data, dict):
        items = data.get(op.items or "")
        if items is not None:
            source = getattr(answer, op.items or "", None) if isinstance(answer, BaseModel) else None
            return list(source) if isinstance(source, list) else list(items)
    return []


def next_page(
    op: Op, kwargs: dict[str, Any], answer: Any, response: httpx.Response, count: int
) -> dict[str, Any] | None:
    """The keyword arguments of the next page, or None after the last one.

    Handles every list style the API answers: `X-Next-Token` (keys), `X-Next-Cursor` (drafts),
    `next_cursor` (webhooks,
    schedules, deliveries, drafts, batch items), limit/offset with `pagination.has_more`
    (tracklists, CUE files, batches) and page numbers with `has_next`/`has_more`/`total_pages`.
    """
    if count == 0:
        return None
    data = answer.model_dump() if isinstance(answer, BaseModel) else answer
    token = response.headers.get("X-Next-Token")
    if token:
        return {**kwargs, "next_token": token}
    header_cursor = response.headers.get("X-Next-Cursor")  # a list answered as an array (drafts)
    if header_cursor:
        return {**kwargs, "cursor": header_cursor}
    if not isinstance(data, dict):
        return None
    cursor = data.get("next_cursor")
    if cursor:
        return {**kwargs, "cursor": cursor}
    found = data.get("pagination")
    pagination: dict[str, Any] = found if isinstance(found, dict) else data
    query = set(OPERATIONS.get((op.method, op.path), {}).get("query", ()))
    more = pagination.get("has_more", pagination.get("has_next"))
    if "offset" in query or "offset" in pagination:
        if more:
            return {**kwargs, "offset": int(kwargs.get("offset") or 0) + count}
        return None
    if "page" in query or "page" in pagination:
        page = int(kwargs.get("page") or pagination.get("page") or 1)
        pages = pagination.get("total_pages") or pagination.get("pages")
        if more or (more is None and pages and page < int(pages)):
            return {**kwargs, "page": page + 1}
    return None


def as_dict(answer: Any) -> dict[str, Any]:
    if isinstance(answer, BaseModel):
        return answer.model_dump()
    return dict(answer) if isinstance(answer, dict) else {}


def is_terminal(status: dict[str, Any]) -> bool:
    return bool(status.get("final")) or status.get("batch_status", status.get("status")) in TERMINAL


def ws_target(ws_url: str, batch_id: str, api_key: str | None, token: str | None) -> str:
    query = {"batch_id": batch_id}
    if api_key:
        query["api_key"] = api_key
    elif token:
        query["token"] = token
    sep = "&" if "?" in ws_url else "?"
    return f"{ws_url}{sep}{urlencode(query)}"


def env(name: str) -> str | None:
    return os.environ.get(name) or None
