"""The HTTP API's Lambda REQUEST authorizer (payload 2.0, simple responses).

Answers {"isAuthorized": bool, "context": principal} for every route but /health.
"""

from __future__ import annotations

from typing import Any

from tracktion.api.authorizer import authorize
from tracktion.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return authorize(event)
