"""The local HTTP API: routes as API Gateway matches them, payload 2.0, the Lambda authorizer."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

from local.testing import RuntimeProcess


def test_allowed_request_reaches_the_function_with_the_authorizer_context(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get(
            "/echo/alice?x=1&x=2&y=",
            headers={"X-Token": "allow", "Cookie": "a=1; b=2", "X-Multi": "v"},
        )
    assert response.status_code == 200
    body = response.json()
    context = body["authorizer"]["lambda"]
    assert context.pop("call").isdigit()
    assert context == {"user": "alice", "token_seen": "allow"}
    assert body["routeKey"] == "ANY /echo/{name}"
    assert body["pathParameters"] == {"name": "alice"}
    assert body["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert body["rawQueryString"] == "x=1&x=2&y="
    assert body["cookies"] == ["a=1", "b=2"]
    assert body["headers"]["x-token"] == "allow"
    assert body["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert "cookie" not in body["headers"]
    assert body["stage"] == "$default"
    assert response.headers["x-color"] == "red"
    assert response.headers["set-cookie"] == "seen=1; Path=/"


def test_an_authorizer_with_a_ttl_is_invoked_once_per_identity_within_it(runtime: RuntimeProcess) -> None:
    """Identity.ReauthorizeEvery, as API Gateway caches: the same identity-source values reuse
    the first answer's context; other values, or an authorizer without a TTL, invoke it again."""

    def call(path: str, token: str) -> str:
        with runtime.client() as client:
            response = client.get(path, headers={"X-Token": token})
        assert response.status_code == 200, response.text
        return str(response.json()["authorizer"]["lambda"]["call"])

    first = call("/cached/alice", "allow-cache-a")
    assert call("/cached/bob", "allow-cache-a") == first  # cached: the authorizer did not run
    other = call("/cached/alice", "allow-cache-b")
    assert other != first  # another identity: invoked
    assert call("/cached/alice", "allow-cache-b") == other
    # The same token on the uncached authorizer runs it on every request.
    assert call("/echo/alice", "allow-cache-a") != call("/echo/alice", "allow-cache-a")


def test_denied_request_answers_403_without_reaching_the_function(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/echo/alice", headers={"X-Token": "deny"})
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_request_without_the_identity_source_answers_401(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/echo/alice")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_failing_authorizer_answers_500(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/echo/alice", headers={"X-Token": "boom"})
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_public_route_needs_no_identity(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/public")
    assert response.status_code == 200
    assert response.json()["authorizer"] is None
    assert response.json()["routeKey"] == "GET /public"


def test_exact_path_beats_a_path_parameter_and_greedy_path_takes_the_rest(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        exact = client.get("/echo/blue").json()
        greedy = client.delete("/some/deep/path").json()
    assert exact["color"] == "blue"
    assert exact["routeKey"] == "GET /echo/blue"
    assert greedy["routeKey"] == "ANY /{proxy+}"
    assert greedy["pathParameters"] == {"proxy": "some/deep/path"}


def test_unrouted_path_answers_404(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_binary_body_arrives_base64_encoded_and_json_as_text(runtime: RuntimeProcess) -> None:
    blob = bytes(range(256))
    with runtime.client() as client:
        binary = client.post(
            "/anything", content=blob, headers={"Content-Type": "application/octet-stream"}
        ).json()
        text = client.post("/anything", json={"a": "é"}).json()
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == blob
    assert text["isBase64Encoded"] is False
    assert json.loads(text["body"]) == {"a": "é"}


def test_bare_return_value_becomes_a_200_json_response(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/raw")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"plain": "value"}


def test_fifty_concurrent_requests_are_all_answered(runtime: RuntimeProcess) -> None:
    def call(i: int) -> tuple[int, str]:
        with runtime.client() as client:
            response = client.get(f"/echo/n{i}", headers={"X-Token": "allow"})
        return response.status_code, response.json()["pathParameters"]["name"]

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(call, range(50)))
    assert answers == [(200, f"n{i}") for i in range(50)]


def test_chunked_request_body_arrives_whole(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        answer = client.post(
            "/anything", content=iter([b"ab", b"cd"]), headers={"Content-Type": "text/plain"}
        ).json()
    assert answer["body"] == "abcd"


def test_cors_preflight_is_answered_by_the_gateway_without_the_authorizer(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        preflight = client.options(
            "/echo/alice",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        actual = client.get("/public", headers={"Origin": "https://app.example"})
        foreign = client.get("/public", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert actual.headers["access-control-allow-origin"] == "https://app.example"
    assert actual.headers["access-control-expose-headers"] == "X-Color"
    assert "access-control-allow-origin" not in foreign.headers
