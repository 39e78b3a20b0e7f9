"""Resolver factory and the Lambda entry wrapper shared by every HTTP function.

`make_app()` gives a validating Powertools resolver whose every failure, including
validation errors, unknown routes and unexpected exceptions, answers the standard error
body. `serve()` runs it with a correlation id that is logged and echoed in
`X-Correlation-ID` on every response, after resolving the route and passing the request
through the one admission step with that route's declared rules (`tracktion.api.rules`).
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import math
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Route
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from tracktion.api.errors import error_body, error_response, from_domain
from tracktion.api.rules import Rules, rules_of, unmatched
from tracktion.errors import TracktionError
from tracktion.observability import CORRELATION_HEADER, correlation_id_of, logger

# Seconds a client is told to wait when AWS stayed busy through the SDK's retries.
BUSY_RETRY_AFTER = 2


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


class _Resolver(APIGatewayHttpResolver):
    """Powertools' resolver; `responses=` no longer hides the success answer from OpenAPI.

    Powertools 3.37 documents the return annotation (`-> Model`, `-> Response[Model]`) only when
    a route passes no `responses=`; with `responses=error_responses(404, ...)` the success status
    vanished from the document. Here a `responses=` without any 2xx gets the route's
    `status_code` (200 unless given) with no `content`, which Powertools then fills with the
    return annotation's schema. A route answering 201 says so: `status_code=201`, or a 201
    entry of its own in `responses=`.
    """

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        names = list(inspect.signature(APIGatewayHttpResolver.route).parameters)[3:]
        bound = dict(zip(names, args, strict=False)) | kwargs
        responses = bound.get("responses")
        if responses and not any(200 <= int(code) < 300 for code in responses):
            status = int(bound.get("status_code") or 200)
            bound["responses"] = {status: {"description": "Successful Response"}, **responses}
        return super().route(rule, method, **bound)


def make_app() -> APIGatewayHttpResolver:
    """A validating resolver answering every failure in the standard error body.

    Each of its routes declares its rules (`tracktion.api.rules`) where it is defined.
    """
    app = _Resolver(enable_validation=True)

    @app.exception_handler(TracktionError)
    def _domain(exc: TracktionError) -> Response:
        if exc.status >= 500:
            logger.warning("domain error", extra={"error_code": exc.error_code, "error": exc.message})
        return from_domain(exc, correlation_id(app))

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            details = _validation_details(exc)
            cid = correlation_id(app)
            return error_response(400, "The body is not valid JSON", "INVALID_FORMAT", cid, details)
        return error_response(
            422,
            "Request validation failed",
            "VALIDATION_ERROR",
            correlation_id(app),
            _validation_details(exc),
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(exc: RequestUnsupportedContentType) -> Response:
        content_type = app.current_event.headers.get("content-type", "")
        return error_response(
            415,
            "The body must be application/json",
            "INVALID_FORMAT",
            correlation_id(app),
            {"content_type": content_type[:100], "accepted": ["application/json"]},
        )

    @app.exception_handler(OverflowError)
    def _overflow(exc: OverflowError) -> Response:
        # A number too large for the arithmetic it reached (1e300 seconds into a timedelta, an
        # int beyond a float): the request's fault, never the server's. Request models should
        # bound such fields (so the answer names them); this is the net when one does not.
        logger.warning("number out of range reached route code", extra={"error": repr(exc)})
        return error_response(
            422,
            "A number in the request is out of range",
            "VALIDATION_ERROR",
            correlation_id(app),
            {"errors": [{"loc": ["request"], "msg": str(exc)[:200], "type": "number_out_of_range"}]},
        )

    @app.not_found
    def _not_found(_exc: NotFoundError) -> Response:
        return error_response(404, "No such route", "RESOURCE_NOT_FOUND", correlation_id(app))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from tracktion.storage import dynamodb as ddb

        if ddb.busy(exc):
            # Throttled (or AWS failed) through every SDK retry: nothing of the request's
            # failed write was kept (single writes and transactions are atomic); say when to retry.
            logger.warning("AWS busy after retries", extra={"error": ddb.error_code(exc)})
            return error_response(
                503,
                "The service is busy; try again shortly",
                "SERVICE_UNAVAILABLE",
                correlation_id(app),
                {"reason": ddb.error_code(exc)},
                retry_after=BUSY_RETRY_AFTER,
            )
        logger.exception("unhandled error")
        return error_response(500, "Internal server error", "INTERNAL_ERROR", correlation_id(app))

    return app


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


def route_of(app: APIGatewayHttpResolver, event: dict[str, Any]) -> Route | None:
    """The route `app.resolve(event)` runs, matched as Powertools matches (static routes, then
    dynamic ones; the method, then the path); None when no route answers (its not-found)."""
    try:
        request = APIGatewayProxyEventV2(event)
        method = request.http_method.upper()
        path = app._remove_prefix(request.path)
    except (KeyError, TypeError, AttributeError):
        return None  # not a payload-2.0 request: the resolver cannot route it either
    for route in app._static_routes + app._dynamic_routes:
        if route.method == method and route.rule.match(path):
            return route
    return None


def rules_for(app: APIGatewayHttpResolver, event: dict[str, Any]) -> Rules | None:
    """The rules of the route that answers `event`: its declared ones, or those of a request no
    route answers; None for a route that declares none (tests/contract/test_route_rules.py
    keeps such a route from being deployed; served, it answers 500 without running)."""
    route = route_of(app, event)
    if route is None:
        http = (event.get("requestContext") or {}).get("http") or {}
        return unmatched(str(http.get("method") or "GET"))
    return rules_of(route.func)


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one API Gateway payload-2.0 event; every answer carries the correlation id.

    A request the authorizer marked refused is answered here, before any route code runs.
    Then the route is resolved and the request passes the one admission step
    (`tracktion.api.admission`) with that route's rules: credentials, scope, permission,
    request signature, rate limit; it answers with the X-RateLimit-* headers and is counted in
    the caller's usage analytics. A public route limited per client address (register, login,
    OAuth2) is limited so when called anonymously; other public routes go straight through.
    """
    cid = correlation_id_of(event)
    app.append_context(correlation_id=cid)
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
    from tracktion.api import admission

    rules = rules_for(app, event)
    if rules is None:
        logger.error("route declares no rules", extra={"route_key": event.get("routeKey")})
        return _plain(error_response(500, "Internal server error", "INTERNAL_ERROR", cid), cid)
    entry = admission.begin(event, ctx, rules)
    if entry is None:
        return _resolve(app, event, context, cid)
    try:
        admission.admit(entry, event, ctx)
    except TracktionError as exc:
        response = _plain(from_domain(exc, cid), cid)
    else:
        response = _run(app, event, context, cid, entry)
        response["headers"].update(entry.headers)
    admission.record(entry, int(response.get("statusCode") or 200))
    return response


