"""Every route of template.yaml has an SDK method, and every SDK method is a route of template.yaml.

The SDK declares each route once (`Op` on a resource, sdk/tracktion_sdk/resources.py); a route
someone adds to the template without a declaration fails here with its method and path.
"""

from __future__ import annotations

from tests.contract.template_functions import http_functions, normalise_path
from tracktion_sdk import Tracktion
from tracktion_sdk.resources import Resource, operations


def _sdk_routes() -> set[tuple[str, str]]:
    client = Tracktion("http://sdk.invalid")
    try:
        return {
            (op.method, normalise_path(op.path))
            for value in vars(client).values()
            if isinstance(value, Resource)
            for op in operations(type(value))
        }
    finally:
        client.close()


def _template_routes() -> set[tuple[str, str]]:
    return {route.key for spec in http_functions() for route in spec.routes if not route.greedy}


def test_every_template_route_has_an_sdk_method() -> None:
    missing = sorted(f"{method} {path}" for method, path in _template_routes() - _sdk_routes())
    assert not missing, f"routes of template.yaml without an SDK method (add an Op): {missing}"


def test_every_sdk_method_is_a_route_of_the_template() -> None:
    unrouted = sorted(f"{method} {path}" for method, path in _sdk_routes() - _template_routes())
    assert not unrouted, f"SDK methods for routes template.yaml does not have: {unrouted}"
