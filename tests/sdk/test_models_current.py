"""The SDK's generated modules are what `make sdk-models` makes of docs/openapi.json today.

A route or answer shape changed without regenerating fails here: run `make sdk-models`.
"""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def _codegen():  # sdk/codegen.py is a script beside the package, not part of it
    spec = importlib.util.spec_from_file_location("sdk_codegen", ROOT / "sdk" / "codegen.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_models_and_operations_are_generated_from_the_current_openapi_document() -> None:
    fresh = _codegen().generate(ROOT / "docs" / "openapi.json")
    stale = [
        name
        for name, source in fresh.items()
        if (ROOT / "sdk" / "tracktion_sdk" / name).read_text() != source
    ]
    assert not stale, f"sdk/tracktion_sdk/{stale} differ from docs/openapi.json: run `make sdk-models`"
