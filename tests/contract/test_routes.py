"""template.yaml and the resolvers agree: every HttpApi route reaches a resolver route, and back.

A route only in the template answers 404 from its function; a route only in a resolver can
never be reached through API Gateway. Both are wiring bugs nobody notices until deployed.
"""

from __future__ import annotations

import importlib
from collections import Counter

import pytest

from tests.contract.template_functions import FunctionSpec, http_functions, normalise_path

HTTP_FUNCTIONS = http_functions()


def resolver_routes(spec: FunctionSpec) -> set[tuple[str, str]]:
    app = importlib.import_module(spec.module).app
    return {
        (route.method.upper(), normalise_path(route.path))
        for route in app._static_routes + app._dynamic_routes
    }


@pytest.mark.parametrize("spec", HTTP_FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_template_route_is_served_by_its_function_resolver(spec: FunctionSpec) -> None:
    served = resolver_routes(spec)
    served_paths = {path for _method, path in served}
    missing = [
        f"{route.method} {route.path}"
        for route in spec.routes
        if not route.greedy
        and (route.key not in served if route.method != "ANY" else route.key[1] not in served_paths)
    ]
    assert not missing, (
        f"{spec.logical_id} routes in template.yaml that {spec.module}.app does not serve: {missing}"
    )


@pytest.mark.parametrize("spec", HTTP_FUNCTIONS, ids=lambda s: s.logical_id)
def test_every_resolver_route_is_routed_to_its_function_by_the_template(spec: FunctionSpec) -> None:
    routed = {route.key for route in spec.routes}
    any_paths = {route.key[1] for route in spec.routes if route.method == "ANY"}
    unreachable = sorted(
        f"{method} {path}"
        for method, path in resolver_routes(spec)
        if (method, path) not in routed and path not in any_paths and method != "OPTIONS"
    )
    assert not unreachable, (
        f"{spec.module}.app serves routes that template.yaml never sends to {spec.logical_id} "
        f"(add HttpApi events for them): {unreachable}"
    )


def test_no_route_is_claimed_by_two_functions() -> None:
    claims = Counter(route.key for spec in HTTP_FUNCTIONS for route in spec.routes)
    assert not [key for key, n in claims.items() if n > 1], "API Gateway rejects duplicate route keys"
