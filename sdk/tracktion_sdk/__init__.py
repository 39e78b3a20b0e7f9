"""Python SDK for the Tracktion API: `Tracktion` (sync), `AsyncTracktion` (async), typed answers
(`tracktion_sdk.models`), and one exception family (`TracktionError`)."""

from tracktion_sdk._core import RetryPolicy, Tokens, signature
from tracktion_sdk.client import AsyncTracktion, Downloaded, Tracktion, __version__
from tracktion_sdk.errors import (
    ChecksumMismatch,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidSignature,
    NotFound,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    SourceBlocked,
    TokenExpired,
    TracktionError,
    Unauthorized,
    ValidationError,
    WaitTimeout,
)

__all__ = [
    "AsyncTracktion",
    "ChecksumMismatch",
    "Conflict",
    "ConnectionFailed",
    "Downloaded",
    "Forbidden",
    "InvalidSignature",
    "NotFound",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "SourceBlocked",
    "TokenExpired",
    "Tokens",
    "Tracktion",
    "TracktionError",
    "Unauthorized",
    "ValidationError",
    "WaitTimeout",
    "__version__",
    "signature",
]
