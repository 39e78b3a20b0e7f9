"""GET /health: public liveness answer, no AWS calls (it must stay up when a table is not).

Also the public documentation: GET /api/v1/openapi.json (the merged OpenAPI document, packaged
with this function as `openapi.json` beside this file; `make openapi` writes it and
docs/openapi.json, and tests/contract/test_openapi.py checks both are current), and GET /docs,
Swagger UI on that document with its assets served from here (the `flask-swagger-ui` wheel's
`dist/` files, no CDN). And the catch-all `ANY /{proxy+}`: a path the document knows asked with
a method it does not answer is 405 with an `Allow` header; anything else is 404.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from pydantic import ConfigDict, Field

from tracktion.api.errors import error_response
from tracktion.api.resolver import correlation_id, make_app, serve
from tracktion.api.rules import public
from tracktion.api.shapes import Out, error_responses
from tracktion.auth.weights import HEALTH
from tracktion.config import AuthSettings, CoreSettings, load, settings
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings)

app = make_app()

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
OPENAPI_PATH = "/api/v1/openapi.json"
# The files of Swagger UI's dist that the page loads (BaseLayout: no standalone preset).
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH")


class HealthOut(Out):
    """The reference's answer (docs/api-contract.md, "Health"); `stage` is our addition."""

    model_config = ConfigDict(
        defer_build=True,
        extra="allow",
        json_schema_extra={
            "example": {"status": "healthy", "service": "tracklist_service", "version": "0.1.0"}
        },
    )

    status: str = Field(description='"healthy" whenever the function answers')
    service: str = Field(description='"tracklist_service"')
    version: str
    stage: str | None = None


@app.get("/health")
@public(cost=HEALTH)
def health() -> HealthOut:
    cfg = settings()
    return HealthOut(status="healthy", service=cfg.service, version=cfg.version, stage=cfg.stage)


# ---------------------------------------------------------------- the documentation


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The packaged document (read once per container)."""
    document: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document


@app.get(
    OPENAPI_PATH,
    summary="The OpenAPI 3.1 document of the whole API",
    responses={
        200: {
            "description": "The merged OpenAPI document (docs/openapi.json)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["openapi", "info", "paths"],
                        "properties": {
                            "openapi": {"type": "string", "examples": ["3.1.0"]},
                            "info": {"type": "object"},
                            "paths": {"type": "object"},
                            "components": {"type": "object"},
                        },
                    }
                }
            },
        },
    },
)
@public()
def openapi_json() -> Response[dict[str, Any]]:
    return Response(
        status_code=200,
        content_type="application/json",
        body=openapi_document(),
        headers={"Cache-Control": "public, max-age=300"},
    )


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tracktion API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "%s",
  dom_id: "#swagger-ui",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
</script>
</body>
</html>
"""


@app.get(
    "/docs",
    summary="Interactive documentation (Swagger UI) of /api/v1/openapi.json",
    responses={
        200: {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
    },
)
@public()
def docs_page() -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=_PAGE % OPENAPI_PATH,
        headers={"Cache-Control": "public, max-age=300"},
    )


def swagger_ui_dir() -> Path:
    """flask-swagger-ui's dist/, found without importing the package (it would import Flask)."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("flask-swagger-ui is not installed (it is in the core layer's requirements)")
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


@functools.cache
def _asset(name: str) -> str:
    return (swagger_ui_dir() / name).read_text(encoding="utf-8")


_ASSET_RESPONSES: dict[int, Any] = {
    200: {
        "description": "The file",
        "content": {
            "application/javascript": {"schema": {"type": "string"}},
            "text/css": {"schema": {"type": "string"}},
        },
    },
    **error_responses(404),
}


@app.get(
    "/docs/<asset>",
    summary="A file of the documentation page (Swagger UI's script and style sheet)",
    responses=_ASSET_RESPONSES,
)
@public()
def docs_asset(
    # One path segment: a name with a "/" is another path, which the gateway routes elsewhere.
    asset: Annotated[str, PathParam(max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")],
) -> Response[str]:
    if asset not in ASSETS:
        return error_response(404, "No such file", "RESOURCE_NOT_FOUND", correlation_id(app))
    return Response(
        status_code=200,
        content_type=ASSETS[asset],
        body=_asset(asset),
        headers={"Cache-Control": "public, max-age=86400"},
    )


# ---------------------------------------------------------------- the catch-all


def _matches(template: str, path: str) -> bool:
    want = template.strip("/").split("/")
    got = path.strip("/").split("/")
    if len(want) != len(got):
        return False
    pairs = zip(want, got, strict=True)
    return all(w == g or (w.startswith("{") and w.endswith("}") and bool(g)) for w, g in pairs)


def allowed_methods(path: str) -> list[str]:
    """The methods the document answers on `path` (templated segments match any value)."""
    try:
        paths = openapi_document().get("paths") or {}
    except (OSError, ValueError):
        return []
    methods: set[str] = set()
    for template, item in paths.items():
        if _matches(template, path):
            methods.update(m.upper() for m in item if m.upper() in HTTP_METHODS)
    return [m for m in HTTP_METHODS if m in methods]


@app.not_found
def _not_found(_exc: NotFoundError) -> Response:
    event = app.current_event
    allowed = allowed_methods(event.path)
    if allowed and event.http_method.upper() not in allowed:
        return error_response(
            405,
            f"{event.http_method.upper()} is not allowed here",
            "METHOD_NOT_ALLOWED",
            correlation_id(app),
            {"allowed_methods": allowed},
            headers={"Allow": ", ".join(allowed)},
        )
    return error_response(404, "No such route", "RESOURCE_NOT_FOUND", correlation_id(app))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
