"""Domain errors. Each carries the HTTP status and stable `error_code` it maps to.

The mapping to an HTTP response happens in exactly one place (`tracktion.api.resolver`);
modules raise these (or subclasses named for their domain, e.g. `TracklistNotFound`).
"""

from __future__ import annotations

from typing import Any


class TracktionError(Exception):
    """Base of every error a client may see. `details` must never hold secrets."""

    status: int = 500
    error_code: str = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after
        self.headers = headers or {}
        if error_code:
            self.error_code = error_code


class BadRequest(TracktionError):
    status = 400
    error_code = "BAD_REQUEST"


class InvalidUrl(BadRequest):
    error_code = "INVALID_URL"


class Unauthorized(TracktionError):
    status = 401
    error_code = "UNAUTHORIZED"


class Forbidden(TracktionError):
    status = 403
    error_code = "INSUFFICIENT_PERMISSIONS"


class NotFound(TracktionError):
    """Also what another owner's object answers: existence is never disclosed."""

    status = 404
    error_code = "RESOURCE_NOT_FOUND"


class Conflict(TracktionError):
    status = 409
    error_code = "RESOURCE_CONFLICT"


class ValidationFailed(TracktionError):
    status = 422
    error_code = "VALIDATION_ERROR"


class RateLimited(TracktionError):
    status = 429
    error_code = "RATE_LIMIT_EXCEEDED"


class UpstreamError(TracktionError):
    status = 502
    error_code = "UPSTREAM_ERROR"


class ServiceUnavailable(TracktionError):
    status = 503
    error_code = "SERVICE_UNAVAILABLE"


class SourceBlocked(ServiceUnavailable):
    """The source answered with a block/challenge page instead of content. Never cached."""

    error_code = "SOURCE_BLOCKED"
