"""CUE files for a manual tracklist, now or in the background.

The CUE engine (`tracktion.cue.files.generate_files`) belongs to the CUE part; until it is
importable, generation answers a clear 503 instead of failing obscurely. Background generation
invokes this same function asynchronously (InvocationType=Event) with a direct event that
`handle_cue_event` serves; Lambda retries such an invocation itself if it fails.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from botocore.exceptions import ClientError

from tracktion.config import env
from tracktion.errors import NotFound, ServiceUnavailable, TracktionError
from tracktion.observability import logger
from tracktion.storage.aws import client
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore

CUE_EVENT_ACTION = "generate_cue"
DEFAULT_FORMATS = ["standard"]


class CueEngineUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "CUE generation is not available in this deployment yet",
            error_code="CUE_UNAVAILABLE",
            retry_after=60,
        )


def _engine() -> Any:
    try:
        from tracktion.cue.files import generate_files
    except ImportError as exc:
        raise CueEngineUnavailable() from exc
    return generate_files


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return json.loads(json.dumps(dataclasses.asdict(obj), default=str))
    return json.loads(json.dumps(obj, default=str))


def generate_cue(
    tracklist: Tracklist, formats: list[str], options: dict[str, Any] | None = None
) -> list[Any]:
    """The CUE files (as JSON-ready dicts) the engine made and stored for this tracklist."""
    generate_files = _engine()
    files = generate_files(tracklist, formats or DEFAULT_FORMATS, options)
    return [_jsonable(f) for f in files]


def queue_cue_generation(
    tracklist: Tracklist, formats: list[str], options: dict[str, Any] | None = None
) -> str:
    """Ask this function to generate the files in the background; 'queued' when accepted."""
    name = env("AWS_LAMBDA_FUNCTION_NAME")
    if not name:
        raise ServiceUnavailable("Background CUE generation is not configured", error_code="CUE_UNAVAILABLE")
    payload = {
        "action": CUE_EVENT_ACTION,
        "tracklist_id": tracklist.tracklist_id,
        "owner_id": tracklist.owner_id,
        "version": tracklist.version,
        "formats": formats or DEFAULT_FORMATS,
        "options": options or {},
    }
    client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode())
    return "queued"


def is_cue_event(event: dict[str, Any]) -> bool:
    return (
        isinstance(event, dict) and event.get("action") == CUE_EVENT_ACTION and "requestContext" not in event
    )


def handle_cue_event(event: dict[str, Any], store: TracklistStore | None = None) -> dict[str, Any]:
    """Generate the files a queued publish asked for (the tracklist as it is now)."""
    store = store or TracklistStore()
    try:
        tracklist = store.get(str(event["tracklist_id"]), str(event["owner_id"]))
    except NotFound:
        # Deleted since it was queued: nothing to do, and retrying (Lambda would) cannot help.
        logger.info(
            "cue generation skipped: tracklist gone", extra={"tracklist_id": event.get("tracklist_id")}
        )
        return {"tracklist_id": event.get("tracklist_id"), "status": "skipped", "files": []}
    files = generate_cue(
        tracklist, list(event.get("formats") or DEFAULT_FORMATS), event.get("options") or None
    )
    logger.info("cue generated", extra={"tracklist_id": tracklist.tracklist_id, "files": len(files)})
    return {
        "tracklist_id": tracklist.tracklist_id,
        "version": tracklist.version,
        "status": "generated",
        "files": files,
    }


def cue_after_publish(
    published: Tracklist, run_async: bool, formats: list[str] | None = None
) -> dict[str, Any]:
    """Generate (or queue) a freshly published tracklist's CUE files.

    The publication already stands, so a CUE failure is reported in the answer (with the way
    to retry: POST /{id}/generate-cue) instead of turning the whole publish into an error.
    """
    formats = formats or list(DEFAULT_FORMATS)
    try:
        if run_async:
            return {"status": queue_cue_generation(published, formats), "formats": formats}
        return {"status": "generated", "files": generate_cue(published, formats)}
    except TracktionError as exc:
        return {
            "status": "failed",
            "error_code": exc.error_code,
            "message": exc.message,
            "retry": "generate-cue",
        }
    except ClientError as exc:  # the asynchronous invoke was refused
        logger.warning("could not queue cue generation", extra={"error": exc.response["Error"]["Code"]})
        return {
            "status": "failed",
            "error_code": "CUE_NOT_QUEUED",
            "message": "Could not queue CUE generation",
            "retry": "generate-cue",
        }
