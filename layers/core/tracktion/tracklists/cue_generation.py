"""CUE files for a manual tracklist, now or in the background.

Files are made by the CUE engine (`tracktion.cue.files.generate_files`) and answered in its one
view of a file record (`tracktion.cue.files.view`). Background generation is a GENERATE_CUE_JOB
of `tracktion.async_jobs` (this same function, invoked asynchronously), run by `run_cue_job`;
Lambda retries such an invocation itself if it fails.
"""

from __future__ import annotations

from typing import Any

from tracktion import async_jobs
from tracktion.errors import NotFound, ServiceUnavailable, TracktionError
from tracktion.observability import logger
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore

GENERATE_CUE_JOB = "tracklists.generate_cue"
DEFAULT_FORMATS = ["standard"]


def generate_cue(
    tracklist: Tracklist, formats: list[str], options: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The CUE files the engine made and stored for this tracklist, each in the file record's view."""
    # Imported here: the engine (rendering, dialects, S3) is cold-start weight for the routes
    # of these functions that never make a sheet.
    from tracktion.cue.files import generate_files, view

    return [view(f) for f in generate_files(tracklist, formats or DEFAULT_FORMATS, options)]


def queue_cue_generation(
    tracklist: Tracklist, formats: list[str], options: dict[str, Any] | None = None
) -> str:
    """Ask this function to generate the files in the background; 'queued' when accepted."""
    payload = {
        "tracklist_id": tracklist.tracklist_id,
        "owner_id": tracklist.owner_id,
        "version": tracklist.version,
        "formats": formats or DEFAULT_FORMATS,
        "options": options or {},
    }
    try:
        async_jobs.start(GENERATE_CUE_JOB, payload)
    except async_jobs.JobNotStarted as exc:
        raise ServiceUnavailable("Could not queue CUE generation", error_code="CUE_NOT_QUEUED") from exc
    return "queued"


def run_cue_job(payload: dict[str, Any], store: TracklistStore | None = None) -> dict[str, Any]:
    """Generate the files a queued publish asked for (the tracklist as it is now)."""
    store = store or TracklistStore()
    try:
        tracklist = store.get(str(payload["tracklist_id"]), str(payload["owner_id"]))
    except NotFound:
        # Deleted since it was queued: nothing to do, and retrying (Lambda would) cannot help.
        logger.info(
            "cue generation skipped: tracklist gone", extra={"tracklist_id": payload.get("tracklist_id")}
        )
        return {"tracklist_id": payload.get("tracklist_id"), "status": "skipped", "files": []}
    files = generate_cue(
        tracklist, list(payload.get("formats") or DEFAULT_FORMATS), payload.get("options") or None
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
    except TracktionError as exc:  # CUE_NOT_QUEUED when the background job could not start
        return {
            "status": "failed",
            "error_code": exc.error_code,
            "message": exc.message,
            "retry": "generate-cue",
        }
