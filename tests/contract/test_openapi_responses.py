"""Every operation of the merged OpenAPI document declares what it answers.

Built with `local.openapi.build()` (the code as it is, not docs/openapi.json): each operation
has a response schema for its success status, and each error status it lists answers the
standard error body (ErrorBody). The figures are printed (`-s`), and the failure names every
operation that falls short, so a group can see its own.
"""

from __future__ import annotations

import functools
from typing import Any

from local.openapi import build

ERROR_REF = "#/components/schemas/ErrorBody"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@functools.cache
def document() -> dict[str, Any]:
    return build()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in sorted(document()["paths"].items())
        for method, op in item.items()
        if method in METHODS
    ]


def _is_model(schema: dict[str, Any]) -> bool:
    """A schema that names its fields: a $ref, properties, typed items; not `{}` or a bare dict."""
    if any(key in schema for key in ("$ref", "properties", "anyOf", "oneOf", "allOf")):
        return True
    if schema.get("type") == "array":
        items = schema.get("items") or {}
        return _is_model(items) or items.get("type") in ("string", "integer", "number", "boolean")
    return False


def _has_schema(response: dict[str, Any]) -> bool:
    content = response.get("content") or {}
    for media_type, media in content.items():
        schema = (media or {}).get("schema") or {}
        if media_type.endswith("json") and _is_model(schema):
            return True
        if not media_type.endswith("json") and schema.get("type") == "string":
            return True  # an HTML page, a script, a CUE sheet
    return False


def _is_error_body(response: dict[str, Any]) -> bool:
    content = response.get("content") or {}
    media = content.get("application/json") or {}
    return (media.get("schema") or {}).get("$ref") == ERROR_REF


def shortfalls() -> tuple[int, list[str], list[str]]:
    """(operations, without a success schema, with an error status not in ErrorBody)."""
    no_success: list[str] = []
    bad_errors: list[str] = []
    ops = operations()
    for method, path, op in ops:
        responses: dict[str, Any] = op.get("responses") or {}
        success = {code: r for code, r in responses.items() if code.startswith("2")}
        redirects = [code for code in responses if code.startswith("3")]
        if not success and not redirects:
            no_success.append(f"{method} {path}: no 2xx or 3xx response")
        for code, response in success.items():
            if code != "204" and not _has_schema(response):
                no_success.append(f"{method} {path}: {code} without a response model")
        for code, response in responses.items():
            if (code.startswith(("4", "5")) or code == "default") and not _is_error_body(response):
                bad_errors.append(f"{method} {path}: {code} is not the standard error body")
    return len(ops), no_success, bad_errors


def test_every_operation_declares_its_success_schema_and_the_standard_error_body() -> None:
    count, no_success, bad_errors = shortfalls()
    print(
        f"\n{count} operations; {count - len({s.split(':')[0] for s in no_success})} with a success schema; "
        f"{len(no_success)} success responses without a model; {len(bad_errors)} error statuses not in ErrorBody"
    )
    assert count > 0
    problems = no_success + bad_errors
    assert not problems, f"{len(problems)} shortfalls:\n" + "\n".join(problems)
