"""Dead code check (`make lint`, so `make test`): vulture over the shipped code, exit 1 on a finding.

    python -m tests.deadcode

Settings are pyproject.toml's [tool.vulture] (paths, min_confidence 60 so an unused function,
method, class or variable is reported, the decorators and names frameworks call). Names only a
framework, the tests or the published SDK's users reach are listed in tests/deadcode_whitelist.py,
each with why.

One rule vulture cannot express is applied here: a field declared in a class body (`name: type`
or `name: type = default`) is data, read by pydantic, dataclasses or serialisation rather than by
name, so it is never reported, nor is an assignment to an attribute of that name
(`report.cue_objects += n`). A field nobody fills is still found by the type checker and tests.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

from vulture.config import make_config
from vulture.core import Vulture

ROOT = Path(__file__).resolve().parent.parent


@cache
def _fields(filename: str) -> frozenset[tuple[int, str]]:
    """(line, name) of every annotated class-body assignment in the file."""
    tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    found.add((statement.lineno, statement.target.id))
    return frozenset(found)


def _field_names(paths: list[str]) -> frozenset[str]:
    names: set[str] = set()
    for path in paths:
        p = ROOT / path
        for f in [p] if p.is_file() else sorted(p.rglob("*.py")):
            names |= {name for _, name in _fields(str(f))}
    return frozenset(names)


def findings(argv: list[str] | None = None) -> list[str]:
    """vulture's report lines, less class-body fields and assignments to attributes of their names."""
    config = make_config(argv or [])
    vulture = Vulture(ignore_names=config["ignore_names"], ignore_decorators=config["ignore_decorators"])
    vulture.scavenge(config["paths"], exclude=config["exclude"])
    field_names = _field_names(config["paths"])
    out: list[str] = []
    for item in vulture.get_unused_code(min_confidence=config["min_confidence"]):
        if item.typ == "variable" and (item.first_lineno, item.name) in _fields(str(item.filename)):
            continue
        if item.typ == "attribute" and item.name in field_names:
            continue
        out.append(item.get_report())
    return out


def main() -> int:
    found = findings(sys.argv[1:])
    for line in found:
        print(line)
    if found:
        print(
            f"\n{len(found)} unused name(s). Remove the code, or, when a framework, the tests or the "
            "SDK's users reach it, add it to tests/deadcode_whitelist.py saying which.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
