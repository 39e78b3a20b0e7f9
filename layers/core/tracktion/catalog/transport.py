"""One polite JSON request to a catalog provider: timeouts, backoff on 429/403/5xx, clear failure.

Providers differ in auth and paths but fail alike: throttling (429, or Beatport's 403 under
load), refusals (Beatport's 403 to datacenter addresses), outages and timeouts. Every failure
that survives the retries becomes `ProviderUnavailable`, which the catalog turns into a note
in the results instead of an error for the whole request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from tracktion.config import CatalogSettings, get
from tracktion.errors import ServiceUnavailable
from tracktion.observability import logger

RETRY_STATUSES = {429, 403, 500, 502, 503, 504}


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
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    attempts: int = 3,
    reauthorize: Callable[[], dict[str, str]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> Any:
    """The decoded JSON body of a 2xx answer, retrying what is worth retrying."""
    last: str = ""
    reauthorized = False
    status: int | None = None
    for attempt in range(attempts):
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
            if status == 401 and reauthorize and not reauthorized:
                kwargs["headers"] = {**(kwargs.get("headers") or {}), **reauthorize()}
                reauthorized = True
                continue
            if status not in RETRY_STATUSES:
                if status == 404:
                    return None
                raise ProviderUnavailable(provider, "error", f"{provider} answered HTTP {status}")
            last = f"answered HTTP {status}"
            if attempt + 1 < attempts:
                wait = _retry_after(response)
                sleep(min(_max_backoff(), wait if wait is not None else 0.25 * 2**attempt))
                continue
            break
        if attempt + 1 < attempts:
            sleep(min(_max_backoff(), 0.25 * 2**attempt))
    logger.warning("catalog provider failed", extra={"provider": provider, "status": status, "why": last})
    if status == 429:
        raise ProviderUnavailable(
            provider, "rate_limited", f"{provider} is rate limiting us; try again shortly", 30
        )
    if status == 403:
        raise ProviderUnavailable(
            provider, "refused", f"{provider} refused access (HTTP 403); results come from other providers"
        )
    raise ProviderUnavailable(provider, "unavailable", f"{provider} {last}", 30)
