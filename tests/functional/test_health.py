"""The public health route and the standard answers for unknown or unauthenticated routes."""

from __future__ import annotations

import json

from tests.conftest import http_event, principal_ctx


def test_health_answers_healthy_with_service_and_version(aws, lambda_context):
    from health_api.handler import lambda_handler

    res = lambda_handler(http_event("GET", "/health", route_key="GET /health"), lambda_context)

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
    from health_api.handler import lambda_handler

    event = http_event("GET", "/api/v1/anything", principal=principal_ctx(), route_key="ANY /{proxy+}")
    res = lambda_handler(event, lambda_context)

    assert res["statusCode"] == 404
    body = json.loads(res["body"])
    assert body["error_code"] == "RESOURCE_NOT_FOUND"
    assert set(body) == {"error", "error_code", "correlation_id", "details", "retry_after"}
    assert body["correlation_id"] == res["headers"]["X-Correlation-ID"]


def test_refused_credentials_answer_401_before_any_route(aws, lambda_context):
    from authorizer.handler import lambda_handler as authorizer
    from health_api.handler import lambda_handler

    auth = authorizer(http_event("GET", "/api/v1/anything"), lambda_context)
    event = http_event("GET", "/api/v1/anything", principal=auth["context"], route_key="ANY /{proxy+}")
    res = lambda_handler(event, lambda_context)

    assert res["statusCode"] == 401
    assert json.loads(res["body"])["error_code"] == "UNAUTHORIZED"


def test_given_correlation_id_is_echoed(aws, lambda_context):
    from health_api.handler import lambda_handler

    event = http_event("GET", "/health", headers={"X-Correlation-ID": "abc-123"}, route_key="GET /health")
    res = lambda_handler(event, lambda_context)

    assert res["headers"]["X-Correlation-ID"] == "abc-123"
