"""docs/openapi.json is the merged OpenAPI 3.1 document of every resolver, and it is current."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

from tests.contract.template_functions import http_functions, normalise_path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "openapi.json"
SERVED = ROOT / "functions" / "health_api" / "openapi.json"  # packaged with HealthFunction


@functools.cache
def generated() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "local.openapi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_docs_openapi_json_is_current() -> None:
    assert DOC.exists(), "docs/openapi.json is missing: run `make openapi`"
    assert DOC.read_text(encoding="utf-8") == generated(), "docs/openapi.json is stale: run `make openapi`"


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
