"""The local runtime on the real template.yaml, started once for the integration tests.

`runtime` is a `local.testing.RuntimeProcess`: `.gateway_url`, `.aws_url`, `.ws_url`,
`.source_url`, `.admin_key`, `.admin_headers`, `.client()` (httpx on the gateway),
`.aws_client(service)` (boto3 on the embedded AWS) and `.logs()` (the runtime's stderr).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.testing import RuntimeProcess, start_runtime
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def runtime() -> Iterator[RuntimeProcess]:
    process = start_runtime(ROOT / "template.yaml", ["--env", "SOURCE_MIN_INTERVAL_SECONDS=0"], timeout=90)
    try:
        yield process
    finally:
        process.stop()
