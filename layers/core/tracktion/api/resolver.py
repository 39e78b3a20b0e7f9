"""Resolver factory and the Lambda entry wrapper shared by every HTTP function.

`make_app()` gives a validating Powertools resolver whose every failure, including
validation errors, unknown routes and unexpected exceptions, answers the standard error
body. `serve()` runs it with a correlation id that is logged and echoed in
`X-Correlation-ID` on every response.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from tracktion.api.errors import error_body, error_response, from_domain
from tracktion.errors import TracktionError
from tracktion.observability import logger

CORRELATION_HEADER = "X-Correlation-ID"
_GROUP_ATTR = "tracktion_route_group"
# Public routes of these groups are limited per client address (free-tier daily requests).
ANONYMOUS_LIMITED_GROUPS = frozenset({"auth"})


def correlation_id(app: APIGatewayHttpResolver) -> str | None:
    value = app.context.get("correlation_id")
    return str(value) if value else None


def _validation_details(exc: RequestValidationError) -> dict[str, Any]:
    # Echoing `input` back could reflect a password or secret; location and message suffice.
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return {"errors": errors}


def make_app(group: str) -> APIGatewayHttpResolver:
    """A resolver for one route group (`search`, `cue`, ...), the scope name keys may be limited to."""
    app = APIGatewayHttpResolver(enable_validation=True)
    app.append_context(route_group=group)
    # Powertools clears `context` after every resolve; serve() appends the group again each time.
    setattr(app, _GROUP_ATTR, group)

    @app.exception_handler(TracktionError)
    def _domain(exc: TracktionError) -> Response:
        if exc.status >= 500:
            logger.warning("domain error", extra={"error_code": exc.error_code, "error": exc.message})
        return from_domain(exc, correlation_id(app))

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return error_response(
            422,
            "Request validation failed",
            "VALIDATION_ERROR",
            correlation_id(app),
            _validation_details(exc),
        )

    @app.not_found
    def _not_found(_exc: NotFoundError) -> Response:
        return error_response(404, "No such route", "RESOURCE_NOT_FOUND", correlation_id(app))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(500, "Internal server error", "INTERNAL_ERROR", correlation_id(app))

    return app


def _incoming_correlation_id(event: dict[str, Any]) -> str:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    given = headers.get(CORRELATION_HEADER.lower(), "")
    if given and len(given) <= 128 and given.replace("-", "").replace("_", "").isalnum():
        return given
    request_id = (event.get("requestContext") or {}).get("requestId")
    return str(request_id or uuid.uuid4())


def _authorizer_refusal(event: dict[str, Any]) -> dict[str, Any] | None:
    ctx = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    return ctx if ctx.get("auth_error") else None


def _plain(response: Response, cid: str) -> dict[str, Any]:
    headers = {**(response.headers or {}), CORRELATION_HEADER: cid}
    return {
        "statusCode": response.status_code,
        "headers": {k: v if isinstance(v, str) else ",".join(v) for k, v in headers.items()},
        "body": response.body,
        "isBase64Encoded": False,
    }


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one API Gateway payload-2.0 event; every answer carries the correlation id.

    A request the authorizer marked refused is answered here, before any route code runs.
    An authenticated request then passes `tracktion.api.admission` (permissions, scopes,
    request signature, rate limit) before its route, answers with the X-RateLimit-* headers,
    and is counted in the caller's usage analytics. Public routes of the groups in
    ANONYMOUS_LIMITED_GROUPS (register, login, OAuth2) are limited per client address.
    """
    cid = _incoming_correlation_id(event)
    group = getattr(app, _GROUP_ATTR, None)
    app.append_context(correlation_id=cid, route_group=group)
    logger.set_correlation_id(cid)
    refused = _authorizer_refusal(event)
    if refused is not None:
        status = int(refused.get("auth_status") or 401)
        details = json.loads(refused["auth_details"]) if refused.get("auth_details") else None
        body = error_body(
            str(refused.get("auth_message") or "Authentication failed"),
            str(refused["auth_error"]),
            cid,
            details,
        )
        return {
            "statusCode": status,
            "headers": {"Content-Type": "application/json", CORRELATION_HEADER: cid},
            "body": json.dumps(body),
            "isBase64Encoded": False,
        }
    ctx = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    if not ctx.get("user_id") and group not in ANONYMOUS_LIMITED_GROUPS:
        return _resolve(app, event, context, cid)
    from tracktion.api import admission

    entry = admission.begin(event, ctx) if ctx.get("user_id") else admission.begin_anonymous(event)
    try:
        admission.admit(entry, event, ctx)
    except TracktionError as exc:
        response = _plain(from_domain(exc, cid), cid)
    else:
        response = _resolve(app, event, context, cid)
        response["headers"].update(entry.headers)
    admission.record(entry, int(response.get("statusCode") or 200))
    return response


def _resolve(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any, cid: str) -> dict[str, Any]:
    response: dict[str, Any] = app.resolve(event, context)
    headers = response.get("headers") or {}
    headers[CORRELATION_HEADER] = cid
    response["headers"] = headers
    return response
