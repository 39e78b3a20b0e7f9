"""docs/openapi.json is the merged OpenAPI 3.1 document of every resolver, and it is current.

The committed document carries the API reference's examples (`examples["reference"]`), which
`make openapi` adds only when the reference is present ($TRACKTION_SHARED, default ../shared).
Without it, the staleness check compares the rest: the committed document less those examples.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.openapi import REFERENCE_EXAMPLE, render
from tests.contract.reference import REFERENCE_PATH, Reference
from tests.contract.template_functions import http_functions, normalise_path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "openapi.json"
SERVED = ROOT / "functions" / "health_api" / "openapi.json"  # packaged with HealthFunction


@functools.cache
def generated(shared: str | None = None) -> str:
    """`python -m local.openapi`'s output; `shared`: another TRACKTION_SHARED for the build."""
    env = dict(os.environ) if shared is None else {**os.environ, "TRACKTION_SHARED": shared}
    result = subprocess.run(
        [sys.executable, "-m", "local.openapi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def without_reference_examples(document: Any) -> Any:
    """The document less every `examples["reference"]` (and an `examples` left empty by that):
    what `make openapi` builds when the API reference is absent."""
    if isinstance(document, list):
        return [without_reference_examples(item) for item in document]
    if not isinstance(document, dict):
        return document
    stripped = {key: without_reference_examples(value) for key, value in document.items()}
    examples = stripped.get("examples")
    if isinstance(examples, dict) and REFERENCE_EXAMPLE in examples:
        examples = {name: value for name, value in examples.items() if name != REFERENCE_EXAMPLE}
        if examples:
            stripped["examples"] = examples
        else:
            del stripped["examples"]
    return stripped


def test_docs_openapi_json_is_current() -> None:
    assert DOC.exists(), "docs/openapi.json is missing: run `make openapi`"
    committed = DOC.read_text(encoding="utf-8")
    if not REFERENCE_PATH.is_file():
        # No ../shared (a clone on its own): the build has no reference examples; judge the rest.
        committed = render(without_reference_examples(json.loads(committed)))
    assert committed == generated(), "docs/openapi.json is stale: run `make openapi`"


def test_without_the_reference_the_document_is_the_same_less_its_examples(tmp_path: Path) -> None:
    """What a clone without ../shared builds (and the check above then compares)."""
    absent = generated(str(tmp_path / "no-shared"))
    committed = json.loads(DOC.read_text(encoding="utf-8"))
    assert absent == render(without_reference_examples(committed))
    assert f'"{REFERENCE_EXAMPLE}"' not in absent


def test_every_json_example_of_the_reference_is_in_the_document() -> None:
    """Each operation the reference documents shows its examples: the request body's, and the
    answer's under the documented status (application/json, `examples["reference"]`)."""
    if not REFERENCE_PATH.is_file():
        pytest.skip(f"the API reference is absent: {REFERENCE_PATH} (set TRACKTION_SHARED)")
    doc = json.loads(DOC.read_text(encoding="utf-8"))
    operations = {
        (method.upper(), normalise_path(path)): operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
    }

    def shown(part: Any) -> Any:
        return (
            (part or {})
            .get("content", {})
            .get("application/json", {})
            .get("examples", {})
            .get(REFERENCE_EXAMPLE)
        )

    checked = 0
    for endpoint in Reference.load().http_endpoints:
        where = f"{endpoint.key} (api-reference.md line {endpoint.line})"
        operation = operations.get((endpoint.method, normalise_path(endpoint.path)))
        if endpoint.request_body is not None:
            assert operation is not None, f"{where} is not in the document"
            example = shown(operation.get("requestBody"))
            assert example == {"summary": "From the API reference", "value": endpoint.request_body}, where
            checked += 1
        if endpoint.response_kind == "json" and endpoint.status is not None:
            assert operation is not None, f"{where} is not in the document"
            response = operation["responses"].get(str(endpoint.status))
            assert response is not None, f"{where}: status {endpoint.status} is not documented"
            example = shown(response)
            assert example == {"summary": "From the API reference", "value": endpoint.response}, where
            checked += 1
    assert checked, "the reference gave no JSON example"


def test_the_served_copy_is_docs_openapi_json() -> None:
    """GET /api/v1/openapi.json answers the copy HealthFunction packages: `make openapi` writes both."""
    assert SERVED.exists(), "functions/health_api/openapi.json is missing: run `make openapi`"
    assert SERVED.read_bytes() == DOC.read_bytes(), (
        "the served copy differs from docs/openapi.json: run `make openapi`"
    )


def test_document_describes_every_template_route_with_title_version_and_security() -> None:
    import tracktion

    doc = json.loads(generated())
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] == "Tracktion API"
    assert doc["info"]["version"] == tracktion.__version__
    schemes = doc["components"]["securitySchemes"]
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["bearer"]["scheme"] == "bearer"

    documented = {(m.upper(), normalise_path(p)) for p, item in doc["paths"].items() for m in item}
    documented_paths = {p for _m, p in documented}
    for spec in http_functions():
        for route in spec.routes:
            if route.greedy:
                continue
            present = route.key[1] in documented_paths if route.method == "ANY" else route.key in documented
            assert present, f"{route.method} {route.path} ({spec.logical_id}) is not in the OpenAPI document"


def test_public_routes_need_no_credentials_and_others_do() -> None:
    doc = json.loads(generated())
    for spec in http_functions():
        for route in spec.routes:
            operation = doc["paths"].get(route.path, {}).get(route.method.lower())
            if operation is None:
                continue
            if route.public:
                assert operation.get("security") == [], f"{route.path} is public"
            else:
                assert operation.get("security", doc["security"]), f"{route.path} needs credentials"
