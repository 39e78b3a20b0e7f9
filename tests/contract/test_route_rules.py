"""Every route declares its rules where it is defined, and they agree with template.yaml.

A route's permission, scope and token cost are declared on its function (`tracktion.api.rules`:
`@rules(...)` or `@public(...)`), read by the one admission step (`tracktion.api.admission`,
run by `serve()` once the route is resolved) and written into the OpenAPI document. A route of
the template whose handler declares nothing fails here, and so does a route the template
leaves public (`Auth: Authorizer: NONE`) that does not say `public`, or the other way round.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.contract.template_functions import FunctionSpec, HttpRoute, http_functions, normalise_path

ROOT = Path(__file__).resolve().parents[2]
HTTP_FUNCTIONS = http_functions()


def resolver_routes(spec: FunctionSpec) -> dict[tuple[str, str], Any]:
    """(method, normalised path) → the Powertools route of the function's resolver."""
    app = importlib.import_module(spec.module).app
    return {
        (route.method.upper(), normalise_path(route.path)): route
        for route in app._static_routes + app._dynamic_routes
    }


def _template_routes() -> list[tuple[FunctionSpec, HttpRoute]]:
    return [(spec, route) for spec in HTTP_FUNCTIONS for route in spec.routes if not route.greedy]


@pytest.mark.parametrize(
    ("spec", "route"),
    _template_routes(),
    ids=lambda v: v.logical_id if isinstance(v, FunctionSpec) else f"{v.method} {v.path}",
)
def test_every_template_route_declares_its_rules_and_agrees_on_public(
    spec: FunctionSpec, route: HttpRoute
) -> None:
    from tracktion.api.rules import rules_of

    served = resolver_routes(spec).get(route.key)
    assert served is not None, (
        f"{route.method} {route.path}: {spec.module}.app has no such route (test_routes.py)"
    )
    rules = rules_of(served.func)
    assert rules is not None, (
        f"{route.method} {route.path} ({spec.module}.{served.func.__name__}) declares no rules: stack "
        "@rules(permission=..., scope=..., cost=...) or @public(...) under its route decorator"
    )
    template_says = "public (Auth: Authorizer: NONE)" if route.public else "authenticated"
    code_says = "public" if rules.public else "authenticated"
    assert rules.public == route.public, (
        f"{route.method} {route.path}: template.yaml says {template_says}, its handler's rules say {code_says}"
    )


@pytest.mark.parametrize("spec", HTTP_FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_resolver_route_declares_its_rules(spec: FunctionSpec) -> None:
    from tracktion.api.rules import rules_of

    bare = sorted(
        f"{m} {p}" for (m, p), route in resolver_routes(spec).items() if rules_of(route.func) is None
    )
    assert not bare, f"{spec.module}.app routes without rules: {bare}"


def test_the_catch_all_is_authenticated_as_requests_no_route_answers_are() -> None:
    """`ANY /{proxy+}` reaches no route: admission applies `rules.unmatched(method)` to it."""
    from tracktion.api.rules import unmatched

    greedy = [route for spec in HTTP_FUNCTIONS for route in spec.routes if route.greedy]
    assert greedy, "template.yaml has no catch-all route"
    for route in greedy:
        for method in ("GET", "POST", "DELETE", "TRACE"):
            assert unmatched(method).public == route.public


def test_the_document_shows_every_operation_s_declared_rules() -> None:
    from tracktion.api.rules import rules_of

    doc = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    declared = {
        (route.openapi_path, method.lower()): rules_of(route.func)
        for spec in HTTP_FUNCTIONS
        for (method, _path), route in resolver_routes(spec).items()
    }
    missing, wrong = [], []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            rules = declared.get((path, method))
            if rules is None:
                continue
            shown = operation.get("x-tracktion-rules")
            if shown is None or rules.describe() not in str(operation.get("description", "")):
                missing.append(f"{method.upper()} {path}")
            elif shown != rules.openapi():
                wrong.append(f"{method.upper()} {path}: {shown} != {rules.openapi()}")
    assert not missing, f"operations without their rules in docs/openapi.json (run `make openapi`): {missing}"
    assert not wrong, f"docs/openapi.json shows other rules than the routes declare: {wrong}"


def test_a_route_without_rules_is_refused_before_it_runs() -> None:
    """Served anyway (the contract above failed), it answers 500 and its code never runs."""
    from tests.conftest import FakeContext, http_event, principal_ctx
    from tracktion.api.resolver import make_app, serve

    app = make_app()
    ran: list[bool] = []

    @app.get("/api/v1/bare")
    def bare() -> dict[str, str]:
        ran.append(True)
        return {"ok": "yes"}

    answer = serve(app, http_event("GET", "/api/v1/bare", principal=principal_ctx()), FakeContext())

    assert answer["statusCode"] == 500
    assert json.loads(answer["body"])["error_code"] == "INTERNAL_ERROR"
    assert not ran


def test_declaring_is_checked_when_the_module_loads() -> None:
    from tracktion.api.rules import public, rules
    from tracktion.auth.weights import READ, WRITE

    with pytest.raises(ValueError, match="scope"):
        rules(permission="read", scope="everything", cost=READ)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="permission"):
        rules(permission="owner", scope="cue", cost=READ)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not charged"):
        public(cost=WRITE)

    def twice() -> None: ...

    with pytest.raises(TypeError, match="twice"):
        rules(permission="read", scope="cue", cost=READ)(public()(twice))


def _rule_app() -> Any:
    from tracktion.api.resolver import make_app
    from tracktion.api.rules import rules
    from tracktion.auth.weights import WRITE

    app = make_app()
    ran: list[str] = []

    @app.post("/api/v1/cue/thing")
    @rules(permission="write", scope="cue", cost=WRITE)
    def thing() -> dict[str, str]:
        ran.append("thing")
        return {"ok": "yes"}

    app.ran = ran  # type: ignore[attr-defined]
    return app


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (None, (401, "UNAUTHORIZED")),  # a route that is not public needs an identity
        ({"user_id": "u", "permissions": "read"}, (403, "INSUFFICIENT_PERMISSIONS")),
        (
            {"user_id": "u", "permissions": "read,write", "scopes": "search"},
            (403, "INSUFFICIENT_PERMISSIONS"),
        ),
        (
            {"user_id": "u", "permissions": "read,admin"},
            (403, "INSUFFICIENT_PERMISSIONS"),
        ),  # admin is not write
    ],
)
def test_the_admission_step_refuses_by_the_route_s_rules_before_it_runs(
    principal: dict[str, str] | None, expected: tuple[int, str]
) -> None:
    from tests.conftest import FakeContext, http_event
    from tracktion.api.resolver import serve

    app = _rule_app()
    answer = serve(app, http_event("POST", "/api/v1/cue/thing", body={}, principal=principal), FakeContext())

    assert (answer["statusCode"], json.loads(answer["body"])["error_code"]) == expected
    assert app.ran == []


def test_the_table_of_rules_in_docs_security_md_is_current() -> None:
    from local.route_rules import PAGE, render_page

    page = PAGE.read_text(encoding="utf-8")
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert page == render_page(page, doc), (
        "docs/security.md's table of route rules is stale: run `make openapi`"
    )
