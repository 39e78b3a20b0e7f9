"""Exceptions built from the API's standard error body.

Every failure answers `{"error", "error_code", "correlation_id", "details", "retry_after"}`;
the class says what kind of failure it is so callers can `except NotFound` instead of
comparing status codes, and the body's fields stay available for support requests.
"""

from __future__ import annotations

from typing import Any


class TracktionError(Exception):
    """Any error answer from the API (or a download whose checksum does not match)."""

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
    """400 or 422: the request itself is wrong."""


class Unauthorized(TracktionError):
    """401: missing, wrong, revoked or expired credentials, or a bad signature."""


class Forbidden(TracktionError):
    """403: the credentials are fine but lack the permission."""


class NotFound(TracktionError):
    """404: missing, or owned by someone else (the API does not tell the two apart)."""


class Conflict(TracktionError):
    """409: e.g. an edit against a stale tracklist version."""

    @property
    def current_version(self) -> int | None:
        value = self.details.get("current_version")
        return int(value) if value is not None else None


class RateLimited(TracktionError):
    """429: over the tier's limit; `retry_after` says when to come back."""


class SourceBlocked(TracktionError):
    """503 SOURCE_BLOCKED: the source site refused us for now; `retry_after` says when to retry."""


class ChecksumMismatch(TracktionError):
    """A downloaded file whose SHA-256 is not the one the API recorded."""


_BY_STATUS: dict[int, type[TracktionError]] = {
    400: ValidationError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
    429: RateLimited,
}


def from_response(status: int, body: Any, header_retry_after: str | None = None) -> TracktionError:
    """The exception for an error answer; tolerant of bodies that are not the standard one."""
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    code = str(data.get("error_code") or f"HTTP_{status}")
    retry_after = data.get("retry_after")
    if retry_after is None and header_retry_after and header_retry_after.isdigit():
        retry_after = int(header_retry_after)
    cls = (
        SourceBlocked
        if status == 503 and code == "SOURCE_BLOCKED"
        else _BY_STATUS.get(status, TracktionError)
    )
    return cls(
        str(data.get("error") or data.get("message") or f"HTTP {status}"),
        status=status,
        error_code=code,
        correlation_id=data.get("correlation_id"),
        details=data.get("details") if isinstance(data.get("details"), dict) else {},
        retry_after=int(retry_after) if retry_after is not None else None,
    )
