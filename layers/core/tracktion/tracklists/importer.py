"""Import tracklists into the store: from a 1001tracklists URL, from page HTML, from plain text.

Idempotent per (owner, source page): the source key is the page's own id, so re-importing
the same page (by URL or by its HTML) returns the same tracklist id; the stored tracklist is
updated in place (a new version) only when the source's content changed. Nothing is stored
when the page is a block, a missing page or an empty tracklist: those raise first.
A CUE file asked for with the import is made after the tracklist is stored; when it cannot be
made (a track without a start, ...) the import still stands and the reason is reported
(`ImportResult.cue_error`), never half of a sheet.
Asynchronous imports (`queue_import`) record a job and start it as an IMPORT_JOB of
`tracktion.async_jobs` (this same function, invoked asynchronously); `run_import_job` does the work.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from tracktion import async_jobs
from tracktion.errors import (
    Conflict,
    ServiceUnavailable,
    SourceBlocked,
    TracktionError,
    ValidationFailed,
)
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.sources.site import Site
from tracktion.sources.tracklists1001 import parse_tracklist
from tracktion.sources.urls import tracklist_page
from tracktion.tracklists import cue_generation
from tracktion.tracklists.import_jobs import ImportJob, ImportJobNotFound, ImportJobStore
from tracktion.tracklists.model import Track, Tracklist
from tracktion.tracklists.store import TracklistStore
from tracktion.tracklists.text_format import read_text

# The asynchronous leg of an import (tracktion.async_jobs), run by `run_import_job`.
IMPORT_JOB = "tracklists.import"
CUE_DOWNLOAD_PREFIX = "/api/v1/cue/download/"
# The source's failures for one page, answered as the reference's IMPORT_FAILED (public_error).
SOURCE_FAILURE_CODES = frozenset(
    {
        "SOURCE_PAGE_NOT_FOUND",
        "EMPTY_TRACKLIST",
        "DESTINATION_REFUSED",
        "UPSTREAM_ERROR",
        "UPSTREAM_TIMEOUT",
    }
)
# What a re-import compares to decide whether the source changed.
CONTENT_FIELDS = (
    "title",
    "djs",
    "event",
    "venue",
    "country",
    "date",
    "genres",
    "duration_seconds",
    "source_url",
    "source_page_id",
    "tracks",
)


class NotATracklistPage(ValidationFailed):
    """Supplied HTML is a challenge/block page or not a tracklist page at all."""

    error_code = "NOT_A_TRACKLIST_PAGE"


class ImportResult(Model):
    tracklist: Tracklist
    created: bool
    cache_hit: bool
    processing_time_ms: float
    cue_files: list[dict[str, Any]] | None = Field(default=None)
    # Why the asked-for CUE file was not made (the import itself stands): an error record.
    cue_error: dict[str, Any] | None = None
    # Readings the parser chose that the caller should know of (tracktion.contract.warning).
    warnings: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def cue_file_path(self) -> str | None:
        """Where a client fetches the CUE file made with this import (our download route)."""
        return cue_download_path(self.cue_files)


def cue_download_path(cue_files: list[dict[str, Any]] | None) -> str | None:
    for cue in cue_files or []:
        if cue.get("cue_file_id"):
            return f"{CUE_DOWNLOAD_PREFIX}{cue['cue_file_id']}"
    return None


def error_record(exc: TracktionError) -> dict[str, Any]:
    """The standard error fields of `exc`, plus its HTTP status (for job and CUE reports)."""
    return {
        "error": exc.message,
        "error_code": exc.error_code,
        "status": exc.status,
        "retry_after": exc.retry_after,
        "details": exc.details,
    }


def public_error(exc: TracktionError) -> TracktionError:
    """The error an import answers: the reference's IMPORT_FAILED when the source failed.

    A page the source does not have, an empty page, a refused redirect or an upstream error
    or timeout answers IMPORT_FAILED with the same HTTP status; our finer code stays in
    `details.reason`. A block or a spent politeness budget (503 with retry_after:
    SOURCE_BLOCKED, SOURCE_BUSY) keeps its code: it is "try again later", not a failed import,
    and clients retry on it. Everything else is answered as raised.
    """
    if exc.error_code not in SOURCE_FAILURE_CODES:
        return exc
    mapped = TracktionError(
        exc.message,
        details={**exc.details, "reason": exc.error_code},
        retry_after=exc.retry_after,
        error_code="IMPORT_FAILED",
        headers=exc.headers,
    )
    mapped.status = exc.status
    return mapped


def _content(t: Tracklist) -> dict[str, Any]:
    return t.model_dump(mode="json", include=set(CONTENT_FIELDS))


def _store_parsed(
    owner_id: str, parsed: Tracklist, *, audio_file_id: str | None = None
) -> tuple[Tracklist, bool]:
    """Create the owner's tracklist for this source, or update the existing one if it changed."""
    store = TracklistStore()
    key = parsed.source_key
    existing = store.find_by_source(owner_id, key) if key else None
    if existing is None:
        fresh = parsed.model_copy(
            update={
                "owner_id": owner_id,
                "tracklist_id": str(uuid.uuid4()),
                "audio_file_id": audio_file_id,
            }
        )
        try:
            return store.create(fresh), True
        except Conflict:
            # A concurrent import of the same page won the claim: answer with its tracklist.
            existing = store.find_by_source(owner_id, key) if key else None
            if existing is None:
                raise
    updates = _content(parsed)
    if audio_file_id and audio_file_id != existing.audio_file_id:
        updates["audio_file_id"] = audio_file_id
    if _content(existing) == _content(parsed) and "audio_file_id" not in updates:
        return existing, False
    changed = existing.model_copy(
        update={
            **{k: getattr(parsed, k) for k in CONTENT_FIELDS},
            **({"audio_file_id": audio_file_id} if "audio_file_id" in updates else {}),
        }
    )
    return store.save(changed, existing.version), False


