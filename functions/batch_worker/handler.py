"""The BatchImport state machine's task function (import an item, record a failure, finalize,
turn a scheduled firing into a batch). The payload's `action` names the task."""

from __future__ import annotations

from typing import Any

from tracktion.batch.worker import run_task
from tracktion.config import (
    AuthSettings,
    BatchSettings,
    CoreSettings,
    CueSettings,
    SourceSettings,
    WebhookSettings,
    load,
)
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
# AuthSettings: the identity secret that unseals webhook signing secrets.
SETTINGS = load(CoreSettings, AuthSettings, BatchSettings, SourceSettings, WebhookSettings, CueSettings)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.append_keys(batch_id=event.get("batch_id"), action=event.get("action"))
    return run_task(event)
