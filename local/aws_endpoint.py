"""The embedded AWS endpoint: Lambda's Invoke API answered by our workers, everything else by moto.

One port, as a real endpoint would be: `POST /2015-03-31/functions/{name}/invocations` runs
the function through local.lambdas (Lambda's error contract included); any other request is
forwarded unchanged (method, path, headers, body, status) to a moto server on an internal
port. Observers see each forwarded exchange after it completed; the S3 trigger dispatcher
uses that to notice created objects, as S3 notifications would.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local.lambdas import FunctionNotFound, LambdaService
from local.meter import FaultSwitch, Meter, dynamodb_units, error_answer

_INVOKE_PREFIX = "/2015-03-31/functions/"
_CONTROL_PREFIX = "/_local/"  # the meter and the fault switch (local/meter.py)
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",
}
_CHUNK = 1 << 16


@dataclass
class Exchange:
    """A request moto answered, as an observer sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int
    response_headers: dict[str, str]  # lower-case names


Observer = Callable[[Exchange], None]


class AwsEndpoint(ThreadingHTTPServer):
    """The AWS endpoint every function and client talks to (`AWS_ENDPOINT_URL`)."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, host: str, port: int, moto_host: str, moto_port: int) -> None:
        super().__init__((host, port), _Handler)
        self.moto_host = moto_host
        self.moto_port = moto_port
        self.lambdas: LambdaService | None = None
        self.observers: list[Observer] = []
        self._local = threading.local()
        # moto applies DynamoDB condition checks and updates without a lock, so two threads
        # can both pass `attribute_not_exists`/`version = :v`. DynamoDB itself never lets
        # that happen; serialising DynamoDB calls here restores the guarantee our
        # optimistic-concurrency and rate-limit code relies on.
        self.dynamodb_lock = threading.Lock()
        self.meter = Meter()
        self.faults = FaultSwitch()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="aws-endpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def moto_connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        """This thread's kept-alive connection to moto."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(self.moto_host, self.moto_port, timeout=300)
            self._local.conn = conn
        return conn

    def moto_request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """A request of our own to moto (provisioning, HEAD after an upload)."""
        conn = http.client.HTTPConnection(self.moto_host, self.moto_port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def notify(self, exchange: Exchange) -> None:
        for observer in self.observers:
            try:
                observer(exchange)
            except Exception as exc:  # an observer's bug must not break the AWS call
                print(f"[aws] observer failed: {exc!r}", flush=True, file=sys.stderr)


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, whether sized by Content-Length or sent chunked."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        parts: list[bytes] = []
        while True:
            size_line = handler.rfile.readline()
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class _Handler(BaseHTTPRequestHandler):
    server: AwsEndpoint
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        body = read_body(self)
        path = urlsplit(self.path).path
        if path.startswith(_CONTROL_PREFIX):
            self._control(path[len(_CONTROL_PREFIX) :], body)
        elif self.command == "POST" and path.startswith(_INVOKE_PREFIX) and path.endswith("/invocations"):
            self._invoke(unquote(path[len(_INVOKE_PREFIX) : -len("/invocations")]), body)
        else:
            self._forward(body)

    # ------------------------------------------------------------------ meter and faults
    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def _control(self, what: str, body: bytes) -> None:
        server = self.server
        if what == "meter" and self.command == "GET":
            answer = server.meter.snapshot()
            if server.lambdas is not None:
                answer["lambda"] = server.lambdas.usage()
            self._json(200, answer)
        elif what == "meter" and self.command == "DELETE":
            server.meter.reset()
            if server.lambdas is not None:
                server.lambdas.reset_usage()
            self._send(204, b"")
        elif what == "faults" and self.command == "POST":
            try:
                server.faults.set(json.loads(body))
            except (ValueError, TypeError) as exc:
                self._send(
                    400, json.dumps({"message": str(exc)}).encode(), {"Content-Type": "application/json"}
                )
                return
            self._send(201, body, {"Content-Type": "application/json"})
        elif what == "faults" and self.command == "GET":
            self._send(
                200, json.dumps(server.faults.listing()).encode(), {"Content-Type": "application/json"}
            )
        elif what == "faults" and self.command == "DELETE":
            self._json(200, server.faults.clear())
        else:
            self._json(404, {"message": "no such control"})

    def _service_operation(self, body: bytes) -> tuple[str, str]:
        """The AWS service and operation of a request, from its signature scope and target."""
        auth = self.headers.get("Authorization") or ""
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
        service = scope[3] if len(scope) >= 5 else ""
        target = self.headers.get("X-Amz-Target") or ""
        if target:
            return service or target.split("_", 1)[0].split(".", 1)[0].lower(), target.rsplit(".", 1)[-1]
        if service == "s3":
            return "s3", self.command
        action = (
            parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
            if body[:200].find(b"Action=") >= 0
            else ""
        )
        return service, action or self.command

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _dispatch

    # ------------------------------------------------------------------ Lambda Invoke
    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _lambda_error(self, status: int, error_type: str, message: str) -> None:
        body = json.dumps({"Type": "User", "message": message}).encode()
        self._send(status, body, {"Content-Type": "application/json", "x-amzn-ErrorType": error_type})

    def _invoke(self, name: str, body: bytes) -> None:
        lambdas = self.server.lambdas
        if lambdas is None:
            self._lambda_error(503, "ServiceException", "The Lambda service is starting")
            return
        kind = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        qualifier = parse_qs(urlsplit(self.path).query).get("Qualifier", [""])[0]
        try:
            spec = lambdas.resolve(name)
        except FunctionNotFound:
            arn = name if name.startswith("arn:") else f"function:{name}"
            self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {arn}")
            return
        if qualifier not in ("", "$LATEST"):
            self._lambda_error(
                404, "ResourceNotFoundException", f"Function not found: {spec.arn}:{qualifier}"
            )
            return
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            self._lambda_error(
                400, "InvalidRequestContentException", "Could not parse request body into json"
            )
            return
        if kind == "DryRun":
            self._send(204, b"")
            return
        if kind not in ("RequestResponse", "Event"):
            self._lambda_error(400, "InvalidParameterValueException", f"Invalid invocation type: {kind}")
            return
        result = lambdas.invoke(spec.logical_id, payload, asynchronous=kind == "Event")
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        self._send(result.status, result.body(), headers)

    # ------------------------------------------------------------------ everything else → moto
    def _forward(self, body: bytes) -> None:
        service, operation = self._service_operation(body)
        request: dict[str, Any] = {}
        if service == "dynamodb":
            with contextlib.suppress(ValueError):
                request = json.loads(body or b"{}")
        fault = self.server.faults.take(service, operation, self.command, urlsplit(self.path).path, request)
        if fault is not None:
            status, fault_headers, fault_body = error_answer(fault)
            self.server.meter.count(service, f"{operation} (fault {fault.error})")
            self._send(status, fault_body, fault_headers)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        serialise = (self.headers.get("X-Amz-Target") or "").startswith("DynamoDB_")
        lock = self.server.dynamodb_lock if serialise else contextlib.nullcontext()
        resp: http.client.HTTPResponse | None = None
        buffered: bytes | None = None
        with lock:
            for attempt in range(2):  # a kept-alive connection moto closed meanwhile is retried once
                conn = self.server.moto_connection(fresh=attempt > 0)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    break
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    if attempt:
                        raise
            assert resp is not None
            if serialise:
                buffered = resp.read()
        response_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP]
        if buffered is not None:
            units = (0.0, 0.0)
            if service == "dynamodb" and resp.status < 300:
                with contextlib.suppress(ValueError):
                    units = dynamodb_units(operation, request, json.loads(buffered or b"{}"))
            self.server.meter.count(service, operation, units)
            self.send_response(resp.status)
            for key, value in response_headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(buffered)))
            self.end_headers()
            self.wfile.write(buffered)
            if resp.will_close:
                self.server.moto_connection(fresh=True)
            return
        self.server.meter.count(service, operation)
        self.send_response(resp.status)
        for key, value in response_headers:
            self.send_header(key, value)
        length = resp.getheader("Content-Length")
        if self.command == "HEAD" or resp.status in (204, 304):
            self.send_header("Content-Length", length or "0")
            self.end_headers()
            resp.read()
        elif length is not None:
            self.send_header("Content-Length", length)
            self.end_headers()
            while chunk := resp.read(_CHUNK):
                self.wfile.write(chunk)
        else:
            data = resp.read()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        if resp.will_close:
            self.server.moto_connection(fresh=True)
        if self.server.observers and resp.status < 300:
            split = urlsplit(self.path)
            exchange = Exchange(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                status=resp.status,
                response_headers={k.lower(): v for k, v in response_headers},
            )
            with contextlib.suppress(Exception):
                self.server.notify(exchange)
