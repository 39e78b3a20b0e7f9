"""The storage toolkit: what every DynamoDB store does the same way, done once.

- **Cursors** (`CursorScope`): a LastEvaluatedKey handed to a client as an opaque token and
  taken back only for the listing it came from. The token carries the key and a check digest
  bound to the listing's scope (its name and the key values every key of it has, e.g. the
  owner's partition); decoding verifies the digest, the key's attribute names and the bound
  values, so a token edited by hand, cut short or taken from another user's listing is refused
  with 400 (INVALID_CURSOR unless the listing documents another code) before any read.
- **Bounded pagination** (`pages`, `items`, `count`, `offset_page`): follow LastEvaluatedKey
  for Query or Scan, through either interface (Table resource or client). Reading "everything"
  stops at `max_pages` pages with `PaginationBoundReached` (a 500 that names the read) instead
  of running out the function's time; `max_items` ends a read early on purpose (maintenance
  sweeps that do a bounded amount per run). `batch_get`: items by exact key, 100 a call, the
  unprocessed ones asked again a bounded number of times.
- **Conditional and transaction errors**: `condition_failed(exc)`, `condition_error(...)`
  (a failed ConditionExpression becomes a domain error) and `transact_write(...)` (a cancelled
  transaction becomes the domain error of the item whose condition failed, per item).

botocore is never imported here at module level (a cold start that does not touch AWS must not
pay for it); errors are recognised by their `response` dict, the same for both interfaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tracktion.errors import BadRequest, TracktionError

# ---------------------------------------------------------------------------- cursors

MAX_CURSOR_CHARS = 2048
_CURSOR_VERSION = 1


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _typed(key: Mapping[str, Any]) -> dict[str, Any]:
    """A key in DynamoDB's typed form ({"S": ...}); keys read through either interface."""
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    out: dict[str, Any] = {}
    for name, value in key.items():
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in {"S", "N", "B"}:
            out[name] = value  # already typed (client interface)
        else:
            out[name] = ser.serialize(value)
    return out


