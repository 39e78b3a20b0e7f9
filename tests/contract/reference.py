"""The published API reference, for the tests: local/reference.py's parser, re-exported, and what
only the tests need (the published client examples, and whether an answer has a documented shape).

The parser lives in local/ because `make openapi` (local/openapi.py) also reads the reference, for
the examples of the OpenAPI document, and local/ never imports the tests.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from local.reference import (
    REFERENCE_PATH,
    ROOT,
    SHARED,
    SPEC_DIR,
    Endpoint,
    Parameter,
    Reference,
    RequestLine,
    Shape,
    parse_endpoints,
)

__all__ = [
    "CLIENT_EXAMPLES_PATH",
    "REFERENCE_PATH",
    "ROOT",
    "SHARED",
    "SPEC_DIR",
    "Endpoint",
    "Parameter",
    "Reference",
    "RequestLine",
    "Shape",
    "conforms",
    "parse_endpoints",
    "python_blocks",
    "reference",
]

CLIENT_EXAMPLES_PATH = SPEC_DIR / "python-client-examples.md"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


@functools.cache
def reference() -> Reference:
    """The reference read once per process (callers must not change it)."""
    return Reference.load()


def python_blocks(path: Path = CLIENT_EXAMPLES_PATH) -> list[tuple[str, str]]:
    """The ```python blocks of the published client examples: (section heading, code)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    heading = ""
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        match = _HEADING.match(lines[i])
        if match:
            heading = match.group(2)
        if stripped.startswith("```"):
            language = stripped[3:].strip()
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            if language == "python":
                found.append((heading, "\n".join(lines[i + 1 : j])))
            i = j + 1
            continue
        i += 1
    return found


# -- does an answer have the documented shape? ------------------------------------------------------

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_LOOSE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_LOOSE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_LOOSE_CLOCK = re.compile(r"^\d+:\d{2}(:\d{2})?(\.\d+)?$")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def conforms(
    example: Any,
    actual: Any,
    where: str = "$",
    empty: list[str] | None = None,
    maps: frozenset[str] = frozenset(),
) -> list[str]:
    """How `actual` departs from the documented `example` (empty: it conforms).

    - an object: every key of the example is present, each checked recursively (more keys are fine);
    - an array: every element has the shape of the example's first element;
    - null in the example: any value, or null;
    - a float in the example: an integer or a float; an integer: an integer (never a boolean);
    - a string shaped like a date-time, a date or a clock time (`2:00:00`): a string of that kind,
      loosely (any ISO precision or zone; hours beyond 24);
    - null in the answer where the example shows a string, a number or a boolean is accepted
      (a documented field without a value, e.g. a track without a label); where it shows an
      object or an array, it is not.
    Arrays answered empty where the example has elements cannot be checked: their paths are
    appended to `empty` when given. Objects at the paths in `maps` are maps whose keys are data
    (e.g. a count per CUE format): each value has the shape of the example's first value.
    """
    if example is None:
        return []
    expected, got = _json_type(example), _json_type(actual)
    if got == "null" and expected in ("string", "integer", "number", "boolean"):
        return []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {got} {str(actual)[:80]}"]
        if where in maps:
            first = next(iter(example.values()), None)
            return [p for k, v in actual.items() for p in conforms(first, v, f"{where}.{k}", empty, maps)]
        problems = []
        for name, value in example.items():
            if name not in actual:
                problems.append(f"{where}.{name}: missing")
            else:
                problems += conforms(value, actual[name], f"{where}.{name}", empty, maps)
        return problems
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{where}: expected an array, got {got} {str(actual)[:80]}"]
        if not example:
            return []
        if not actual:
            if empty is not None:
                empty.append(where)
            return []
        problems = []
        for i, element in enumerate(actual):
            problems += conforms(example[0], element, f"{where}[{i}]", empty, maps)
        return problems
    if expected == "number":
        return [] if got in ("integer", "number") else [f"{where}: expected a number, got {got} {actual!r}"]
    if expected != got:
        return [f"{where}: expected {expected} (like {example!r}), got {got} {str(actual)[:80]!r}"]
    if expected == "string":
        for documented, loose, kind in (
            (_DATETIME, _LOOSE_DATETIME, "a date-time"),
            (_DATE, _LOOSE_DATE, "a date"),
            (_CLOCK, _LOOSE_CLOCK, "a clock time H:MM:SS"),
        ):
            if documented.match(example) and not loose.match(actual):
                return [f"{where}: expected {kind} (like {example!r}), got {actual!r}"]
    return []
