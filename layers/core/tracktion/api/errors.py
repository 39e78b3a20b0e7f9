"""The standard error body, used by every function for every failure."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from tracktion.errors import TracktionError


def error_body(
    message: str,
    error_code: str,
    correlation_id: str | None,
    details: dict[str, Any] | None = None,
    retry_after: int | None = None,
) -> dict[str, Any]:
    return {
        "error": message,
        "error_code": error_code,
        "correlation_id": correlation_id,
        "details": details or {},
        "retry_after": retry_after,
    }


def error_response(
    status: int,
    message: str,
    error_code: str,
    correlation_id: str | None,
    details: dict[str, Any] | None = None,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if retry_after is not None:
        all_headers.setdefault("Retry-After", str(retry_after))
    if correlation_id:
        all_headers["X-Correlation-ID"] = correlation_id
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(error_body(message, error_code, correlation_id, details, retry_after)),
        headers=all_headers,
    )


def from_domain(exc: TracktionError, correlation_id: str | None) -> Response:
    return error_response(
        exc.status,
        exc.message,
        exc.error_code,
        correlation_id,
        exc.details,
        exc.retry_after,
        exc.headers,
    )