def _plain(key: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    de = TypeDeserializer()
    return {name: de.deserialize(value) for name, value in key.items()}


@dataclass(frozen=True)
class CursorScope:
    """One listing's cursors: `name` says which listing, `bound` the key values every key of it
    carries (the owner's partition), `attributes` every attribute its LastEvaluatedKey has
    (table keys, plus the index keys when it reads an index)."""

    name: str
    bound: Mapping[str, str]
    attributes: Collection[str]
    typed: bool = False  # keys in the client interface's typed form ({"S": ...})
    error_code: str = "INVALID_CURSOR"
    message: str = "Invalid pagination cursor"
    _scope: str = field(init=False, repr=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_scope", _canonical([self.name, dict(self.bound)]))

    def _check(self, typed_key: Mapping[str, Any]) -> str:
        digest = hashlib.sha256(f"{self._scope}\x00{_canonical(typed_key)}".encode()).digest()
        return base64.urlsafe_b64encode(digest[:12]).decode()

    def encode(self, key: Mapping[str, Any] | None) -> str | None:
        """The token a client sends back for the next page; None when there is none."""
        if not key:
            return None
        typed = _typed(key)
        blob = _canonical({"v": _CURSOR_VERSION, "k": typed, "c": self._check(typed)})
        return base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")

    def invalid(self) -> BadRequest:
        return BadRequest(self.message, error_code=self.error_code)

    def decode(self, token: str | None) -> dict[str, Any] | None:
        """The ExclusiveStartKey a token stands for (in the interface's form), or None for no
        token. Raises BadRequest (400) for anything that is not a token of this listing."""
        if not token:
            return None
        if len(token) > MAX_CURSOR_CHARS:
            raise self.invalid()
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(raw)
        except (ValueError, binascii.Error):
            raise self.invalid() from None
        if not isinstance(body, dict) or body.get("v") != _CURSOR_VERSION:
            raise self.invalid()
        typed, check = body.get("k"), body.get("c")
        if not isinstance(typed, dict) or not isinstance(check, str) or set(typed) != set(self.attributes):
            raise self.invalid()
        if not all(
            isinstance(v, dict) and len(v) == 1 and next(iter(v)) in {"S", "N"} for v in typed.values()
        ):
            raise self.invalid()
        if not hmac.compare_digest(check, self._check(typed)):
            raise self.invalid()
        plain = _plain(typed)
        if any(plain.get(name) != value for name, value in self.bound.items()):
            raise self.invalid()
        return typed if self.typed else plain


def query_page(
    read: Callable[..., Mapping[str, Any]], scope: CursorScope, token: str | None, **request: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a Query (or Scan) resumed from a client's token, and the token of the next."""
    start = scope.decode(token)
    if start:
        request["ExclusiveStartKey"] = start
    page = read(**request)
    return list(page.get("Items", [])), scope.encode(page.get("LastEvaluatedKey"))


# ---------------------------------------------------------------------------- pagination

DEFAULT_MAX_PAGES = 100


class PaginationBoundReached(TracktionError):
    """A read of "everything" found more pages than its bound allows: a 500 naming the read,
    rather than a function that runs out its time (or memory) reading a partition."""

    status = 500
    error_code = "INTERNAL_ERROR"


def pages(
    read: Callable[..., Mapping[str, Any]], /, *, max_pages: int = DEFAULT_MAX_PAGES, **request: Any
) -> Iterator[Mapping[str, Any]]:
    """Every page of `read(**request)` (table.query, table.scan, client.query ...), following
    LastEvaluatedKey. Stop iterating to stop reading; past `max_pages` pages it raises."""
    for _ in range(max_pages):
        page = read(**request)
        yield page
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request = {**request, "ExclusiveStartKey": last}
    what = getattr(read, "__name__", "read")
    raise PaginationBoundReached(
        "Too much data to read at once",
        details={"operation": what, "max_pages": max_pages},
    )


def items(
    read: Callable[..., Mapping[str, Any]],
    /,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_items: int | None = None,
    **request: Any,
) -> list[dict[str, Any]]:
    """Every item of a paginated read; with `max_items`, the first that many (a deliberate cut,
    for work done a bounded amount at a time)."""
    out: list[dict[str, Any]] = []
    for page in pages(read, max_pages=max_pages, **request):
        out.extend(page.get("Items", []))
        if max_items is not None and len(out) >= max_items:
            return out[:max_items]
    return out


def count(
    read: Callable[..., Mapping[str, Any]], /, *, max_pages: int = DEFAULT_MAX_PAGES, **request: Any
) -> int:
    """How many items a Query/Scan matches, counted by DynamoDB (Select COUNT), every page."""
    return sum(int(p.get("Count", 0)) for p in pages(read, max_pages=max_pages, Select="COUNT", **request))


BATCH_GET_KEYS = 100  # BatchGetItem's limit per call


def batch_get(
    read: Callable[..., Mapping[str, Any]],
    /,
    table_name: str,
    keys: Sequence[Mapping[str, Any]],
    *,
    max_rounds: int = 10,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """Items by exact key through BatchGetItem (`client.batch_get_item`): 100 keys a call, the
    keys DynamoDB leaves unprocessed asked again, at most `max_rounds` calls per 100 keys.
    `options` go with the keys (ProjectionExpression, ConsistentRead ...)."""
    for start in range(0, len(keys), BATCH_GET_KEYS):
        chunk = list(keys[start : start + BATCH_GET_KEYS])
        request: dict[str, Any] = {table_name: {"Keys": chunk, **options}}
        for _ in range(max_rounds):
            out = read(RequestItems=request)
            yield from out.get("Responses", {}).get(table_name, [])
            request = out.get("UnprocessedKeys") or {}
            if not request:
                break


def offset_page(
    read: Callable[..., Mapping[str, Any]],
    /,
    *,
    offset: int,
    limit: int,
    max_pages: int = DEFAULT_MAX_PAGES,
    **request: Any,
) -> tuple[list[dict[str, Any]], int]:
    """One limit/offset window of a Query and how many items it matches in all: the window is
    read only as far as it needs, the total counted without fetching items."""
    window: list[dict[str, Any]] = []
    seen = 0
    for page in pages(read, max_pages=max_pages, **request):
        for item in page.get("Items", []):
            if offset <= seen < offset + limit:
                window.append(item)
            seen += 1
        if seen >= offset + limit:
            break
    return window, count(read, max_pages=max_pages, **request)


# ---------------------------------------------------------------------------- errors

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELLED = "TransactionCanceledException"


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (either interface); None for anything else."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    return str((response.get("Error") or {}).get("Code") or "") or None


# AWS answers that mean "later" (throttled, or failed on AWS's side), once the SDK's own
# retries are spent: a client should hear 503 with Retry-After, never a 500.
BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "InternalServerError",
        "ServiceUnavailable",
        "SlowDown",
    }
)


def busy(exc: BaseException) -> bool:
    """True when `exc` is an AWS answer meaning "try again later" (see BUSY_CODES, or any 5xx)."""
    code = error_code(exc)
    if code is None:
        return False
    meta = (getattr(exc, "response", None) or {}).get("ResponseMetadata") or {}
    return code in BUSY_CODES or int(meta.get("HTTPStatusCode") or 0) >= 500


def condition_failed(exc: BaseException) -> bool:
    """True when a single write's ConditionExpression did not hold."""
    return error_code(exc) == CONDITION_FAILED


def failed_item(exc: BaseException) -> dict[str, Any] | None:
    """The item as it was when the condition failed (ReturnValuesOnConditionCheckFailure=ALL_OLD),
    as plain values; None when there was none."""
    item = (getattr(exc, "response", None) or {}).get("Item")
    return _plain(item) if item else None


def cancellation_reasons(exc: BaseException) -> list[str] | None:
    """Per item of a cancelled transaction, why ("ConditionalCheckFailed", "TransactionConflict",
    "None" for an item that was fine); None when `exc` is no cancelled transaction."""
    if error_code(exc) != TRANSACTION_CANCELLED:
        return None
    reasons = (getattr(exc, "response", None) or {}).get("CancellationReasons") or []
    return [str(r.get("Code") or "None") for r in reasons]


ErrorFactory = Exception | Callable[[], Exception]


def _make(error: ErrorFactory) -> Exception:
    return error() if callable(error) and not isinstance(error, Exception) else error


@contextmanager
def condition_error(error: ErrorFactory) -> Iterator[None]:
    """Inside: a write whose condition fails raises `error` (or what `error()` returns)."""
    try:
        yield
    except Exception as exc:
        if condition_failed(exc):
            raise _make(error) from exc
        raise


def transact_write(
    transact_items: list[dict[str, Any]],
    *,
    on_condition: Mapping[int, ErrorFactory] | None = None,
    otherwise: ErrorFactory | None = None,
) -> None:
    """TransactWriteItems (client interface items). When it is cancelled, the first item whose
    condition failed and that `on_condition` names (by position) decides the error; any other
    cancellation raises `otherwise` when given, else the original exception."""
    from tracktion.storage.aws import client

    try:
        client("dynamodb").transact_write_items(TransactItems=transact_items)
    except Exception as exc:
        reasons = cancellation_reasons(exc)
        if reasons is None:
            raise
        for index, reason in enumerate(reasons):
            if reason == "ConditionalCheckFailed" and on_condition and index in on_condition:
                raise _make(on_condition[index]) from exc
        if otherwise is not None:
            raise _make(otherwise) from exc
        raise
