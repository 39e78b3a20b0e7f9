"""The daily maintenance run (EventBridge schedule rule): purge what expiry left behind."""

from __future__ import annotations

from typing import Any

from tracktion.batch.maintenance import run_maintenance
from tracktion.config import BatchSettings, CoreSettings, CueSettings, load
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, BatchSettings, CueSettings)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_maintenance()
