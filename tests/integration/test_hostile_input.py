"""Hostile input through the local runtime: answered in the standard error format, never a crash.

The gateway behaves as API Gateway's HTTP API: bytes that are not UTF-8 reach the function
base64-encoded (the function answers 400 INVALID_FORMAT), any method is routed (TRACE can only
match the catch-all, which answers 405 with Allow), and a request whose framing cannot be read
is API Gateway's own 400.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from local.testing import RuntimeProcess

pytestmark = pytest.mark.integration

ERROR_KEYS = {"error", "error_code", "correlation_id", "details", "retry_after"}
MANUAL = "/api/v1/tracklists/manual"


def _standard(response) -> dict:
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["correlation_id"] == response.headers["X-Correlation-ID"]
    return body


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"title": "\xff\xfe"}', "application/json"),  # not UTF-8 under a text type
        (b"\x89PNG\r\n\x1a\n\x00\x00", "application/octet-stream"),  # binary: base64 in the event
        (b"\x80\x81\x82", None),
        (b"{not json", "application/json"),
        (b'{"title": NaN}', "application/json"),
    ],
)
def test_an_unreadable_body_is_400_invalid_format(
    runtime: RuntimeProcess, content: bytes, content_type: str | None
) -> None:
    headers = {**runtime.admin_headers, **({"Content-Type": content_type} if content_type else {})}
    with runtime.client() as client:
        response = client.post(MANUAL, content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert _standard(response)["error_code"] == "INVALID_FORMAT"


def test_a_number_beyond_any_float_is_422_naming_the_field(runtime: RuntimeProcess) -> None:
    content = b'{"title": "x", "tracks": [{"artist": "a", "title": "t", "start_time": 1e999}]}'
    with runtime.client() as client:
        response = client.post(
            MANUAL, content=content, headers={**runtime.admin_headers, "Content-Type": "application/json"}
        )
    assert response.status_code == 422
    body = _standard(response)
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["details"]["errors"][0]["loc"] == ["body", "tracks", 0, "start_time"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/health", "GET"),
        ("TRACE", "/api/v1/search", "GET"),
        ("PATCH", "/api/v1/search", "GET"),
        ("DELETE", "/api/v1/webhooks", "GET, POST"),
    ],
)
def test_an_undeclared_method_is_405_with_allow(
    runtime: RuntimeProcess, method: str, path: str, allow: str
) -> None:
    with runtime.client(headers=runtime.admin_headers) as client:
        response = client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    assert _standard(response)["error_code"] == "METHOD_NOT_ALLOWED"


def test_trace_without_credentials_is_401_like_any_other_authenticated_route(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.request("TRACE", "/api/v1/search")
    assert response.status_code == 401
    assert "html" not in response.headers.get("content-type", "")


def test_a_request_whose_length_cannot_be_read_is_the_gateway_400(runtime: RuntimeProcess) -> None:
    url = urlsplit(runtime.gateway_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/tracklists/manual HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        chunks = []
        while chunk := sock.recv(4096):  # the gateway closes the connection after answering
            chunks.append(chunk)
        answer = b"".join(chunks).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400"), answer
    assert '{"message": "Bad Request"}' in answer
