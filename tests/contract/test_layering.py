"""The domain stands on its own: no module of `tracktion` outside `tracktion/api/` imports the edge.

`tracktion/api/` is the only package that knows API Gateway events; everything else
(`Principal`, `authenticate`, the stores, the parsers...) is called by it, never the other way
round. Every import counts: at module level, inside a function (a lazy import is still a
dependency), relative, or by name through importlib.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "core" / "tracktion"
EDGE = "tracktion.api"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against `module`)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_edge(name: str) -> bool:
    return name == EDGE or name.startswith(EDGE + ".")


def edge_imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str, bool]]:
    """(line, imported name, inside a function) for every import of the edge in `source`."""
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, nested) for a in child.names if _is_edge(a.name))
            elif isinstance(child, ast.ImportFrom):
                target = _absolute(child, module, is_package)
                if _is_edge(target):
                    found.append((child.lineno, target, nested))
                else:  # `from tracktion import api`
                    found.extend(
                        (child.lineno, f"{target}.{a.name}", nested)
                        for a in child.names
                        if _is_edge(f"{target}.{a.name}")
                    )
            elif (
                isinstance(child, ast.Call)
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
                and _is_edge(child.args[0].value)
                and (
                    (isinstance(child.func, ast.Name) and child.func.id in ("__import__", "import_module"))
                    or (isinstance(child.func, ast.Attribute) and child.func.attr == "import_module")
                )
            ):
                found.append((child.lineno, child.args[0].value, nested))
            visit(child, nested)

    visit(ast.parse(source), False)
    return found


def domain_modules() -> list[Path]:
    edge_dir = PACKAGE / "api"
    return sorted(p for p in PACKAGE.rglob("*.py") if edge_dir not in p.parents)


def test_no_domain_module_imports_the_edge() -> None:
    offenders = []
    for path in domain_modules():
        module = module_name(path)
        for line, name, lazy in edge_imports(path.read_text(), module, path.name == "__init__.py"):
            where = "inside a function" if lazy else "at module level"
            offenders.append(f"{path.relative_to(ROOT)}:{line} imports {name} ({where})")
    assert not offenders, "the domain imports the edge (tracktion.api):\n" + "\n".join(offenders)


def test_the_walk_covers_the_whole_domain_and_only_it() -> None:
    modules = {module_name(p) for p in domain_modules()}

    assert {"tracktion.auth.authenticate", "tracktion.auth.principal", "tracktion.batch.progress"} <= modules
    assert not any(_is_edge(m) for m in modules)
    # The detector sees the edge's own imports of itself, so a pass above is not vacuous.
    admission = PACKAGE / "api" / "admission.py"
    assert edge_imports(admission.read_text(), "tracktion.api.admission")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import tracktion.api.principal", [(1, "tracktion.api.principal", False)]),
        ("from tracktion.api.shapes import warning", [(1, "tracktion.api.shapes", False)]),
        ("from tracktion import api, errors", [(1, "tracktion.api", False)]),
        ("def f():\n    from tracktion.api.shapes import hms", [(2, "tracktion.api.shapes", True)]),
        ("class C:\n    def m(self):\n        import tracktion.api", [(3, "tracktion.api", True)]),
        ("from ..api.principal import Principal", [(1, "tracktion.api.principal", False)]),
        (
            "import importlib\nimportlib.import_module('tracktion.api.resolver')",
            [(2, "tracktion.api.resolver", False)],
        ),
        ("from tracktion.apiary import x\nimport tracktion.auth.principal", []),
        ("from . import principal", []),
    ],
)
def test_the_detector_finds_every_form_of_import(source: str, expected: list[tuple[int, str, bool]]) -> None:
    assert edge_imports(source, "tracktion.auth.authenticate") == expected
