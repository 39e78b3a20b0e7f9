"""One request through the gateway's own route table, in process: the one way functional tests call a route.

`invoke(method, path, ...)` does what API Gateway (and the local gateway, local/gateway.py) does
with a request, without a server: it picks the route with the local gateway's matching on the
routes of template.yaml (a literal segment beats `{param}`, which beats `{proxy+}`; a method
beats `ANY`), builds the payload-2.0 event with that route's `routeKey` and path parameters,
runs the API's Lambda authorizer unless the route is public, and calls the handler of the
function the template routes it to. An unknown route answers API Gateway's 404, a refusing
authorizer its 403.

`principal=` stands in for the authorizer's answer (a test that is about a function, not about
authentication, names the caller directly): the authorizer is then not run and the context is
handed to the function as `requestContext.authorizer.lambda`, exactly where the authorizer's
context goes. `key=` / `token=` / `headers=` authenticate as a client would.
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from local.gateway import Gateway, Route, load_routes
from local.openapi import handler_module
from tests.conftest import FakeContext, http_event
from tests.contract.template_functions import load_template

Handler = Callable[[dict[str, Any], Any], Any]


class RouteTable:
    """template.yaml's HttpApi routes, matched by the local gateway's own `find`."""

    find = Gateway.find

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes


@functools.cache
def route_table() -> RouteTable:
    return RouteTable(load_routes(load_template()))


@functools.cache
def module_of(function: str) -> str:
    """The handler module of a function named by logical id or by ARN (authorizers name ARNs)."""
    template = load_template()
    for logical_id in template.of_type("AWS::Serverless::Function"):
        arn = template.resolve({"Fn::GetAtt": [logical_id, "Arn"]})
        if function in (logical_id, arn):
            return handler_module(template, logical_id)
    raise AssertionError(f"template.yaml has no function {function}")


def handler(function: str) -> Handler:
    """The `lambda_handler` of a function of the template (logical id or ARN)."""
    module = importlib.import_module(module_of(function))
    return module.lambda_handler  # type: ignore[no-any-return]


def route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route the gateway picks for `method path` and its path parameters, or None."""
    return route_table().find(method.upper(), path)


@dataclass
class Answer:
    """What the function answered: status, decoded body, headers as it wrote them, and the raw result."""

    status: int
    body: Any
    headers: dict[str, str]
    result: dict[str, Any]
    route: Route | None = None

    @property
    def code(self) -> str | None:
        return self.body.get("error_code") if isinstance(self.body, dict) else None

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header of the answer, whatever the case it was written in."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), default)

    @property
    def lower_headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}


def _decode(result: dict[str, Any]) -> Any:
    """The body as a client reads it: JSON parsed, base64 undone, None when empty."""
    raw: Any = result.get("body")
    if raw is None or raw == "":
        return None
    if result.get("isBase64Encoded"):
        raw = base64.b64decode(raw)
    content_type = next(
        (str(v) for k, v in (result.get("headers") or {}).items() if k.lower() == "content-type"), ""
    )
    if content_type and "json" not in content_type:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _gateway_answer(status: int, message: str, found: Route | None = None) -> Answer:
    result = {"statusCode": status, "headers": {"Content-Type": "application/json"}}
    return Answer(status, {"message": message}, dict(result["headers"]), result, found)  # type: ignore[arg-type]


def invoke(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_query: str | None = None,
    principal: dict[str, str] | None = None,
    key: str | None = None,
    token: str | None = None,
    source_ip: str = "127.0.0.1",
    context: Any = None,
    event_hook: Callable[[dict[str, Any]], None] | None = None,
) -> Answer:
    """One request through the template's route table, its authorizer and the routed function.

    `body` is sent as JSON unless it is a str; `event_hook` may change the built event before it
    is sent (a raw or base64 body, a missing content type: framing a client could send).
    """
    method = method.upper()
    found = route(method, path)
    if found is None:
        return _gateway_answer(404, "Not Found")
    chosen, path_params = found
    hdrs = dict(headers or {})
    if key:
        hdrs["X-API-Key"] = key
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    # As HTTP APIs do, the function sees the path and its parameters percent-decoded.
    event = http_event(
        method, unquote(path), body=body, headers=hdrs, query=query, route_key=chosen.route_key
    )
    if raw_query is not None:
        event["rawQueryString"] = raw_query
    if path_params:
        event["pathParameters"] = path_params
    event["requestContext"]["http"]["sourceIp"] = source_ip
    if event_hook is not None:
        event_hook(event)
    if principal is not None:
        event["requestContext"]["authorizer"] = {"lambda": principal}
    elif chosen.authorizer is not None:
        request = {k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")}
        request["type"] = "REQUEST"
        request["identitySource"] = []
        answer = handler(chosen.authorizer.function)(request, FakeContext())
        if not (isinstance(answer, dict) and answer.get("isAuthorized") is True):
            return _gateway_answer(403, "Forbidden", chosen)
        event["requestContext"]["authorizer"] = {"lambda": answer.get("context") or {}}
    result = handler(chosen.function)(event, context or FakeContext())
    if not (isinstance(result, dict) and "statusCode" in result):  # payload 2.0: any value is a 200 JSON body
        result = {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(result),
        }
    return Answer(
        int(result["statusCode"]), _decode(result), dict(result.get("headers") or {}), result, chosen
    )
