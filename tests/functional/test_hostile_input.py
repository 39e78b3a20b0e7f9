"""Hostile input through a handler with a real API Gateway event: answered, never a 500.

A body that is not base64 / UTF-8 / JSON is 400 INVALID_FORMAT in the standard error body, also
when API Gateway hands it over base64-encoded (isBase64Encoded, as it does for binary content);
a JSON number beyond any float is 422 naming its place; another content type is 415; a method
the path does not answer is 405 with an Allow header.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import principal_ctx
from tests.gateway import invoke

ERROR_KEYS = {"error", "error_code", "correlation_id", "details", "retry_after"}
MANUAL = "/api/v1/tracklists/manual"


def _call(
    framing: Callable[[dict[str, Any]], None], lambda_context: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """POST MANUAL through the gateway's route table, its body framed by `framing`."""
    res = invoke("POST", MANUAL, principal=principal_ctx(), context=lambda_context, event_hook=framing)
    assert res.route is not None and res.route.route_key == f"POST {MANUAL}", res.route
    body = json.loads(res.result["body"])
    assert set(body) == ERROR_KEYS, body
    assert body["correlation_id"] == res.headers["X-Correlation-ID"]
    return res.status, body, res.headers


def _raw(
    body: str | None, *, b64: bool = False, content_type: str | None = "application/json"
) -> Callable[[dict[str, Any]], None]:
    """The event's body as sent: raw text or base64 (isBase64Encoded), with this content type."""

    def framing(event: dict[str, Any]) -> None:
        event["body"] = body
        event["isBase64Encoded"] = b64
        if content_type is None:
            event["headers"].pop("content-type", None)
        else:
            event["headers"]["content-type"] = content_type

    return framing


@pytest.mark.parametrize(
    ("body", "b64"),
    [
        (base64.b64encode(b'{"name": "\xff\xfe set"}').decode(), True),  # binary: not UTF-8
        (base64.b64encode(b"\x00\x01\x02\x80\x81").decode(), True),
        ("not base64 at all!", True),
        (base64.b64encode(b"{not json").decode(), True),  # base64 of text that is not JSON
        ("{not json", False),
        ('{"title": NaN}', False),  # Python's json reads NaN; JSON has no such literal
        ('{"title": Infinity}', False),
        ("[" * 100_000, False),  # nesting deeper than any parser's stack
        ('{"n": ' + "9" * 5000 + "}", False),  # an integer of more digits than Python will read
    ],
)
def test_an_unreadable_body_is_400_invalid_format(aws, lambda_context, body: str, b64: bool) -> None:
    status, err, _ = _call(_raw(body, b64=b64), lambda_context)
    assert status == 400
    assert err["error_code"] == "INVALID_FORMAT"


def test_an_unreadable_body_without_a_content_type_is_400_too(aws, lambda_context) -> None:
    status, err, _ = _call(_raw("{oops", content_type=None), lambda_context)
    assert (status, err["error_code"]) == (400, "INVALID_FORMAT")


def test_a_json_body_sent_base64_encoded_is_read_like_a_text_one(aws, lambda_context) -> None:
    """API Gateway base64-encodes what it takes for binary; a valid JSON body still reaches validation."""
    body = b'{"tracks": "not a list"}'
    plain = _call(_raw(body.decode()), lambda_context)
    encoded = _call(_raw(base64.b64encode(body).decode(), b64=True), lambda_context)
    assert plain[0] == encoded[0] == 422  # the same field refused, not a decoding failure
    assert plain[1]["details"] == encoded[1]["details"]


def test_a_number_beyond_any_float_is_422_naming_its_place(aws, lambda_context) -> None:
    body = '{"title": "x", "tracks": [{"artist": "a", "title": "t", "start_time": 1e400}]}'
    status, err, _ = _call(_raw(body), lambda_context)
    assert (status, err["error_code"]) == (422, "VALIDATION_ERROR")
    assert err["details"]["errors"][0]["loc"] == ["body", "tracks", 0, "start_time"]


def test_another_content_type_is_415_in_the_standard_format(aws, lambda_context) -> None:
    status, err, _ = _call(_raw("title=x", content_type="text/plain"), lambda_context)
    assert (status, err["error_code"]) == (415, "INVALID_FORMAT")
    assert err["details"]["accepted"] == ["application/json"]


def test_a_method_the_path_does_not_answer_is_405_with_allow(aws, lambda_context) -> None:
    for method, path, allowed in [
        ("PATCH", "/api/v1/search", "GET"),
        ("TRACE", "/health", "GET"),
        # (DELETE /api/v1/tracklists/manual is DELETE /api/v1/tracklists/{tracklist_id} in the
        # gateway's table, a tracklist named "manual": it never reaches the catch-all.)
        ("DELETE", "/api/v1/tracklists/import/text", "POST"),
    ]:
        answer = invoke(method, path, principal=principal_ctx(), context=lambda_context)
        assert answer.route is not None and answer.route.route_key == "ANY /{proxy+}", answer.route
        res = answer.result
        assert res["statusCode"] == 405, (method, path, res)
        assert res["headers"]["Allow"] == allowed
        body = json.loads(res["body"])
        assert set(body) == ERROR_KEYS
        assert body["error_code"] == "METHOD_NOT_ALLOWED"
        assert body["details"]["allowed_methods"] == allowed.split(", ")


def test_a_path_nobody_serves_stays_404(aws, lambda_context) -> None:
    answer = invoke("PATCH", "/api/v1/nothing/here", principal=principal_ctx(), context=lambda_context)
    assert answer.route is not None and answer.route.route_key == "ANY /{proxy+}", answer.route
    res = answer.result
    assert res["statusCode"] == 404
    assert "Allow" not in res["headers"]
    assert json.loads(res["body"])["error_code"] == "RESOURCE_NOT_FOUND"
