"""Python SDK for the Tracktion API: `Client` and the `TracktionError` family."""

from tracktion_sdk.client import Client, signature
from tracktion_sdk.errors import (
    ChecksumMismatch,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    SourceBlocked,
    TracktionError,
    Unauthorized,
    ValidationError,
)

__all__ = [
    "ChecksumMismatch",
    "Client",
    "Conflict",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "SourceBlocked",
    "TracktionError",
    "Unauthorized",
    "ValidationError",
    "signature",
]
