"""Every function in template.yaml imports, and every HTTP function answers through serve().

`serve()` (tracktion.api.resolver) is what applies the authorizer's refusals and the
correlation id; a handler that calls `app.resolve` directly would let refused callers in.
"""

from __future__ import annotations

import importlib
import json

import pytest

from tests.conftest import http_event, principal_ctx
from tests.contract.template_functions import (
    FUNCTIONS_DIR,
    FunctionSpec,
    functions,
    http_functions,
    load_template,
)

FUNCTIONS = list(functions().values())
HTTP_FUNCTIONS = http_functions()
STANDARD_KEYS = {"error", "error_code", "correlation_id", "details", "retry_after"}


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_function_handler_imports_with_its_own_environment(spec: FunctionSpec, monkeypatch) -> None:
    for name, value in load_template().function_environment(spec.logical_id).items():
        monkeypatch.setenv(name, value)
    module = importlib.import_module(spec.module)
    handler = getattr(module, spec.handler.rsplit(".", 1)[1], None)
    assert callable(handler), f"{spec.handler} (Handler of {spec.logical_id}) is not a function"


def test_every_function_directory_has_a_template_function_and_back() -> None:
    declared = {spec.package for spec in FUNCTIONS}
    on_disk = {p.name for p in FUNCTIONS_DIR.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert not on_disk - declared, (
        f"functions/ packages no template function uses: {sorted(on_disk - declared)}"
    )
    assert not declared - on_disk, (
        f"template Handlers without a functions/ package: {sorted(declared - on_disk)}"
    )


@pytest.mark.parametrize("spec", HTTP_FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_http_function_answers_authorizer_refusal_in_standard_body(
    spec: FunctionSpec, aws, lambda_context
) -> None:
    handler = getattr(importlib.import_module(spec.module), spec.handler.rsplit(".", 1)[1])
    route = next((r for r in spec.routes if not r.public and not r.greedy), spec.routes[0])
    path = route.path.replace("+}", "}").replace("{", "x").replace("}", "")
    refused = {"auth_error": "INVALID_API_KEY", "auth_status": "401", "auth_message": "Invalid API key"}
    event = http_event(
        route.method if route.method != "ANY" else "GET",
        path,
        principal=refused,
        route_key=f"{route.method} {route.path}",
        headers={"X-Correlation-ID": "contract-1"},
    )

    res = handler(event, lambda_context)

    assert res["statusCode"] == 401, f"{spec.logical_id} did not answer through serve(): {res}"
    body = json.loads(res["body"])
    assert set(body) == STANDARD_KEYS
    assert body["error_code"] == "INVALID_API_KEY"
    assert res["headers"]["X-Correlation-ID"] == body["correlation_id"] == "contract-1"


@pytest.mark.parametrize("spec", HTTP_FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_http_function_answers_unknown_path_with_standard_404(
    spec: FunctionSpec, aws, lambda_context
) -> None:
    handler = getattr(importlib.import_module(spec.module), spec.handler.rsplit(".", 1)[1])
    event = http_event("GET", "/no/such/route/anywhere", principal=principal_ctx(), route_key="ANY /{proxy+}")

    res = handler(event, lambda_context)

    assert res["statusCode"] == 404
    body = json.loads(res["body"])
    assert set(body) == STANDARD_KEYS
    assert body["error_code"] == "RESOURCE_NOT_FOUND"
    assert res["headers"]["X-Correlation-ID"] == body["correlation_id"]
