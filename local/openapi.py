"""One OpenAPI 3.1 document for the whole HTTP API, merged from every function's resolver.

`python -m local.openapi` prints it (`make openapi` writes docs/openapi.json). The functions
are found through template.yaml (every AWS::Serverless::Function with an HttpApi event), so a
new function is documented as soon as the template routes to it. Each handler module's `app`
gives its own schema; Powertools' `OpenAPIMerge` joins them. Its file discovery is not used:
it only recognises `app = APIGatewayHttpResolver(...)` literally, and ours come from
`make_app()`. Each operation shows the rules its route declares (`tracktion.api.rules`): the
`x-tracktion-rules` extension (permission, scope, cost) and a line of its description.
When the published API reference is present ($TRACKTION_SHARED/spec/api-reference.md, read in
place by local/reference.py, never copied), every operation it documents carries its examples:
the request body's, and the response's under the documented status, each as
`examples["reference"]` of the application/json content. Without it the document is the same but
for those examples (tests/contract/test_openapi.py compares both ways).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from local.reference import REFERENCE_PATH, Reference
from local.template import Template

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Tracktion API"
DESCRIPTION = (
    "Tracklists imported from 1001tracklists or entered by hand, matched against a catalog, "
    "and turned into CUE sheets. Every call but /health needs an API key (X-API-Key) or a "
    "bearer token; every error answers {error, error_code, correlation_id, details, retry_after}."
)


def handler_module(template: Template, logical_id: str) -> str:
    """`health_api.handler` for Handler `health_api.handler.lambda_handler`."""
    handler = str(template.function_property(logical_id, "Handler", ""))
    return handler.rsplit(".", 1)[0]


def http_functions(template: Template) -> dict[str, str]:
    """Logical id → handler module of every function that serves HttpApi routes."""
    found: dict[str, str] = {}
    for logical_id, res in template.of_type("AWS::Serverless::Function").items():
        events = (res.get("Properties") or {}).get("Events") or {}
        if any((ev or {}).get("Type") == "HttpApi" for ev in events.values()):
            found[logical_id] = handler_module(template, logical_id)
    return dict(sorted(found.items()))


def ensure_import_path() -> None:
    """Handlers import as Lambda sees them: functions/ (CodeUri) and the core layer on the path."""
    for part in (ROOT / "functions", ROOT / "layers" / "core"):
        if str(part) not in sys.path:
            sys.path.insert(0, str(part))


def build(
    template_path: Path | str = ROOT / "template.yaml", reference_path: Path | None = REFERENCE_PATH
) -> dict[str, Any]:
    """The merged document; deterministic, so a stale docs/openapi.json is detectable.

    `reference_path`: the API reference whose examples the operations carry (None, or a path
    that does not exist: none)."""
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import (
        APIKey,
        HTTPBearer,
    )

    ensure_import_path()
    import tracktion

    template = Template.load(template_path)
    merge = OpenAPIMerge(
        title=TITLE,
        version=tracktion.__version__,
        description=DESCRIPTION,
        security_schemes={
            "apiKey": APIKey.model_validate(
                {"name": "X-API-Key", "in": "header", "description": "An API key (tk_live_... / tk_test_...)"}
            ),
            "bearer": HTTPBearer(bearerFormat="JWT", description="An access token from /api/v1/auth/token"),
        },
        security=[{"apiKey": []}, {"bearer": []}],
        on_conflict="error",
    )
    from tracktion.api.rules import Rules, rules_of

    declared: dict[tuple[str, str], Rules | None] = {}  # (OpenAPI path, method) → the route's rules
    # Schema name → (the function that defined it first, its definition): the merge keeps one
    # definition per name, so two functions' different models under one name would leave one
    # of them described by the other's schema.
    models: dict[str, tuple[str, str]] = {}
    for logical_id, module_name in http_functions(template).items():
        # A handler validates its settings at import: give it what Lambda would (unless set).
        for name, value in template.function_environment(logical_id).items():
            os.environ.setdefault(name, value)
        app = importlib.import_module(module_name).app
        try:
            app_schema = app.get_openapi_schema(title=TITLE, version=tracktion.__version__)
            merge.add_schema(app_schema)
        except Exception as exc:  # name the function: the traceback alone points into pydantic
            raise RuntimeError(
                f"{logical_id} ({module_name}): its routes cannot be described in OpenAPI "
                f"(a bare `-> Response` return annotation? use `Response[Model]`): {exc}"
            ) from exc
        _check_model_names(models, logical_id, app_schema)
        for route in app._static_routes + app._dynamic_routes:
            declared[(route.openapi_path, route.method.lower())] = rules_of(route.func)
    # Through Powertools' OpenAPI model: validated, and plain JSON types only.
    schema: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    _document_standard_errors(schema)
    # Routes the authorizer does not guard (Auth: Authorizer: NONE) need no credentials.
    public = _public_paths(template)
    for path in public:
        for operation in (schema.get("paths") or {}).get(path, {}).values():
            if isinstance(operation, dict):
                operation["security"] = []
    _document_rules(schema, declared)
    _document_edge_statuses(schema, public, declared)
    if reference_path is not None and reference_path.is_file():
        _document_reference_examples(schema, Reference.load(reference_path))
    return schema


def _check_model_names(models: dict[str, tuple[str, str]], logical_id: str, app_schema: Any) -> None:
    """Fail when this function defines a model under a name another function used for another one."""
    components = getattr(app_schema, "components", None)
    for name, model in (getattr(components, "schemas", None) or {}).items():
        text = json.dumps(model.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=True)
        first = models.setdefault(name, (logical_id, text))
        if first[1] != text:
            raise ValueError(
                f"two different models are named {name!r} ({first[0]} and {logical_id}): the merged "
                "document would describe one with the other's schema; rename one of them"
            )


REFERENCE_EXAMPLE = "reference"  # the name of the reference's example in a media type's `examples`
_PLACEHOLDER = re.compile(r"\{[^}/]+\}")


def _json_content(part: Any) -> dict[str, Any] | None:
    """The application/json media type of a request body or a response, if it has one."""
    content = part.get("content") if isinstance(part, dict) else None
    media = content.get("application/json") if isinstance(content, dict) else None
    return media if isinstance(media, dict) else None


def _document_reference_examples(schema: dict[str, Any], reference: Reference) -> None:
    """The reference's examples on the operations it documents (its path parameters may be
    named otherwise: `{format}` is our `{format_name}`): the request body's, and the response's
    under the documented status. Only where the document has that operation, a JSON request body
    and that status with a JSON answer; text answers (a CUE download) and prose ("Same structure
    as ...") are not examples."""
    operations: dict[tuple[str, str], dict[str, Any]] = {}
    for path, path_item in (schema.get("paths") or {}).items():
        for method, operation in path_item.items():
            if isinstance(operation, dict):
                operations[(method.upper(), _PLACEHOLDER.sub("{}", path))] = operation
    for endpoint in reference.http_endpoints:
        operation = operations.get((endpoint.method, _PLACEHOLDER.sub("{}", endpoint.path)))
        if operation is None:
            continue
        examples: list[tuple[dict[str, Any] | None, Any]] = []
        if endpoint.request_body is not None:
            examples.append((_json_content(operation.get("requestBody")), endpoint.request_body))
        if endpoint.response_kind == "json" and endpoint.status is not None:
            response = (operation.get("responses") or {}).get(str(endpoint.status))
            examples.append((_json_content(response), endpoint.response))
        for media, value in examples:
            if media is not None:
                media.setdefault("examples", {})[REFERENCE_EXAMPLE] = {
                    "summary": "From the API reference",
                    "value": value,
                }


def _document_rules(schema: dict[str, Any], declared: dict[tuple[str, str], Any]) -> None:
    """Each operation's declared rules: `x-tracktion-rules`, and a line of its description."""
    for path, path_item in (schema.get("paths") or {}).items():
        for method, operation in path_item.items():
            rules = declared.get((path, method))
            if not isinstance(operation, dict) or rules is None:
                continue
            operation["x-tracktion-rules"] = rules.openapi()
            if rules.idempotent:
                from tracktion.api import idempotency

                idempotency.document(operation)
            text = str(operation.get("description") or "").rstrip()
            operation["description"] = f"{text}\n\n{rules.describe()}" if text else rules.describe()


def _document_edge_statuses(
    schema: dict[str, Any], public: set[str], declared: dict[tuple[str, str], Any]
) -> None:
    """The statuses the edge answers before any route code: every operation may give them.

    401/403 from the authorizer and the admission checks (credentials, permissions, scopes,
    request signature), 429 from the rate limiter (authenticated calls, and the public routes
    declared limited per client address), 400/415 for a body that cannot be read
    (tracktion.api.resolver.unreadable_body; the route's content type check).
    """
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    edge = {
        "400": "Unreadable body: not UTF-8, not JSON (INVALID_FORMAT)",
        "401": "Authentication required or invalid (INVALID_API_KEY, EXPIRED_TOKEN, ...)",
        "403": "Insufficient permissions (INSUFFICIENT_PERMISSIONS)",
        "415": "The body is not application/json (INVALID_FORMAT)",
        "429": "Rate limit exceeded (RATE_LIMIT_EXCEEDED)",
    }
    for path, path_item in (schema.get("paths") or {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses: list[str] = []
            rules = declared.get((path, method))
            if path not in public:
                statuses += ["401", "403", "429"]
            elif rules is not None and rules.limited_per_address:
                statuses.append("429")
            if "requestBody" in operation:
                statuses += ["400", "415"]
            for status in statuses:
                operation["responses"].setdefault(status, {"description": edge[status], "content": error_ref})


ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "description": "The one error body every function answers (tracktion.api.errors).",
    "type": "object",
    "required": ["error", "error_code", "correlation_id", "details", "retry_after"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for people"},
        "error_code": {
            "type": "string",
            "description": "What went wrong, for programs",
            "examples": ["VALIDATION_ERROR"],
        },
        "correlation_id": {"type": ["string", "null"], "description": "Also in the X-Correlation-ID header"},
        "details": {"type": "object"},
        "retry_after": {"type": ["integer", "null"], "description": "Seconds, when retrying can help"},
    },
}


def _document_standard_errors(schema: dict[str, Any]) -> None:
    """Powertools documents FastAPI's 422 shape; ours is the standard error body."""
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path_item in (schema.get("paths") or {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "422" in responses:
                responses["422"] = {"description": "Invalid request (VALIDATION_ERROR)", "content": error_ref}
            responses.setdefault(
                "default",
                {"description": "Any other failure, in the standard error body", "content": error_ref},
            )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ERROR_SCHEMA
    for unused in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
        text = json.dumps(schema)
        if unused in schemas and f'#/components/schemas/{unused}"' not in text:
            del schemas[unused]


def _public_paths(template: Template) -> set[str]:
    paths: set[str] = set()
    for res in template.of_type("AWS::Serverless::Function").values():
        for ev in ((res.get("Properties") or {}).get("Events") or {}).values():
            props = (ev or {}).get("Properties") or {}
            if (ev or {}).get("Type") == "HttpApi" and (props.get("Auth") or {}).get("Authorizer") == "NONE":
                paths.add(str(props.get("Path")))
    return paths


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    sys.stdout.write(render(build()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
