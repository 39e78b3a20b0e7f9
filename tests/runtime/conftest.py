"""The local runtime on its own small template (tests/runtime/template.yaml), started once.

Other runtime tests can start their own: `start_runtime(template, extra_args)` from
local.testing returns a RuntimeProcess (`.gateway_url`, `.aws_url`, `.ws_url`, `.admin_key`,
`.client()`, `.aws_client(service)`, `.logs()`, `.stop()`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from local.testing import RuntimeProcess, start_runtime

TEMPLATE = Path(__file__).resolve().parent / "template.yaml"
SEEN_TABLE = "runtime-seen-rt"
T = TypeVar("T")

__all__ = ["SEEN_TABLE", "TEMPLATE", "RuntimeProcess", "eventually", "start_runtime"]


@pytest.fixture(scope="session")
def runtime() -> Iterator[RuntimeProcess]:
    process = start_runtime(TEMPLATE)
    try:
        yield process
    finally:
        process.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of tests/runtime drives a runtime (or its parts): marked integration, so
    `make test-fast` (-m "not integration") starts none."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


def eventually(probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    """What `probe` returns once it returns something (asynchronous deliveries), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"nothing arrived within {timeout} s")
        time.sleep(0.2)


def seen(runtime: RuntimeProcess, pk: str) -> dict[str, Any] | None:
    """The Seen table's item `pk` (written by the test functions), or None."""
    item = runtime.aws_client("dynamodb").get_item(TableName=SEEN_TABLE, Key={"pk": {"S": pk}}).get("Item")
    return dict(item) if item else None
