"""S3 ObjectCreated under incoming/: a dropped tracklist becomes CUE files (tracktion.cue.incoming)."""

from __future__ import annotations

from typing import Any

from tracktion.config import CoreSettings, CueSettings, load
from tracktion.cue.incoming import handle_event
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, CueSettings)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event)
