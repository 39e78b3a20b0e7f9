"""The local API Gateway HTTP API: the template's HttpApi routes, payload 2.0, Lambda authorizers.

Routes come from every function's `Events` of `Type: HttpApi`; matching follows API Gateway
(a literal segment beats `{param}`, which beats `{proxy+}`; a method beats `ANY`). A non-public
route runs its API's authorizer first (Lambda REQUEST, payload 2.0) and hands its `context`
to the function as `requestContext.authorizer.lambda`. Answers that API Gateway itself gives
(404 without a route, 401/403 from the authorizer, 500 on a function error, 400 for a request
whose framing cannot be read) use its bodies. Any method is routed (TRACE can match only an
`ANY` route, as in API Gateway), and a body that is not UTF-8 text reaches the function
base64-encoded (`isBase64Encoded`), so the function, not the gateway, answers it.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.aws_endpoint import read_body
from local.lambdas import FUNCTION_TYPES, InvokeResult
from local.template import Template

Invoke = Callable[[str, Any], InvokeResult]
DEFAULT_API = "ServerlessHttpApi"  # SAM's implicit API when an event names no ApiId
_TEXT_TYPES = re.compile(
    r"^(text/|application/(json|javascript|xml|x-yaml|yaml|graphql)|[^;]*\+(json|xml))", re.IGNORECASE
)
_LITERAL, _PARAM, _GREEDY = 0, 1, 2
_METHOD_TOKEN = re.compile(r"[A-Z][A-Z0-9_-]{0,31}")


@dataclass
class Authorizer:
    """A Lambda REQUEST authorizer of an HttpApi."""

    name: str
    function: str  # ARN or name, resolved by the Lambda service
    identity_sources: list[str]
    simple_responses: bool
    # Identity.ReauthorizeEvery: seconds an answer is cached per identity (0: every request).
    ttl: int = 0


@dataclass
class Route:
    api: str
    method: str  # upper case, or ANY
    path: str
    function: str  # logical id
    authorizer: Authorizer | None
    segments: list[tuple[int, str]] = field(default_factory=list)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(rank, path parameters) when this route serves the request; lower rank is more specific."""
        if self.method not in ("ANY", method):
            return None
        params: dict[str, str] = {}
        rank: list[int] = []
        for i, (kind, name) in enumerate(self.segments):
            if kind == _GREEDY:
                rest = parts[i:]
                if not rest or rest == [""]:
                    return None
                params[name] = "/".join(rest)
                rank.append(_GREEDY)
                break
            if i >= len(parts):
                return None
            if kind == _LITERAL and parts[i] != name:
                return None
            if kind == _PARAM:
                if not parts[i]:
                    return None
                params[name] = parts[i]
            rank.append(kind)
        else:
            if len(parts) != len(self.segments):
                return None
        return (*rank, 1 if self.method == "ANY" else 0), params


