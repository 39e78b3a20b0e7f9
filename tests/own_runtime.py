"""A local runtime of a test module's own, for settings the shared one (tests/conftest.py
`runtime`) must not have: each setting `NAME=value` overrides the template's environment of
every function (`python -m local --env`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.conftest import ROOT


@contextmanager
def own_runtime(settings: Iterable[str], *, timeout: float = 120) -> Iterator[Any]:
    """`local.testing.RuntimeProcess` on template.yaml with `settings`, stopped afterwards."""
    from local.testing import start_runtime

    args = [arg for setting in settings for arg in ("--env", setting)]
    runtime = start_runtime(ROOT / "template.yaml", args, timeout=timeout)
    try:
        yield runtime
    finally:
        runtime.stop()
