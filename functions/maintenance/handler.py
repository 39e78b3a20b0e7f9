"""The daily maintenance run (EventBridge schedule rule): purge what expiry left behind."""

from __future__ import annotations

from typing import Any

from tracktion.batch.maintenance import run_maintenance
from tracktion.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_maintenance()
