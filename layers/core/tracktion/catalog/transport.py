"""One polite JSON request to a catalog provider: timeouts, backoff on 429/403/5xx, clear failure.

Providers differ in auth and paths but fail alike: throttling (429, or Beatport's 403 under
load), refusals (Beatport's 403 to datacenter addresses), outages and timeouts. Every failure
that survives the retries becomes `ProviderUnavailable`, which the catalog turns into a note
in the results instead of an error for the whole request (and the Beatport catalog routes into
503 CATALOG_UNAVAILABLE with `retry_after`).

Politeness, in one place for every provider:
- a `SharedBudget` (one item in the CountersTable, the mechanism of
  tracktion.sources.politeness) spaces every request to a provider across all functions and
  instances: each attempt takes a turn first; a turn further away than the provider's max wait
  answers unavailable with `retry_after` instead of waiting;
- retries back off with full jitter (a random wait in 0..min(cap, 0.25 s * 2^attempt));
- a `Retry-After` is honoured, never retried earlier: with a budget it holds the whole budget
  back (every function waits), without one the request sleeps it; a wait longer than allowed
  ends the request with that `retry_after`;
- a same-origin redirect (Beatport's 301 to the trailing-slash path) is followed, at most
  MAX_REDIRECTS times; a redirect elsewhere is an error.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from tracktion.config import CatalogSettings, get
from tracktion.errors import ServiceUnavailable
from tracktion.observability import logger

RETRY_STATUSES = {429, 403, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 3
BACKOFF_BASE_SECONDS = 0.25
DEFAULT_RETRY_AFTER = 30


class ProviderUnavailable(ServiceUnavailable):
    """A provider that cannot answer now; `reason` is one of not_configured, refused,
    rate_limited, unavailable, error."""

    def __init__(self, provider: str, reason: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(
            message,
            error_code="CATALOG_PROVIDER_UNAVAILABLE",
            details={"provider": provider, "reason": reason},
            retry_after=retry_after,
        )
        self.provider = provider
        self.reason = reason


def timeout() -> httpx.Timeout:
    seconds = get(CatalogSettings).timeout_seconds
    return httpx.Timeout(seconds, connect=min(3.0, seconds))


def _max_backoff() -> float:
    return get(CatalogSettings).max_backoff_seconds


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a number, or an HTTP date); None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def full_jitter(attempt: int, cap: float) -> float:
    """AWS's "full jitter": a uniform wait in 0..min(cap, base * 2^attempt)."""
    return random.uniform(0.0, min(cap, BACKOFF_BASE_SECONDS * 2**attempt))


class Budget(Protocol):
    """Spacing shared by every caller of a provider (SharedBudget)."""

    def acquire(self) -> None:
        """Wait for this request's turn; ProviderUnavailable (with retry_after) if too far away."""
        ...

    def hold(self, seconds: float) -> None:
        """Nobody may start a request for `seconds` (a Retry-After)."""
        ...


class SharedBudget:
    """One request budget towards a provider, shared by every function and instance.

    The item `POLITENESS#catalog#<provider>` of the CountersTable, taken and pushed as
    tracktion.sources.politeness does for the source site: `interval` seconds between two
    requests' starts, a caller whose turn is more than `max_wait` away answers unavailable.
    """

    def __init__(self, provider: str, interval: float, max_wait: float) -> None:
        from tracktion.sources.politeness import PolitenessBucket

        self.provider = provider
        self.max_wait = max_wait
        self._bucket = PolitenessBucket(
            interval_seconds=interval,
            max_wait_seconds=max_wait,
            block_backoff_seconds=0,
            key={"pk": f"POLITENESS#catalog#{provider}", "sk": "BUCKET"},
        )

    def acquire(self) -> None:
        try:
            self._bucket.acquire()
        except ServiceUnavailable as exc:  # SourceBusy / SourceBlocked: the turn is too far away
            raise ProviderUnavailable(
                self.provider,
                "rate_limited",
                f"{self.provider} is busy: our shared request budget is spent for now; try again shortly",
                exc.retry_after or DEFAULT_RETRY_AFTER,
            ) from exc

    def hold(self, seconds: float) -> None:
        self._bucket.block_backoff = seconds
        self._bucket.record_block()


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    attempts: int = 3,
    reauthorize: Callable[[], dict[str, str]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    budget: Budget | None = None,
    **kwargs: Any,
) -> Any:
    """The decoded JSON body of a 2xx answer (None for a 404), retrying what is worth retrying."""
    last: str = ""
    reauthorized = False
    status: int | None = None
    told_wait: float | None = None  # the last Retry-After
    redirects = 0
    attempt = 0
    while attempt < attempts:
        if budget is not None:
            budget.acquire()
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            last, status = "timed out", None
        except httpx.HTTPError as exc:
            last, status = f"could not be reached ({type(exc).__name__})", None
        else:
            status = response.status_code
            if 200 <= status < 300:
                try:
                    return response.json()
                except ValueError as exc:
                    raise ProviderUnavailable(
                        provider, "error", f"{provider} answered something not JSON"
                    ) from exc
            if status in REDIRECT_STATUSES and response.headers.get("location"):
                target = urljoin(url, response.headers["location"])
                if not _same_origin(url, target) or redirects >= MAX_REDIRECTS:
                    raise ProviderUnavailable(provider, "error", f"{provider} redirected us elsewhere")
                url, redirects = target, redirects + 1
                continue  # not an attempt: the same request at its canonical address
            if status == 401 and reauthorize and not reauthorized:
                kwargs["headers"] = {**(kwargs.get("headers") or {}), **reauthorize()}
                reauthorized = True
                continue
            if status not in RETRY_STATUSES:
                if status == 404:
                    return None
                raise ProviderUnavailable(provider, "error", f"{provider} answered HTTP {status}")
            last = f"answered HTTP {status}"
            told_wait = _retry_after(response)
            if told_wait is not None:
                if budget is not None:
                    budget.hold(told_wait)  # every function waits, our next acquire() too
                    attempt += 1
                    continue
                if told_wait > _max_backoff() or attempt + 1 >= attempts:
                    break  # longer than we may wait: answer with it
                sleep(told_wait)
                attempt += 1
                continue
        attempt += 1
        if attempt < attempts:
            sleep(full_jitter(attempt - 1, _max_backoff()))
    logger.warning("catalog provider failed", extra={"provider": provider, "status": status, "why": last})
    retry_after = math.ceil(told_wait) if told_wait is not None else DEFAULT_RETRY_AFTER
    if status == 429:
        raise ProviderUnavailable(
            provider,
            "rate_limited",
            f"{provider} is rate limiting us; try again shortly",
            max(1, retry_after),
        )
    if status == 403:
        raise ProviderUnavailable(
            provider, "refused", f"{provider} refused access (HTTP 403); results come from other providers"
        )
    raise ProviderUnavailable(provider, "unavailable", f"{provider} {last}", max(1, retry_after))
