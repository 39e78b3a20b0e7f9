"""S3 ObjectCreated under incoming/: a dropped tracklist becomes CUE files (tracktion.cue.incoming)."""

from __future__ import annotations

from typing import Any

from tracktion.cue.incoming import handle_event
from tracktion.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event)
