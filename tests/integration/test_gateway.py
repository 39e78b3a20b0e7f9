"""The deployed shape, locally: the gateway routes, the authorizer guards, errors are standard."""

from __future__ import annotations

import pytest

from local.testing import RuntimeProcess

pytestmark = pytest.mark.integration

ERROR_KEYS = {"error", "error_code", "correlation_id", "details", "retry_after"}


def test_health_answers_healthy_without_credentials(runtime: RuntimeProcess) -> None:
    with runtime.client() as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"


def test_api_route_without_credentials_answers_401_in_the_standard_error_format(
    runtime: RuntimeProcess,
) -> None:
    with runtime.client() as client:
        response = client.get("/api/v1/anything")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["correlation_id"] == response.headers["X-Correlation-ID"]


def test_unknown_route_with_the_admin_key_answers_404_in_the_standard_error_format(
    runtime: RuntimeProcess,
) -> None:
    with runtime.client(headers=runtime.admin_headers) as client:
        response = client.get("/api/v1/anything")
    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["error_code"] == "RESOURCE_NOT_FOUND"
