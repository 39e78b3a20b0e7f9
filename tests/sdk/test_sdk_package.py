"""The SDK installs on its own (`pip install ./sdk`): it needs httpx and pydantic, nothing of the
service; the command line's typer and rich, and websockets for live progress, are its `cli` extra."""

from __future__ import annotations

import ast
import sys
import tomllib

from tests.conftest import ROOT

SDK = ROOT / "sdk"


def _imports(tree: ast.Module) -> set[str]:
    """Top-level modules imported when the module loads (not inside functions)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_sdk_depends_on_httpx_and_pydantic_only_and_the_cli_on_its_extra() -> None:
    project = tomllib.loads((SDK / "pyproject.toml").read_text())["project"]
    allowed = set(sys.stdlib_module_names) | {"httpx", "pydantic", "tracktion_sdk"}
    cli_allowed = allowed | {"typer", "rich"}
    wrong = {}
    for path in sorted((SDK / "tracktion_sdk").glob("*.py")):
        needed = _imports(ast.parse(path.read_text()))
        extra = needed - (cli_allowed if path.name == "cli.py" else allowed)
        if extra:
            wrong[path.name] = sorted(extra)

    assert sorted(d.split(">")[0].split("=")[0] for d in project["dependencies"]) == ["httpx", "pydantic"]
    assert sorted(d.split(">")[0] for d in project["optional-dependencies"]["cli"]) == [
        "rich",
        "typer",
        "websockets",
    ]
    assert not wrong, f"SDK modules importing what `pip install ./sdk` does not bring: {wrong}"
