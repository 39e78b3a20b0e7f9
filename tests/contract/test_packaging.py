"""The Lambda layer ships exactly the runtime dependencies the project is developed against."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def canonical(requirement: str) -> str:
    """`PyJWT[crypto]==2.15.1` and `pyjwt[Crypto] == 2.15.1` are the same pin."""
    match = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?\s*(.*?)\s*", requirement)
    assert match, f"unreadable requirement {requirement!r}"
    name, extras, spec = match.groups()
    extras_set = sorted(e.strip().lower() for e in (extras or "[]")[1:-1].split(",") if e.strip())
    return f"{re.sub(r'[-_.]+', '-', name).lower()}[{','.join(extras_set)}]{spec.replace(' ', '')}"


def project_dependencies() -> set[str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return {canonical(r) for r in tomllib.load(fh)["project"]["dependencies"]}


def layer_requirements() -> set[str]:
    lines = (ROOT / "layers" / "core" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return {canonical(line.split("#", 1)[0]) for line in lines if line.split("#", 1)[0].strip()}


def test_layer_requirements_and_project_dependencies_are_the_same_set() -> None:
    project, layer = project_dependencies(), layer_requirements()
    assert project == layer, (
        f"only in pyproject: {sorted(project - layer)}; only in the layer: {sorted(layer - project)}"
    )


def test_every_runtime_dependency_is_pinned_exactly() -> None:
    loose = [r for r in project_dependencies() | layer_requirements() if "==" not in r]
    assert not loose, f"pin these with ==: {loose}"
