"""One exception hierarchy, chosen from the API's `error_code` (then its HTTP status).

Every failure answers `{"error", "error_code", "correlation_id", "details", "retry_after"}`;
the class says what kind of failure it is so callers write `except NotFound` or
`except TokenExpired` instead of comparing codes, and each carries `status`, `error_code`,
`correlation_id` (quote it to support), `details` and `retry_after`. Failures without an
answer (the network, a timeout) are `ConnectionFailed` with status 0.

    TracktionError
    ├── ValidationError (400, 413, 422)
    ├── Unauthorized (401) ── TokenExpired, InvalidSignature
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── RateLimited (429)
    ├── ServerError (5xx) ── ServiceUnavailable (503) ── SourceBlocked
    ├── ConnectionFailed (no answer: network error or timeout)
    ├── ChecksumMismatch (a download that is not the bytes the API recorded)
    └── WaitTimeout (a batch or job still running when the wait ran out)
"""

from __future__ import annotations

from typing import Any


class TracktionError(Exception):
    """Any failure of a call: an error answer, no answer, or a download that does not verify."""

    hint = "See the error message; quote the correlation id when asking for help."

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        error_code: str = "ERROR",
        correlation_id: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.correlation_id = correlation_id
        self.details: dict[str, Any] = details or {}
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The standard error body, as the server sent it."""
        return {
            "error": self.message,
            "error_code": self.error_code,
            "correlation_id": self.correlation_id,
            "details": self.details,
            "retry_after": self.retry_after,
        }

    def __str__(self) -> str:
        return f"{self.status} {self.error_code}: {self.message} (correlation_id={self.correlation_id})"


class ValidationError(TracktionError):
    """400, 413 or 422: the request itself is wrong; `details` says which field."""

    hint = "Check the arguments against the API reference; details name the field."


class Unauthorized(TracktionError):
    """401: missing, wrong, revoked or expired credentials, or a bad signature."""

    hint = "Log in again (`tracktion login`) or check TRACKTION_API_KEY."


class TokenExpired(Unauthorized):
    """401 EXPIRED_TOKEN: the access token ran out and could not be refreshed."""

    hint = "Your session ended: run `tracktion login` again."


class InvalidSignature(Unauthorized):
    """401 INVALID_SIGNATURE / SIGNATURE_REQUIRED: the key wants HMAC-signed requests."""

    hint = "This key requires signed requests: set TRACKTION_SIGNING_SECRET to its signing secret."


class Forbidden(TracktionError):
    """403: the credentials are fine but lack the permission or scope."""

    hint = "Your key lacks the permission: create one with it (`tracktion keys create`)."


class NotFound(TracktionError):
    """404: missing, or owned by someone else (the API does not tell the two apart)."""

    hint = "Check the id (`tracktion tracklists list` shows yours)."


class Conflict(TracktionError):
    """409: e.g. an edit against a stale tracklist version."""

    hint = "Someone changed it first: show it again and retry on the current version."

    @property
    def current_version(self) -> int | None:
        value = self.details.get("current_version")
        return int(value) if value is not None else None


class RateLimited(TracktionError):
    """429: over a limit; `retry_after` says when to come back."""

    hint = "Over your limit: wait retry_after seconds (`tracktion usage` shows where you stand)."


class ServerError(TracktionError):
    """5xx: the service failed; retried automatically where that is safe."""

    hint = "The service failed; try again later and quote the correlation id if it persists."


class ServiceUnavailable(ServerError):
    """503: the service or an upstream is unavailable for now; `retry_after` when known."""


class SourceBlocked(ServiceUnavailable):
    """503 SOURCE_BLOCKED: the source site refused us for now; `retry_after` says when to retry."""

    hint = "1001tracklists refused us for now; retry after retry_after seconds."


class ConnectionFailed(TracktionError):
    """No answer: the connection failed or timed out (after the retries that were safe)."""

    hint = "Is the API running and TRACKTION_URL right? (`make run` serves http://127.0.0.1:3000)"


class ChecksumMismatch(TracktionError):
    """A downloaded file whose SHA-256 is not the one the API recorded (nothing was written)."""

    hint = "The download was corrupted in transit; download it again."


class WaitTimeout(TracktionError):
    """A wait for a batch or job ran out before it finished; `details` holds the last status."""

    hint = "Still running: wait longer (--timeout) or check later with `tracktion batch status`."


_BY_CODE: dict[str, type[TracktionError]] = {
    "EXPIRED_TOKEN": TokenExpired,
    "INVALID_SIGNATURE": InvalidSignature,
    "SIGNATURE_REQUIRED": InvalidSignature,
    "SOURCE_BLOCKED": SourceBlocked,
    "CHECKSUM_MISMATCH": ChecksumMismatch,
}

_BY_STATUS: dict[int, type[TracktionError]] = {
    400: ValidationError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: ValidationError,
    422: ValidationError,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_class(status: int, code: str) -> type[TracktionError]:
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else TracktionError


def from_response(
    status: int,
    body: Any,
    header_retry_after: str | None = None,
    header_correlation_id: str | None = None,
) -> TracktionError:
    """The exception for an error answer; tolerant of bodies that are not the standard one."""
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    code = str(data.get("error_code") or f"HTTP_{status}")
    retry_after = data.get("retry_after")
    if retry_after is None and header_retry_after and header_retry_after.strip().isdigit():
        retry_after = int(header_retry_after)
    details = data.get("details")
    return error_class(status, code)(
        str(data.get("error") or data.get("message") or f"HTTP {status}"),
        status=status,
        error_code=code,
        correlation_id=data.get("correlation_id") or header_correlation_id,
        details=details if isinstance(details, dict) else {},
        retry_after=int(retry_after)
        if isinstance(retry_after, int | float | str) and str(retry_after).isdigit()
        else None,
    )