def _run(
    app: APIGatewayHttpResolver, event: dict[str, Any], context: Any, cid: str, entry: Any
) -> dict[str, Any]:
    """The admitted request's answer; a route declared `idempotent` honours `Idempotency-Key`."""
    if not entry.rules.idempotent or entry.principal is None:
        return _resolve(app, event, context, cid)
    from tracktion.api import idempotency

    try:
        response = idempotency.run(
            event, entry.principal.user_id, context, lambda: _resolve(app, event, context, cid)
        )
    except TracktionError as exc:
        return _plain(from_domain(exc, cid), cid)
    response["headers"] = {**(response.get("headers") or {}), CORRELATION_HEADER: cid}
    return response


def _resolve(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any, cid: str) -> dict[str, Any]:
    unreadable = unreadable_body(event)
    if unreadable is not None:
        status, message, error_code, details = unreadable
        return _plain(error_response(status, message, error_code, cid, details), cid)
    response: dict[str, Any] = app.resolve(event, context)
    headers = response.get("headers") or {}
    headers[CORRELATION_HEADER] = cid
    response["headers"] = headers
    return response


# ---------------------------------------------------------------- hostile bodies

_JSON_TYPES = ("application/json", "text/json")


def _is_multipart(event: dict[str, Any]) -> bool:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    return headers.get("content-type", "").strip().lower().startswith("multipart/form-data")


class _OutOfRange(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: valid JSON grammar, but no float holds it
        raise _OutOfRange(text[:40])
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN/Infinity; JSON does not


def _path_of_overflow(text: str) -> list[Any]:
    """Where in the document the first out-of-range number sits (["body", "tracks", 0, "start_time"])."""

    def walk(node: Any, path: list[Any]) -> list[Any] | None:
        if isinstance(node, float) and math.isinf(node):
            return path
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            found = walk(value, [*path, key])
            if found is not None:
                return found
        return None

    try:
        return walk(json.loads(text), ["body"]) or ["body"]
    except ValueError:
        return ["body"]


def unreadable_body(event: dict[str, Any]) -> tuple[int, str, str, dict[str, Any]] | None:
    """(status, message, error_code, details) for a body no route can read, else None.

    API Gateway hands binary content over base64-encoded (isBase64Encoded); a body that is not
    base64, not UTF-8, or (sent as JSON, or with no content type) not JSON is answered 400
    INVALID_FORMAT here, before route code could fail on it with a 500. A JSON number beyond any
    float (1e400) is 422 VALIDATION_ERROR naming its place. Other content types are left to the
    route (415 when it reads a body).
    """
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError):
            return 400, "The body is not valid base64", "INVALID_FORMAT", {"reason": "base64"}
        if _is_multipart(event):
            return None  # a file upload's bytes are the route's to read (any encoding, binary too)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = {"reason": "utf-8", "offset": exc.start}
            return 400, "The body is not UTF-8 text", "INVALID_FORMAT", where
    else:
        text = str(body)
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type and not content_type.startswith(_JSON_TYPES) and not content_type.endswith("+json"):
        return None
    try:
        json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except _OutOfRange:
        loc = _path_of_overflow(text)
        return (
            422,
            "A number in the body is out of range",
            "VALIDATION_ERROR",
            {"errors": [{"loc": loc, "msg": "Number out of range", "type": "number_out_of_range"}]},
        )
    except (ValueError, RecursionError) as exc:
        # JSONDecodeError is a ValueError; so are NaN/Infinity and integers of over 4300 digits.
        position = getattr(exc, "pos", None)
        details: dict[str, Any] = {"reason": "json"}
        if position is not None:
            details["position"] = position
        return 400, "The body is not valid JSON", "INVALID_FORMAT", details
    return None