def _segments(path: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for part in path.strip("/").split("/") if path.strip("/") else []:
        if part.startswith("{") and part.endswith("+}"):
            out.append((_GREEDY, part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            out.append((_PARAM, part[1:-1]))
        else:
            out.append((_LITERAL, part))
    return out


def _identity_sources(spec: dict[str, Any]) -> list[str]:
    if spec.get("IdentitySource"):
        value = spec["IdentitySource"]
        return [str(v) for v in (value if isinstance(value, list) else str(value).split(","))]
    identity = spec.get("Identity") or {}
    sources = [f"$request.header.{h}" for h in identity.get("Headers") or []]
    sources += [f"$request.querystring.{q}" for q in identity.get("QueryStrings") or []]
    sources += [f"$context.{c}" for c in identity.get("Context") or []]
    sources += [f"$stageVariables.{s}" for s in identity.get("StageVariables") or []]
    return sources


def load_routes(template: Template) -> list[Route]:
    """Every HttpApi route of the template with the authorizer that guards it (None = public)."""
    apis: dict[str, tuple[str | None, dict[str, Authorizer]]] = {}
    for api_id, res in template.of_type("AWS::Serverless::HttpApi").items():
        auth = (res.get("Properties") or {}).get("Auth") or {}
        authorizers: dict[str, Authorizer] = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            if "FunctionArn" not in spec:
                continue  # JWT authorizers are not run locally
            authorizers[name] = Authorizer(
                name=name,
                function=str(template.resolve(spec["FunctionArn"])),
                identity_sources=_identity_sources(spec),
                simple_responses=bool(spec.get("EnableSimpleResponses", False)),
                ttl=int(template.resolve((spec.get("Identity") or {}).get("ReauthorizeEvery", 0)) or 0),
            )
        apis[api_id] = (auth.get("DefaultAuthorizer"), authorizers)
    routes: list[Route] = []
    for fn_id, res in template.of_type(*FUNCTION_TYPES).items():
        for event in ((res.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties") or {}
            api_ref = props.get("ApiId")
            api_id = str((api_ref.get("Ref") if isinstance(api_ref, dict) else api_ref) or DEFAULT_API)
            default, authorizers = apis.get(api_id, (None, {}))
            chosen = ((props.get("Auth") or {}).get("Authorizer")) or default
            authorizer = None if chosen in (None, "NONE") else authorizers.get(str(chosen))
            method = str(props.get("Method") or "ANY").upper()
            path = str(props.get("Path") or "/{proxy+}")
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" or method == "*":
                method = "ANY"
            routes.append(Route(api_id, method, path, fn_id, authorizer, _segments(path)))
    return routes


def _cors(template: Template) -> dict[str, Any]:
    for res in template.of_type("AWS::Serverless::HttpApi").values():
        cors = (res.get("Properties") or {}).get("CorsConfiguration")
        if isinstance(cors, dict):
            return dict(template.resolve(cors))
    return {}


class Gateway(ThreadingHTTPServer):
    """The HTTP API on localhost."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, template: Template, invoke: Invoke, host: str = "127.0.0.1", port: int = 3000) -> None:
        super().__init__((host, port), _Handler)
        self.template = template
        self.invoke = invoke
        self.routes = load_routes(template)
        self.cors = _cors(template)
        # (authorizer, identity values...) → (expires at, context): authorizer result caching.
        self.authorizer_cache: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        # Split before decoding, so an encoded "/" (%2F) stays inside its segment.
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        best: tuple[tuple[int, ...], Route, dict[str, str]] | None = None
        for route in self.routes:
            found = route.match(method, parts)
            if found and (best is None or found[0] < best[0]):
                best = (found[0], route, found[1])
        return (best[1], best[2]) if best else None


def _json(status: int, body: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
        try:
            length = self.headers.get("Content-Length")
            if length is not None and not (length.strip().isdigit()):
                raise ValueError(f"Content-Length {length[:20]!r}")
            body = read_body(self)
        except ValueError as exc:  # a framing API Gateway refuses before any route
            print(f"[gateway] {self.command} {self.path}: unreadable request: {exc}", flush=True)
            self.close_connection = True
            body, refused = b"", True
        else:
            refused = False
        try:
            if refused:
                status, headers, payload = _json(400, {"message": "Bad Request"})
            else:
                status, headers, payload = self._serve(body, request_id)
        except Exception as exc:  # the gateway's own failure: API Gateway's 500
            print(f"[gateway] {self.command} {self.path}: {exc!r}", flush=True)
            status, headers, payload = _json(500, {"message": "Internal Server Error"})
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("apigw-requestid", request_id)
        self._cors_headers(preflight=self._is_preflight())
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, PROPFIND, ...) is routed like API Gateway does: it can only
        # match an ANY route (here the catch-all, whose function answers 405 with Allow),
        # never http.server's own 501 HTML page.
        if name.startswith("do_") and _METHOD_TOKEN.fullmatch(name[3:]):
            return self._dispatch
        raise AttributeError(name)

    def _cors_headers(self, preflight: bool) -> None:
        cors = self.server.cors
        origin = self.headers.get("Origin")
        if not cors or not origin:
            return
        allowed = cors.get("AllowOrigins") or []
        if "*" not in allowed and origin not in allowed:
            return
        self.send_header("Access-Control-Allow-Origin", "*" if "*" in allowed else origin)
        if cors.get("ExposeHeaders") and not preflight:
            self.send_header("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"]))
        if cors.get("AllowCredentials"):
            self.send_header("Access-Control-Allow-Credentials", "true")
        if preflight:
            self.send_header("Access-Control-Allow-Methods", ",".join(cors.get("AllowMethods") or ["*"]))
            self.send_header("Access-Control-Allow-Headers", ",".join(cors.get("AllowHeaders") or ["*"]))
            if cors.get("MaxAge"):
                self.send_header("Access-Control-Max-Age", str(cors["MaxAge"]))

    def _is_preflight(self) -> bool:
        return bool(
            self.command == "OPTIONS"
            and self.server.cors
            and self.headers.get("Origin")
            and self.headers.get("Access-Control-Request-Method")
        )

    def _serve(self, body: bytes, request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
        split = urlsplit(self.path)
        path = split.path or "/"
        if self._is_preflight():  # answered by API Gateway itself when CORS is configured
            return 204, [], b""
        found = self.server.find(self.command, path)
        if found is None:
            return _json(404, {"message": "Not Found"})
        route, path_params = found
        # As HTTP APIs do, the function sees the path and its parameters percent-decoded.
        event = self._event(route, unquote(path), split.query, path_params, body, request_id)
        if route.authorizer is not None:
            denied = self._authorize(route, event)
            if denied is not None:
                return denied
        result = self.server.invoke(route.function, event)
        if result.function_error:
            error = result.payload if isinstance(result.payload, dict) else {}
            print(
                f"[gateway] {route.route_key} → {route.function} failed: "
                f"{error.get('errorType')}: {error.get('errorMessage')}",
                flush=True,
            )
            return _json(500, {"message": "Internal Server Error"})
        return _response(result.payload)

    # ------------------------------------------------------------------ the event
    def _event(
        self,
        route: Route,
        path: str,
        raw_query: str,
        path_params: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for key, value in self.headers.items():
            name = key.lower()
            if name == "cookie":
                cookies += [c.strip() for c in value.split(";") if c.strip()]
                continue
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        # As API Gateway adds them: the caller's address appended, the listener's port and scheme.
        source_ip = self.client_address[0]
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {source_ip}" if forwarded else source_ip
        headers.setdefault("x-forwarded-port", str(self.server.server_address[1]))
        headers.setdefault("x-forwarded-proto", "http")
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        now = time.time()
        host = headers.get("host", "localhost")
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": self.server.template.account_id,
                "apiId": route.api.lower(),
                "domainName": host,
                "domainPrefix": host.split(".", 1)[0],
                "http": {
                    "method": self.command,
                    "path": path,
                    "protocol": self.request_version,
                    "sourceIp": source_ip,
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": request_id,
                "routeKey": route.route_key,
                "stage": "$default",
                "time": _clf_time(now),
                "timeEpoch": int(now * 1000),
            },
            "isBase64Encoded": False,
        }
        if cookies:
            event["cookies"] = cookies
        if query:
            event["queryStringParameters"] = query
        if path_params:
            event["pathParameters"] = path_params
        if body:
            content_type = headers.get("content-type", "")
            text = _as_text(content_type, body)
            if text is not None:
                event["body"] = text
            else:
                event["body"] = base64.b64encode(body).decode()
                event["isBase64Encoded"] = True
        return event

    # ------------------------------------------------------------------ the authorizer
    def _authorize(
        self, route: Route, event: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """None when the request may go on (event updated with the context), else the answer."""
        authorizer = route.authorizer
        assert authorizer is not None
        identity: list[str] = []
        for source in authorizer.identity_sources:
            value = _identity_value(source.strip(), event)
            if not value:
                return _json(401, {"message": "Unauthorized"})
            identity.append(value)
        request = {k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")}
        request["type"] = "REQUEST"
        method = event["requestContext"]["http"]["method"]
        tpl = self.server.template
        request["routeArn"] = (
            f"arn:aws:execute-api:{tpl.region}:{tpl.account_id}:{route.api.lower()}/$default/{method}{event['rawPath']}"
        )
        request["identitySource"] = identity
        # API Gateway caches an authorizer's answer per identity-source values for its TTL
        # (only when identity sources are set): the function then sees the cached context.
        cache_key = (authorizer.name, *identity) if authorizer.ttl > 0 and identity else None
        cached = self.server.authorizer_cache.get(cache_key) if cache_key else None
        if cached is not None and cached[0] > time.monotonic():
            event["requestContext"]["authorizer"] = {"lambda": dict(cached[1])}
            return None
        try:
            result = self.server.invoke(authorizer.function, request)
        except Exception as exc:
            print(f"[gateway] authorizer {authorizer.name}: {exc!r}", flush=True)
            return _json(500, {"message": "Internal Server Error"})
        answer = result.payload if isinstance(result.payload, dict) else None
        if result.function_error or answer is None:
            print(f"[gateway] authorizer {authorizer.name} failed: {result.payload}", flush=True)
            return _json(500, {"message": "Internal Server Error"})
        if authorizer.simple_responses:
            allowed = answer.get("isAuthorized") is True
        else:
            statements = (answer.get("policyDocument") or {}).get("Statement") or []
            allowed = bool(statements) and all(s.get("Effect") == "Allow" for s in statements)
        if not allowed:
            return _json(403, {"message": "Forbidden"})
        context = answer.get("context") or {}
        event["requestContext"]["authorizer"] = {"lambda": context}
        if cache_key:
            self.server.authorizer_cache[cache_key] = (time.monotonic() + authorizer.ttl, dict(context))
        return None


def _clf_time(epoch: float) -> str:
    """API Gateway's requestContext.time, e.g. 22/Nov/2026:08:00:00 +0000."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


def _as_text(content_type: str, body: bytes) -> str | None:
    """The body as the event's text, or None to send it base64-encoded (isBase64Encoded).

    A text content type (or none) with UTF-8 bytes goes as text; anything else, including bytes
    that are not UTF-8 under a text type, goes base64-encoded, so the function sees exactly the
    bytes sent and answers them (400 INVALID_FORMAT) instead of the gateway failing.
    """
    if content_type and not _TEXT_TYPES.match(content_type.strip()):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _identity_value(source: str, event: dict[str, Any]) -> str | None:
    if source.startswith("$request.header."):
        return event["headers"].get(source[len("$request.header.") :].lower())
    if source.startswith("$request.querystring."):
        return (event.get("queryStringParameters") or {}).get(source[len("$request.querystring.") :])
    if source.startswith("$context."):
        value: Any = event["requestContext"]
        for part in source[len("$context.") :].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None else str(value)
    return None  # stage variables: the $default stage has none


def _response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Payload-2.0 response mapping: a response dict, or any other value as a 200 JSON body."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, [("Content-Type", "application/json")], json.dumps(result).encode()
    headers: list[tuple[str, str]] = []
    for key, value in (result.get("headers") or {}).items():
        headers.append((str(key), str(value)))
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(key), str(v)) for v in values]
    for cookie in result.get("cookies") or []:
        headers.append(("Set-Cookie", str(cookie)))
    body = result.get("body")
    if body is None:
        payload = b""
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(str(body))
    else:
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
    if payload and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return int(result["statusCode"]), headers, payload
