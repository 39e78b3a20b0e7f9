"""The public health route and the standard answers for unknown or unauthenticated routes."""

from __future__ import annotations

import json

from tests.conftest import principal_ctx
from tests.gateway import invoke


def test_health_answers_healthy_with_service_and_version(aws, lambda_context):
    res = invoke("GET", "/health", context=lambda_context).result

    assert res["statusCode"] == 200
    body = json.loads(res["body"])
    # the reference's answer, its example's values, and our stage beside them
    assert {k: body[k] for k in ("status", "service", "version")} == {
        "status": "healthy",
        "service": "tracklist_service",
        "version": "0.1.0",
    }
    assert set(body) == {"status", "service", "version", "stage"}
    assert res["headers"]["X-Correlation-ID"]


def test_unknown_route_with_identity_answers_standard_404(aws, lambda_context):
    res = invoke("GET", "/api/v1/anything", principal=principal_ctx(), context=lambda_context).result

    assert res["statusCode"] == 404
    body = json.loads(res["body"])
    assert body["error_code"] == "RESOURCE_NOT_FOUND"
    assert set(body) == {"error", "error_code", "correlation_id", "details", "retry_after"}
    assert body["correlation_id"] == res["headers"]["X-Correlation-ID"]


def test_refused_credentials_answer_401_before_any_route(aws, lambda_context):
    # No credentials: the authorizer runs (the route is not public) and the function refuses.
    answer = invoke("GET", "/api/v1/anything", context=lambda_context)
    assert answer.route is not None and answer.route.route_key == "ANY /{proxy+}"
    res = answer.result

    assert res["statusCode"] == 401
    assert json.loads(res["body"])["error_code"] == "UNAUTHORIZED"


def test_given_correlation_id_is_echoed(aws, lambda_context):
    res = invoke("GET", "/health", headers={"X-Correlation-ID": "abc-123"}, context=lambda_context).result

    assert res["headers"]["X-Correlation-ID"] == "abc-123"
