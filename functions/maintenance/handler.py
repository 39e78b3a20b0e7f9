"""MaintenanceFunction: the daily purge (EventBridge schedule rule) and, when invoked with
{"action": "redrive"}, sending failed asynchronous work again (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from tracktion.async_failures import redrive
from tracktion.batch.maintenance import run_maintenance
from tracktion.config import (
    AuthSettings,
    BatchSettings,
    CoreSettings,
    CueSettings,
    OperationsSettings,
    WebhookSettings,
    load,
)
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
# Auth and Webhook settings: the webhook retry sweep (its secrets are sealed by the identity secret).
SETTINGS = load(CoreSettings, AuthSettings, BatchSettings, CueSettings, OperationsSettings, WebhookSettings)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("action") == "redrive":
        limit = event.get("max_records")
        return redrive(int(limit)) if isinstance(limit, int) and limit > 0 else redrive()
    if isinstance(event, dict) and event.get("action") == "webhook_retries":
        # Every minute (template.yaml): pending webhook deliveries whose retry time has come.
        from tracktion.webhooks.delivery import retry_due

        return retry_due()
    return run_maintenance()
