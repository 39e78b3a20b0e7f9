"""The functions template.yaml declares, as the contract tests and the events test see them.

Everything is discovered from the template at collection time, so a function or route added
by anyone is checked without touching the tests.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from local.openapi import ensure_import_path, handler_module
from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
FUNCTIONS_DIR = ROOT / "functions"


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    public: bool

    @property
    def greedy(self) -> bool:
        """`/{proxy+}`: answered by the resolver's not-found handler, not by a route."""
        return "+}" in self.path

    @property
    def key(self) -> tuple[str, str]:
        return self.method, normalise_path(self.path)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    module: str
    handler: str
    routes: tuple[HttpRoute, ...] = field(default=())

    @property
    def package(self) -> str:
        return self.module.split(".", 1)[0]

    @property
    def is_http(self) -> bool:
        return bool(self.routes)


def normalise_path(path: str) -> str:
    """`/a/{id}`, `/a/<id>` and `/a/{other}` are the same route; parameter names do not route."""
    path = re.sub(r"\{[^}/]+\+\}", "{+}", path)
    path = re.sub(r"\{[^}/+]+\}|<[^>/]+>", "{}", path)
    return path.rstrip("/") or "/"


@functools.cache
def load_template() -> Template:
    """Parsed once per test session (the YAML is large); nobody may change the result."""
    ensure_import_path()
    return Template.load(TEMPLATE_PATH, {"Stage": "test"})


@functools.cache
def functions() -> dict[str, FunctionSpec]:
    template = load_template()
    found: dict[str, FunctionSpec] = {}
    for logical_id, res in template.of_type("AWS::Serverless::Function").items():
        routes = []
        for event in ((res.get("Properties") or {}).get("Events") or {}).values():
            if (event or {}).get("Type") != "HttpApi":
                continue
            props = event.get("Properties") or {}
            routes.append(
                HttpRoute(
                    method=str(props.get("Method", "ANY")).upper(),
                    path=str(props.get("Path", "/")),
                    public=(props.get("Auth") or {}).get("Authorizer") == "NONE",
                )
            )
        handler = str(template.function_property(logical_id, "Handler", ""))
        found[logical_id] = FunctionSpec(
            logical_id, handler_module(template, logical_id), handler, tuple(routes)
        )
    return dict(sorted(found.items()))


def http_functions() -> list[FunctionSpec]:
    return [spec for spec in functions().values() if spec.is_http]