def _with_cue(result: ImportResult, cue_format: str | None) -> ImportResult:
    """Make the asked-for CUE file; a sheet that cannot be made is reported, never fatal.

    The tracklist is stored before this runs and stands whatever happens here: a CUE failure
    (e.g. CUE_TIMES_MISSING for a track without a start, a storage error)
    becomes `cue_error` beside the imported tracklist. The CUE engine renders before it
    writes, so a failure leaves no half-written file behind.
    """
    if not cue_format:
        return result
    try:
        made = cue_generation.generate_cue(result.tracklist, [cue_format])
    except TracktionError as exc:
        return result.model_copy(update={"cue_error": error_record(exc)})
    except ClientError as exc:
        logger.warning("cue file not stored", extra={"error": exc.response.get("Error", {}).get("Code")})
        failed = TracktionError("The CUE file could not be stored", error_code="STORAGE_ERROR")
        return result.model_copy(update={"cue_error": error_record(failed)})
    return result.model_copy(update={"cue_files": made})


def _finish(
    owner_id: str,
    parsed: Tracklist,
    started: float,
    *,
    cache_hit: bool,
    audio_file_id: str | None,
    cue_format: str | None,
) -> ImportResult:
    """Store the parsed tracklist (created or updated in place), then make the CUE file if asked."""
    stored, created = _store_parsed(owner_id, parsed, audio_file_id=audio_file_id)
    result = _with_cue(
        ImportResult(tracklist=stored, created=created, cache_hit=cache_hit, processing_time_ms=0),
        cue_format,
    )
    return result.model_copy(update={"processing_time_ms": round((time.perf_counter() - started) * 1000, 2)})


def import_from_url(
    owner_id: str,
    url: str,
    *,
    force_refresh: bool = False,
    audio_file_id: str | None = None,
    cue_format: str | None = None,
    cache_page: bool = True,
) -> ImportResult:
    """Import (or re-import) the tracklist page at `url` for `owner_id`.

    `cache_page=False` (batches) still reads the page cache but does not fill it.
    """
    started = time.perf_counter()
    page = tracklist_page(url)
    parsed, cache_hit = Site().tracklist(page.url, force_refresh=force_refresh, remember=cache_page)
    if parsed.source_key is None:
        parsed = parsed.model_copy(update={"source_key": page.source_key})
    return _finish(
        owner_id, parsed, started, cache_hit=cache_hit, audio_file_id=audio_file_id, cue_format=cue_format
    )


