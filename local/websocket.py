"""The template's API Gateway WebSocket APIs, served locally, with their `@connections` API.

`start_websocket_gateway(template, invoke, host, port)` serves every AWS::ApiGatewayV2::Api
with ProtocolType WEBSOCKET: its Routes ($connect, $disconnect, $default, custom keys chosen by
the RouteSelectionExpression, e.g. `$request.body.action`), each Route's Integration (the
IntegrationUri names the function) and its Stage. Events are built as API Gateway builds
them (requestContext.routeKey/eventType/connectionId/connectedAt/domainName/stage/apiId/
requestId/identity; headers and query string on $connect; body on messages). A $connect
answer with a non-2xx statusCode (or a failing function) refuses the handshake with that
status; $disconnect runs when the client goes. A Route with a RouteResponseSelectionExpression
sends the function's `body` back (two-way routes); a $connect Route with a CUSTOM authorizer
runs it first (REQUEST authorizer, IAM policy answer), as API Gateway does.

Ports and paths: ONE port. Clients connect to `ws://host:port/<stage>` (or `/`) with their
query string. The same port answers the management API, `POST|GET|DELETE
/<stage>/@connections/<connectionId>` (a bare `/@connections/<id>` too), which boto3's
`apigatewaymanagementapi` client posts to when given `management_endpoint(api)` as
endpoint_url. A closed or unknown connection answers 410 GoneException, as AWS does. (The
`websockets` server cannot read request bodies, so each accepted socket is peeked first:
WebSocket upgrades go to `websockets`, plain HTTP to the management handler.) With several
WebSocket APIs in one template, each is served under `/<api-id>` on the same port.

How the template's references resolve locally (contract with local/__main__.py): the start
function sets, in `template.overrides`,
  - `<ApiLogicalId>` → the local API id (so `!Ref Api` is the id, as in AWS),
  - `<ApiLogicalId>.ApiEndpoint` → `ws://host:port` (AWS: `wss://{id}.execute-api.{region}.amazonaws.com`),
  - `<StageLogicalId>` → the stage name.
So a function env var written `!Sub "${ProgressWebSocketApi.ApiEndpoint}/${Stage}"` is the
client URL in AWS and locally, and code derives the management endpoint from it by
swapping the scheme (wss→https, ws→http): `management_url()` below shows the rule. A value
written the classic way, `https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}`,
is mapped to the local endpoint by `WebSocketGateway.rewrite_management_url()`; the runtime
applies it to function environments once the gateway is up. Start the gateway before the
Lambda workers so they see the final values.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from local.template import Template

Invoke = Callable[[str, dict[str, Any]], dict[str, Any] | None]
_LAMBDA_ARN = re.compile(r"arn:aws[\w-]*:lambda:[^:]+:\d+:function:[^/:]+")
_PEEK_TIMEOUT = 10.0


def management_url(api_endpoint_with_stage: str) -> str:
    """The @connections endpoint for a WebSocket URL: `wss://x/dev` → `https://x/dev` (ws → http)."""
    return re.sub(r"^ws(s?)://", r"http\1://", api_endpoint_with_stage)


@dataclass
class WsRoute:
    key: str
    function: str | None  # logical id of the integration's function
    two_way: bool = False
    authorizer_function: str | None = None


@dataclass
class WsApi:
    logical_id: str
    api_id: str
    stage: str
    selection_expression: str
    routes: dict[str, WsRoute] = field(default_factory=dict)
    prefix: str = ""  # "/<api-id>" when the template has several WebSocket APIs


@dataclass
class Connection:
    connection_id: str
    api: WsApi
    socket: ServerConnection
    connected_at: float
    source_ip: str
    user_agent: str
    headers: dict[str, str]
    authorizer: dict[str, Any] | None = None
    last_active_at: float = 0.0


def _api_id(logical_id: str) -> str:
    return hashlib.sha256(logical_id.encode()).hexdigest()[:10]


def _function_of(template: Template, uri: Any) -> str | None:
    """The logical id of the function an IntegrationUri / AuthorizerUri designates."""
    match = _LAMBDA_ARN.search(str(template.resolve(uri)))
    if not match:
        return None
    arn = match.group(0)
    for logical_id in template.of_type("AWS::Serverless::Function", "AWS::Lambda::Function"):
        if template.arn(logical_id) == arn:
            return logical_id
    return None


def _ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return None


def load_websocket_apis(template: Template) -> dict[str, WsApi]:
    """Every WEBSOCKET API of the template with its routes and stage, by logical id."""
    apis: dict[str, WsApi] = {}
    for logical_id, res in template.of_type("AWS::ApiGatewayV2::Api").items():
        props = res.get("Properties") or {}
        if str(props.get("ProtocolType", "")).upper() != "WEBSOCKET":
            continue
        apis[logical_id] = WsApi(
            logical_id=logical_id,
            api_id=_api_id(logical_id),
            stage="$default",
            selection_expression=str(props.get("RouteSelectionExpression") or "$request.body.action"),
        )
    integrations: dict[str, str | None] = {}
    for logical_id, res in template.of_type("AWS::ApiGatewayV2::Integration").items():
        integrations[logical_id] = _function_of(template, (res.get("Properties") or {}).get("IntegrationUri"))
    authorizers: dict[str, str | None] = {}
    for logical_id, res in template.of_type("AWS::ApiGatewayV2::Authorizer").items():
        authorizers[logical_id] = _function_of(template, (res.get("Properties") or {}).get("AuthorizerUri"))
    for res in template.of_type("AWS::ApiGatewayV2::Stage").values():
        props = res.get("Properties") or {}
        api = apis.get(_ref_target(props.get("ApiId")) or "")
        if api is not None:
            api.stage = str(template.resolve(props.get("StageName")))
    for res in template.of_type("AWS::ApiGatewayV2::Route").values():
        props = res.get("Properties") or {}
        api = apis.get(_ref_target(props.get("ApiId")) or "")
        if api is None:
            continue
        target = str(template.resolve(props.get("Target") or ""))
        integration = target.split("/", 1)[1] if target.startswith("integrations/") else ""
        authorizer = _ref_target(props.get("AuthorizerId"))
        key = str(props.get("RouteKey"))
        api.routes[key] = WsRoute(
            key=key,
            function=integrations.get(integration),
            two_way=bool(props.get("RouteResponseSelectionExpression")),
            authorizer_function=authorizers.get(authorizer) if authorizer else None,
        )
    return apis


def _select_route(api: WsApi, body: str) -> WsRoute | None:
    """Evaluate `$request.body.<path>` on a JSON message; fall back to $default as AWS does."""
    expr = api.selection_expression
    if expr.startswith("$request.body."):
        try:
            value: Any = json.loads(body)
            for part in expr.removeprefix("$request.body.").split("."):
                value = value.get(part) if isinstance(value, dict) else None
        except ValueError:
            value = None
        if isinstance(value, str) and value in api.routes:
            return api.routes[value]
    return api.routes.get("$default")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _request_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _request_id() -> str:
    return base64.b64encode(os.urandom(12)).decode()[:15] + "="


def _connection_id() -> str:
    # AWS ids look like base64 (16 chars, one '='); url-safe so they sit in a path as is.
    return base64.urlsafe_b64encode(os.urandom(11)).decode()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class WebSocketGateway:
    """A running gateway; `url`, `management_endpoint(api)`, `shutdown()`."""

    def __init__(self, template: Template, invoke: Invoke, host: str, port: int) -> None:
        self.template = template
        self.invoke = invoke
        self.apis = load_websocket_apis(template)
        if len(self.apis) > 1:
            for api in self.apis.values():
                api.prefix = f"/{api.api_id}"
        self._connections: dict[str, Connection] = {}
        self._management_sockets: set[socket.socket] = set()
        self._closing = False
        self._lock = threading.Lock()
        self._server: Server = serve(
            self._serve_connection,
            host,
            port,
            process_request=self._process_request,
            ping_interval=None,
            compression=None,
        )
        self._server.handler = self._front(self._server.handler)
        bound = self._server.socket.getsockname()
        self.host, self.port = str(bound[0]), int(bound[1])
        self.domain_name = f"{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="websocket-gateway", daemon=True
        )

    # ------------------------------------------------------------------ public
    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def management_endpoint(self, api_logical_id: str) -> str:
        """What boto3's `apigatewaymanagementapi` client takes as endpoint_url for this API."""
        api = self.apis[api_logical_id]
        return f"http://{self.host}:{self.port}{api.prefix}/{api.stage}"

    def rewrite_management_url(self, url: str) -> str:
        """`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` → the local endpoint."""
        for api in self.apis.values():
            aws = re.compile(
                rf"^(?:https|wss)://{api.api_id}\.execute-api\.[a-z0-9-]+\.amazonaws\.com(/.*)?$"
            )
            match = aws.match(url)
            if match:
                return f"http://{self.host}:{self.port}{api.prefix}{match.group(1) or ''}"
        return url

    def connection_ids(self) -> list[str]:
        with self._lock:
            return list(self._connections)

    def shutdown(self) -> None:
        """Close clients (1001, so $disconnect runs), idle management connections, and the port."""
        with self._lock:
            self._closing = True
            idle = list(self._management_sockets)
        for sock in idle:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.shutdown()
        self._thread.join(timeout=10)

    def start(self) -> None:
        self._thread.start()

    # ------------------------------------------------------------------ routing of sockets
    def _front(
        self, websocket_handler: Callable[[socket.socket, Any], None]
    ) -> Callable[[socket.socket, Any], None]:
        """Per accepted socket: WebSocket upgrades to `websockets`, anything else to @connections."""

        def handle(sock: socket.socket, addr: Any) -> None:
            try:
                head = _peek_head(sock)
            except OSError:
                head = b""
            if re.search(rb"^upgrade:\s*websocket\s*$", head, re.IGNORECASE | re.MULTILINE) or not head:
                sock.settimeout(None)
                websocket_handler(sock, addr)
                return
            with self._lock:
                closing = self._closing
                self._management_sockets.add(sock)
            try:
                if not closing:
                    sock.settimeout(30)
                    _ManagementHandler(sock, addr, self)  # type: ignore[arg-type]
            except OSError:
                pass
            finally:
                with self._lock:
                    self._management_sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.close()
                with self._server.lock:
                    self._server.handler_threads.discard(threading.current_thread())

        return handle

    def _locate(self, raw_path: str) -> WsApi | None:
        path = urlsplit(raw_path).path.rstrip("/")
        for api in self.apis.values():
            if api.prefix and path.startswith(api.prefix):
                rest = path[len(api.prefix) :]
            elif not api.prefix:
                rest = path
            else:
                continue
            if rest in ("", f"/{api.stage}"):
                return api
        return None

    # ------------------------------------------------------------------ WebSocket side
    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        api = self._locate(request.path)
        if api is None:
            return conn.respond(404, "No WebSocket API at this path\n")
        headers = dict(request.headers.raw_items())
        query = dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True))
        multi_query: dict[str, list[str]] = {}
        for k, v in parse_qsl(urlsplit(request.path).query, keep_blank_values=True):
            multi_query.setdefault(k, []).append(v)
        peer = conn.remote_address
        info = Connection(
            connection_id=_connection_id(),
            api=api,
            socket=conn,
            connected_at=time.time(),
            source_ip=str(peer[0]) if peer else "127.0.0.1",
            user_agent=headers.get("User-Agent", ""),
            headers=headers,
        )
        event = self._event(info, "$connect", "CONNECT")
        event["headers"] = headers
        event["multiValueHeaders"] = {k: request.headers.get_all(k) for k in headers}
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = multi_query or None
        route = api.routes.get("$connect")
        if route is not None and route.authorizer_function:
            refused = self._authorize(conn, route, info, event)
            if refused is not None:
                return refused
            event["requestContext"]["authorizer"] = info.authorizer
        if route is not None and route.function:
            try:
                result = self.invoke(route.function, event)
            except Exception:
                return conn.respond(500, "Internal server error\n")
            status, body = _proxy_status(result)
            if not 200 <= status < 300:
                return _http_response(conn, status, body)
        conn.tracktion_connection = info  # type: ignore[attr-defined]
        return None

    def _authorize(
        self, conn: ServerConnection, route: WsRoute, info: Connection, connect_event: dict[str, Any]
    ) -> Response | None:
        ctx = connect_event["requestContext"]
        event = {
            "type": "REQUEST",
            "methodArn": (
                f"arn:aws:execute-api:{self.template.region}:{self.template.account_id}:"
                f"{info.api.api_id}/{info.api.stage}/$connect"
            ),
            "headers": connect_event["headers"],
            "multiValueHeaders": connect_event["multiValueHeaders"],
            "queryStringParameters": connect_event["queryStringParameters"] or {},
            "multiValueQueryStringParameters": connect_event["multiValueQueryStringParameters"] or {},
            "stageVariables": {},
            "requestContext": ctx,
        }
        try:
            answer = self.invoke(str(route.authorizer_function), event) or {}
        except Exception:
            return conn.respond(500, "Internal server error\n")
        statements = ((answer.get("policyDocument") or {}).get("Statement")) or []
        allowed = bool(statements) and all(str(s.get("Effect")).lower() == "allow" for s in statements)
        if not allowed:
            return _http_response(conn, 403 if answer.get("principalId") else 401, '{"message":"Forbidden"}')
        info.authorizer = {"principalId": answer.get("principalId"), **(answer.get("context") or {})}
        return None

    def _serve_connection(self, conn: ServerConnection) -> None:
        info: Connection = conn.tracktion_connection  # type: ignore[attr-defined]
        info.last_active_at = time.time()
        with self._lock:
            self._connections[info.connection_id] = info
        try:
            for message in conn:
                info.last_active_at = time.time()
                self._on_message(info, message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.pop(info.connection_id, None)
            self._on_disconnect(info, conn.close_code, conn.close_reason)

    def _on_message(self, info: Connection, message: str | bytes) -> None:
        text = message if isinstance(message, str) else ""
        route = _select_route(info.api, text)
        if route is None or not route.function:
            # What API Gateway answers when no route (and no $default) matches.
            with contextlib.suppress(ConnectionClosed):
                info.socket.send(
                    json.dumps(
                        {
                            "message": "Forbidden",
                            "connectionId": info.connection_id,
                            "requestId": _request_id(),
                        }
                    )
                )
            return
        event = self._event(info, route.key, "MESSAGE")
        event["requestContext"]["messageId"] = _request_id()
        if isinstance(message, str):
            event["body"], event["isBase64Encoded"] = message, False
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(message).decode(), True
        try:
            result = self.invoke(route.function, event)
        except Exception:
            result = None
            error = {
                "message": "Internal server error",
                "connectionId": info.connection_id,
                "requestId": _request_id(),
            }
            with contextlib.suppress(ConnectionClosed):
                info.socket.send(json.dumps(error))
        if route.two_way and isinstance(result, dict) and result.get("body") is not None:
            with contextlib.suppress(ConnectionClosed):
                info.socket.send(str(result["body"]))

    def _on_disconnect(self, info: Connection, code: int | None, reason: str | None) -> None:
        route = info.api.routes.get("$disconnect")
        if route is None or not route.function:
            return
        event = self._event(info, "$disconnect", "DISCONNECT")
        event["headers"] = info.headers
        event["multiValueHeaders"] = {k: [v] for k, v in info.headers.items()}
        event["requestContext"]["disconnectStatusCode"] = code if code is not None else 1006
        event["requestContext"]["disconnectReason"] = reason or ""
        with contextlib.suppress(Exception):  # the client is gone; nobody to tell
            self.invoke(route.function, event)

    def _event(self, info: Connection, route_key: str, event_type: str) -> dict[str, Any]:
        now = _now_ms()
        request_id = _request_id()
        context: dict[str, Any] = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": info.api.stage,
            "connectedAt": int(info.connected_at * 1000),
            "requestTimeEpoch": now,
            "identity": {"userAgent": info.user_agent, "sourceIp": info.source_ip},
            "requestId": request_id,
            "domainName": self.domain_name,
            "connectionId": info.connection_id,
            "apiId": info.api.api_id,
        }
        if info.authorizer is not None:
            context["authorizer"] = info.authorizer
        return {"requestContext": context, "isBase64Encoded": False}

    # ------------------------------------------------------------------ @connections side
    def post_to_connection(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            info = self._connections.get(connection_id)
        if info is None:
            return False
        try:
            try:
                info.socket.send(data.decode("utf-8"))
            except UnicodeDecodeError:
                info.socket.send(data)
        except ConnectionClosed:
            return False
        return True

    def get_connection(self, connection_id: str) -> dict[str, Any] | None:
        with self._lock:
            info = self._connections.get(connection_id)
        if info is None:
            return None
        return {
            "connectedAt": _iso(info.connected_at),
            "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent},
            "lastActiveAt": _iso(info.last_active_at or info.connected_at),
        }

    def delete_connection(self, connection_id: str) -> bool:
        with self._lock:
            info = self._connections.get(connection_id)
        if info is None:
            return False
        # Closed from another thread, so the ack does not wait on this management call.
        threading.Thread(target=info.socket.close, args=(1000, "deleted"), daemon=True).start()
        return True


def _peek_head(sock: socket.socket) -> bytes:
    """The request head without consuming it, so whoever handles the socket reads it whole."""
    sock.settimeout(_PEEK_TIMEOUT)
    deadline = time.monotonic() + _PEEK_TIMEOUT
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536 and time.monotonic() < deadline:
        data = sock.recv(65536, socket.MSG_PEEK)
        if not data or data == head:
            if not data:
                return head
            time.sleep(0.005)
        head = data
    return head.split(b"\r\n\r\n", 1)[0]


def _proxy_status(result: dict[str, Any] | None) -> tuple[int, str]:
    """A proxy integration's status: its statusCode, 500 for a function error, 200 otherwise."""
    if not isinstance(result, dict):
        return 200, ""
    if "statusCode" in result:
        try:
            return int(result["statusCode"]), str(result.get("body") or "")
        except (TypeError, ValueError):
            return 500, ""
    if "errorType" in result or "errorMessage" in result:
        return 500, '{"message": "Internal server error"}'
    return 200, ""


def _http_response(conn: ServerConnection, status: int, body: str) -> Response:
    try:
        HTTPStatus(status)
    except ValueError:
        status = 500
    response = conn.respond(status, body)
    if body.lstrip().startswith(("{", "[")):
        response.headers["Content-Type"] = "application/json"
    return response


class _ManagementHandler(BaseHTTPRequestHandler):
    """`@connections` as API Gateway's management API answers it."""

    protocol_version = "HTTP/1.1"
    server: WebSocketGateway  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _connection_id(self) -> str | None:
        parts = unquote(urlsplit(self.path).path).rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == "@connections" and parts[-1]:
            return parts[-1]
        return None

    def _answer(self, status: int, body: dict[str, Any] | None = None, error: str | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if error:
            self.send_header("x-amzn-ErrorType", error)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _gone(self, connection_id: str) -> None:
        self._answer(410, {"message": f"Connection {connection_id} is gone"}, "GoneException")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        body = self._read_body()
        cid = self._connection_id()
        if cid is None:
            self._answer(404, {"message": "Not Found"}, "NotFoundException")
        elif len(body) > 128 * 1024:
            self._answer(413, {"message": "Payload too large (128 KB)"}, "PayloadTooLargeException")
        elif self.server.post_to_connection(cid, body):
            self._answer(200)
        else:
            self._gone(cid)

    def do_GET(self) -> None:
        cid = self._connection_id()
        found = self.server.get_connection(cid) if cid else None
        if cid is None:
            self._answer(404, {"message": "Not Found"}, "NotFoundException")
        elif found is None:
            self._gone(cid)
        else:
            self._answer(200, found)

    def do_DELETE(self) -> None:
        cid = self._connection_id()
        if cid is None:
            self._answer(404, {"message": "Not Found"}, "NotFoundException")
        elif self.server.delete_connection(cid):
            self._answer(204)
        else:
            self._gone(cid)


def start_websocket_gateway(template: Template, invoke: Invoke, host: str, port: int) -> WebSocketGateway:
    """Serve the template's WebSocket APIs on host:port (0 = any free port) until `shutdown()`.

    Sets `template.overrides` for the APIs' ids, ApiEndpoint and stages (see the module doc).
    """
    gateway = WebSocketGateway(template, invoke, host, port)
    for api in gateway.apis.values():
        template.overrides[api.logical_id] = api.api_id
        template.overrides[f"{api.logical_id}.ApiEndpoint"] = f"{gateway.url}{api.prefix}"
    for logical_id, res in template.of_type("AWS::ApiGatewayV2::Stage").items():
        api_ref = _ref_target((res.get("Properties") or {}).get("ApiId"))
        if api_ref in gateway.apis:
            template.overrides[logical_id] = gateway.apis[api_ref].stage
    gateway.start()
    return gateway