def import_from_html(
    owner_id: str, url: str, html: str, *, audio_file_id: str | None = None, cue_format: str | None = None
) -> ImportResult:
    """Import the page's HTML as the client's browser saw it (for when we are challenged)."""
    started = time.perf_counter()
    page = tracklist_page(url)
    try:
        parsed = parse_tracklist(html, page.url)
    except SourceBlocked as exc:
        raise NotATracklistPage(
            "The HTML is a challenge page, not the tracklist; open the page in a browser first",
            details=exc.details,
        ) from exc
    parsed = parsed.model_copy(update={"source": "html", "source_key": parsed.source_key or page.source_key})
    return _finish(
        owner_id, parsed, started, cache_hit=False, audio_file_id=audio_file_id, cue_format=cue_format
    )


def import_from_text(
    owner_id: str,
    text: str,
    *,
    title: str,
    djs: list[str] | None = None,
    event: str | None = None,
    venue: str | None = None,
    date: str | None = None,
    audio_file_id: str | None = None,
    cue_format: str | None = None,
) -> ImportResult:
    """Import a pasted plain-text tracklist; the same text and title again is the same tracklist."""
    started = time.perf_counter()
    reading = read_text(text)
    tracks: list[Track] = reading.tracks
    digest = hashlib.sha256(json.dumps([title.strip(), text.strip()]).encode()).hexdigest()[:24]
    parsed = Tracklist(
        owner_id=owner_id,
        title=title.strip(),
        djs=djs or [],
        event=event,
        venue=venue,
        date=date,
        source="text",
        source_key=f"text:{digest}",
        tracks=tracks,
    )
    result = _finish(
        owner_id, parsed, started, cache_hit=False, audio_file_id=audio_file_id, cue_format=cue_format
    )
    return result.model_copy(update={"warnings": reading.warnings}) if reading.warnings else result


def queue_import(
    owner_id: str,
    url: str,
    correlation_id: str,
    *,
    force_refresh: bool = False,
    audio_file_id: str | None = None,
    cue_format: str | None = None,
) -> ImportJob:
    """Record a queued import and hand it to this function again as an asynchronous invocation."""
    page = tracklist_page(url)  # a bad URL is the caller's 400 now, not a failed job later
    store = ImportJobStore()
    job = store.put(
        ImportJob(
            correlation_id=correlation_id,
            owner_id=owner_id,
            url=page.url,
            force_refresh=force_refresh,
            audio_file_id=audio_file_id,
            cue_format=cue_format,
        )
    )
    try:
        async_jobs.start(IMPORT_JOB, {"correlation_id": correlation_id, "owner_id": owner_id})
    except async_jobs.JobNotStarted as exc:
        # Never leave a job "queued" that nobody will run.
        error = {"error": "Could not start the import", "error_code": "SERVICE_UNAVAILABLE", "status": 503}
        store.put(job.model_copy(update={"status": "failed", "error": error}))
        raise ServiceUnavailable("Could not start the import; try again", retry_after=5) from exc
    return job


def run_import_job(payload: dict[str, Any]) -> ImportJob | None:
    """The asynchronous leg: run the queued import and record how it ended.

    None when no such job exists (expired, or a stray event): nothing to retry.
    """
    store = ImportJobStore()
    try:
        job = store.get(str(payload.get("correlation_id", "")), str(payload.get("owner_id", "")))
    except ImportJobNotFound:
        logger.warning("async import event for an unknown job", extra={"payload": str(payload)[:200]})
        return None
    if job.status in ("completed", "failed"):
        return job  # Lambda may deliver an Event twice; the first run's answer stands
    store.put(job.model_copy(update={"status": "processing"}))
    try:
        result = import_from_url(
            job.owner_id,
            job.url,
            force_refresh=job.force_refresh,
            audio_file_id=job.audio_file_id,
            cue_format=job.cue_format,
        )
    except TracktionError as exc:
        failed = job.model_copy(update={"status": "failed", "error": error_record(public_error(exc))})
        return store.put(failed)
    done = job.model_copy(
        update={
            "status": "completed",
            "tracklist_id": result.tracklist.tracklist_id,
            "created": result.created,
            "cache_hit": result.cache_hit,
            "processing_time_ms": result.processing_time_ms,
            "cue_file_path": result.cue_file_path,
            "cue_files": result.cue_files,
            "cue_error": result.cue_error,
        }
    )
    return store.put(done)
