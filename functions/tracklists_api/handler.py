"""Tracklists from 1001tracklists: search, import (sync/async, from URL, page HTML or plain text),
import status, retrieval by id or URL, and the source cache.

Routes: GET /api/v1/tracklists/search/1001tracklists, POST /api/v1/tracklists/import/1001tracklists,
GET /api/v1/tracklists/import/status/{correlation_id}, POST /api/v1/tracklists/import/html,
POST /api/v1/tracklists/import/text,
POST /api/v1/tracklists/import/file, POST /api/v1/tracklist, GET /api/v1/tracklist/{tracklist_id},
DELETE /api/v1/tracklist/cache. The asynchronous leg of an import arrives here as a job
(`importer.IMPORT_JOB`, tracktion.async_jobs) that serve_or_dispatch hands to `_import_job`.

Every answer has the reference's shape (../shared/spec/api-reference.md, "Tracklist API" and
"Advanced Search"), our earlier fields beside it; docs/api-contract.md ("Tracklists") records
each reading (statuses, the default CUE sheet, what "clear all" clears).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import ConfigDict, Field

from tracktion.api.dispatch import serve_or_dispatch
from tracktion.api.principal import current_principal
from tracktion.api.resolver import correlation_id, make_app
from tracktion.api.rules import rules
from tracktion.api.shapes import Out, TracklistOut, Warning_, error_responses, tracklist_out, warning
from tracktion.auth.weights import IMPORT, READ, SEARCH, WRITE
from tracktion.config import AuthSettings, CoreSettings, CueSettings, SourceSettings, load
from tracktion.cue.contract import CueFormatName
from tracktion.cue.dialects import dialect
from tracktion.errors import TracktionError, UpstreamError, ValidationFailed
from tracktion.histories import importer as file_importer
from tracktion.histories.options import read_options
from tracktion.histories.options import request_body as file_request_body
from tracktion.histories.upload import raw_body, read_upload
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.sources import search
from tracktion.sources.listings import TracklistSummary
from tracktion.sources.site import Site
from tracktion.sources.urls import TRACKLIST_URL_PATTERN
from tracktion.tracklists import importer
from tracktion.tracklists.import_jobs import PROGRESS, ImportJobStore
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, SourceSettings, CueSettings)

app = make_app()

T = TypeVar("T")
Url = Annotated[
    str,
    Field(
        min_length=8,
        max_length=2048,
        # Schema only: a URL outside it is the code's 400 INVALID_URL, as the reference says.
        json_schema_extra={"pattern": TRACKLIST_URL_PATTERN},
        description="A 1001tracklists tracklist page (https://www.1001tracklists.com/tracklist/<id>/<slug>[.html])",
    ),
]
CueFormat = CueFormatName | None
AudioFileId = Annotated[str | None, Field(default=None, max_length=100)]
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
IsoDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
# The reference's page_size range (1-100).
MAX_PAGE_SIZE = 100
STATUS_PATH = "/api/v1/tracklists/import/status/"


def _responses(ok: dict[int, str], *errors: int) -> dict[int, OpenAPIResponse]:
    """`responses=` of a route: its success statuses (schema from the return annotation) and
    the standard error body for each error status."""
    answers: dict[int, Any] = {status: {"description": text} for status, text in ok.items()}
    answers.update(error_responses(*errors))
    return cast("dict[int, OpenAPIResponse]", answers)


IMPORT_ERRORS = (400, 401, 403, 404, 422, 429, 502, 503)

# ---------------------------------------------------------------- requests


class UrlImport(Model):
    """Reference "Import Tracklist". `cue_format` omitted means the documented `standard`;
    an explicit null means no CUE sheet. `audio_file_id` may be left out (see the contract)."""

    model_config = ConfigDict(extra="ignore")

    url: Url
    audio_file_id: AudioFileId = None
    force_refresh: bool = False
    cue_format: CueFormat = "standard"


class TracklistByUrl(Model):
    """Reference "Get Tracklist by URL", plus the import's optional fields."""

    model_config = ConfigDict(extra="ignore")

    url: Url
    force_refresh: bool = False
    include_transitions: bool = True
    correlation_id: str | None = Field(default=None, max_length=128, pattern=r"^[\x21-\x7e]+$")
    audio_file_id: AudioFileId = None
    cue_format: CueFormat = None


class HtmlImport(Model):
    url: Url
    html: str = Field(min_length=1, max_length=5 * 1024 * 1024)
    audio_file_id: AudioFileId = None
    cue_format: CueFormat = None


class TextImport(Model):
    text: str = Field(min_length=1, max_length=200_000)
    title: str = Field(min_length=1, max_length=300)
    djs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    event: str | None = Field(default=None, max_length=300)
    venue: str | None = Field(default=None, max_length=300)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    audio_file_id: AudioFileId = None
    cue_format: CueFormat = None


# ---------------------------------------------------------------- answers

_IMPORT_EXAMPLE: dict[str, Any] = {
    "success": True,
    "tracklist": {
        "id": "123e4567-e89b-12d3-a456-426614174000",
        "audio_file_id": "123e4567-e89b-12d3-a456-426614174000",
        "source": "1001tracklists",
        "url": "https://www.1001tracklists.com/tracklist/12345/example-set.html",
        "dj_name": "Example DJ",
        "event_name": "Example Event",
        "created_at": "2024-01-15T10:00:00Z",
        "updated_at": "2024-01-15T10:00:00Z",
        "tracks": [
            {
                "position": 1,
                "artist": "Artist Name",
                "title": "Track Title",
                "start_time": "00:00:00",
                "end_time": "00:03:30",
                "remix": "Extended Mix",
                "label": "Record Label",
                "catalog_track_id": None,
                "transition_type": None,
                "is_manual_entry": False,
                "bpm": 128,
                "key": "Fm",
            }
        ],
        "confidence_score": 0.95,
        "is_draft": False,
    },
    "cue_file_path": "/api/v1/cue/download/456e7890-e89b-12d3-a456-426614174000",
    "error": None,
    "cached": False,
    "processing_time_ms": 5000,
    "correlation_id": "abc-123-def",
    "message": None,
}


class ImportOut(Out):
    """The import answer (reference "Import Tracklist"), also answered by every route here that
    answers one tracklist: import by HTML or text, by URL, by id."""

    model_config = ConfigDict(json_schema_extra={"examples": [_IMPORT_EXAMPLE]})

    success: bool
    tracklist: TracklistOut | None
    cue_file_path: str | None = Field(
        default=None,
        description="GET path of the CUE file made with this import (/api/v1/cue/download/{id}), else null",
    )
    error: str | None = None
    cached: bool
    processing_time_ms: int
    correlation_id: str | None
    message: str | None = None
    # additions
    tracklist_id: str | None = None
    created: bool | None = None
    cache_hit: bool | None = None
    cue_files: list[dict[str, Any]] | None = None
    cue_error: dict[str, Any] | None = Field(
        default=None, description="Why the asked-for CUE file was not made (the import stands)"
    )
    warnings: list[Warning_] = Field(default_factory=list)


class ImportStatusResult(Out):
    tracklist_id: str | None = None
    cue_file_path: str | None = None


class ImportStatusOut(Out):
    """Reference "Get Import Status", plus the job record we answered before."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "completed",
                    "progress": 100,
                    "result": {
                        "tracklist_id": "123e4567-e89b-12d3-a456-426614174000",
                        "cue_file_path": "/api/v1/cue/download/456e7890-e89b-12d3-a456-426614174000",
                    },
                    "error": None,
                    "created_at": "2024-01-15T10:00:00Z",
                    "updated_at": "2024-01-15T10:05:00Z",
                }
            ]
        }
    )

    status: str = Field(description="queued, processing, completed or failed")
    progress: int = Field(ge=0, le=100)
    result: ImportStatusResult | None = None
    error: dict[str, Any] | None = Field(
        default=None, description="The standard error fields (error, error_code, details, retry_after)"
    )
    created_at: str
    updated_at: str


class TracklistSearchResultOut(Out):
    id: str
    url: str
    title: str
    dj_name: str | None = None
    date: str | None = None
    event_name: str | None = None
    track_count: int | None = None
    duration: str | None = Field(default=None, description='"H:MM:SS"')
    genre: str | None = None
    confidence: float | None = Field(default=None, description="Share of the rows identified (0-1)")


class AdvancedSearchOut(Out):
    """Reference "Advanced Search", plus `tracklists`/`pagination` we answered before."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "success": True,
                    "results": [
                        {
                            "id": "12345",
                            "url": "https://www.1001tracklists.com/tracklist/12345/amazing-trance-set.html",
                            "title": "Amazing Trance Set",
                            "dj_name": "DJ Example",
                            "date": "2024-01-15",
                            "event_name": "Winter Festival 2024",
                            "track_count": 25,
                            "duration": "1:30:00",
                            "genre": "Trance",
                            "confidence": 0.95,
                        }
                    ],
                    "total_count": 100,
                    "page": 1,
                    "page_size": 20,
                    "has_more": True,
                    "error": None,
                    "cached": False,
                    "processing_time_ms": 450,
                    "correlation_id": "abc-123-def",
                }
            ]
        }
    )

    success: bool
    results: list[TracklistSearchResultOut]
    total_count: int
    page: int
    page_size: int
    has_more: bool
    error: str | None = None
    cached: bool
    processing_time_ms: int
    correlation_id: str | None
    # additions
    total_exact: bool = Field(
        default=True, description="false when total_count counts the matches found so far (filters)"
    )
    warnings: list[Warning_] = Field(default_factory=list)


class CacheClearOut(Out):
    """Reference "Clear Tracklist Cache", plus `scope` and what we answered before."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "success": True,
                    "message": "Cleared cache for URL: https://www.1001tracklists.com/tracklist/12345/x.html",
                    "entries_cleared": 1,
                }
            ]
        }
    )

    success: bool
    message: str
    entries_cleared: int
    scope: str = Field(description="url, all (administrators) or own (pages of the caller's tracklists)")


# ---------------------------------------------------------------- helpers


def _owner() -> str:
    """The caller (its permission was checked by admission, from the route's declared rules)."""
    return current_principal(app).user_id


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _checked_format(cue_format: str | None) -> str | None:
    """The canonical CUE format name; an unknown one is refused (400) before anything is stored."""
    return dialect(cue_format).name if cue_format else None


def _importing(run: Callable[[], T]) -> T:
    """Run an import; a failure of the source answers the reference's IMPORT_FAILED."""
    try:
        return run()
    except TracktionError as exc:
        mapped = importer.public_error(exc)
        if mapped is exc:
            raise
        raise mapped from exc


def _tracklist_json(t: Tracklist, include_transitions: bool = True) -> dict[str, Any]:
    data = tracklist_out(t, default_cue_format=getattr(t, "default_cue_format", None))
    # Answered before the reference's shape was adopted: they stay beside it.
    data["owner_id"] = t.owner_id
    data["source_page_id"] = t.source_page_id
    if not include_transitions:
        for track in data["tracks"]:
            track["transition_type"] = None
    return data


def _cue_warning(cue_error: dict[str, Any]) -> dict[str, Any]:
    item = warning(
        "cue_not_generated",
        f"The tracklist was imported but no CUE file was made: {cue_error['error']}",
        field="cue_format",
    )
    item["error_code"] = cue_error["error_code"]
    item["details"] = cue_error.get("details") or {}
    return item


def _answer(
    tracklist: Tracklist,
    *,
    processing_time_ms: float,
    cached: bool,
    created: bool,
    cue_files: list[dict[str, Any]] | None = None,
    cue_error: dict[str, Any] | None = None,
    include_transitions: bool = True,
    warnings: list[dict[str, Any]] | None = None,
    answer_cid: str | None = None,
) -> dict[str, Any]:
    notes = list(warnings or [])
    message = None
    if cue_error:
        notes.append(_cue_warning(cue_error))
        message = (
            f"Tracklist imported; CUE file not generated ({cue_error['error_code']}): {cue_error['error']}"
        )
    body: dict[str, Any] = {
        "success": True,
        "tracklist": _tracklist_json(tracklist, include_transitions),
        "cue_file_path": importer.cue_download_path(cue_files),
        "error": None,
        "cached": cached,
        "processing_time_ms": round(processing_time_ms),
        "correlation_id": answer_cid or correlation_id(app),
        "message": message,
        "tracklist_id": tracklist.tracklist_id,
        "created": created,
        "cache_hit": cached,
        "warnings": notes,
    }
    if cue_files is not None:
        body["cue_files"] = cue_files
    if cue_error:
        body["cue_error"] = cue_error
    return body


def _imported(
    result: importer.ImportResult,
    *,
    status: int = 201,
    include_transitions: bool = True,
    warnings: list[dict[str, Any]] | None = None,
    answer_cid: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[ImportOut]:
    body = _answer(
        result.tracklist,
        processing_time_ms=result.processing_time_ms,
        cached=result.cache_hit,
        created=result.created,
        cue_files=result.cue_files,
        cue_error=result.cue_error,
        include_transitions=include_transitions,
        warnings=warnings,
        answer_cid=answer_cid,
    )
    body.update(extra or {})
    return Response(status_code=status, content_type="application/json", body=cast(Any, body))


def _no_audio_file(audio_file_id: str | None) -> list[dict[str, Any]]:
    if audio_file_id:
        return []
    return [
        warning(
            "field_missing",
            "No audio_file_id: the tracklist is stored without an audio file; "
            "import again with one to link it",
            field="audio_file_id",
            severity="info",
        )
    ]


# ---------------------------------------------------------------- search


def _result(row: TracklistSummary, source_url: str | None) -> dict[str, Any]:
    """The reference's advanced-search row; the search group's row (search.result_item) beside it."""
    confidence = None
    if row.track_count and row.identified_count is not None:
        confidence = round(min(row.identified_count, row.track_count) / row.track_count, 2)
    return {
        **search.result_item(row, source_url),
        "id": row.page_id,
        "title": row.title,
        "confidence": confidence,
    }


@app.get(
    "/api/v1/tracklists/search/1001tracklists",
    responses=_responses({200: "Search results"}, 400, 401, 403, 422, 429, 502, 503),
)
@rules(permission="read", scope="tracklists", cost=SEARCH)
def search_1001tracklists(
    query: Annotated[str | None, Query(max_length=200)] = None,
    artist: Annotated[str | None, Query(max_length=200)] = None,
    title: Annotated[str | None, Query(max_length=200)] = None,
    genre: Annotated[str | None, Query(max_length=100)] = None,
    date_from: IsoDate = None,
    date_to: IsoDate = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    force_refresh: Annotated[bool, Query()] = False,
) -> AdvancedSearchOut:
    started = time.perf_counter()
    words = " ".join(part.strip() for part in (query, artist, title) if part and part.strip())
    if not words:
        raise ValidationFailed(
            "Give at least one of query, artist or title: the source is searched by words",
            error_code="REQUIRED_FIELD_MISSING",
            details={"fields": ["query", "artist", "title"]},
        )
    try:
        window = search.search_tracklists(
            words,
            page=page,
            limit=page_size,
            date_from=date_from,
            date_to=date_to,
            genre=genre,
            force_refresh=force_refresh,
        )
    except UpstreamError as exc:  # the source failed: the reference's SEARCH_FAILED (502)
        raise UpstreamError(
            exc.message, error_code="SEARCH_FAILED", details={**exc.details, "reason": exc.error_code}
        ) from exc
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    urls = window.source_urls or [None] * len(window.results)
    return {  # type: ignore[return-value]  # validated and serialised through AdvancedSearchOut
        "success": True,
        "results": [_result(r, u) for r, u in zip(window.results, urls, strict=False)],
        "total_count": window.total_items,
        "page": window.page,
        "page_size": window.limit,
        "has_more": window.has_more,
        "error": None,
        "cached": window.cache_hit,
        "processing_time_ms": round(elapsed),
        "correlation_id": correlation_id(app),
        "total_exact": window.total_exact,
        "warnings": window.warnings,
        # what we answered before the reference's shape
        "tracklists": [r.model_dump(mode="json") for r in window.results],
        "pagination": {
            "page": window.page,
            "page_size": window.limit,
            "has_more": window.has_more,
            "total_results": window.total_results,
        },
        "cache_hit": window.cache_hit,
        "response_time_ms": elapsed,
    }


# ---------------------------------------------------------------- import


@app.post(
    "/api/v1/tracklists/import/1001tracklists",
    responses=_responses(
        {201: "Imported (also when already imported: see `created`), or queued (async_processing)"},
        *IMPORT_ERRORS,
    ),
)
@rules(permission="write", scope="tracklists", cost=IMPORT, idempotent=True)
def import_1001tracklists(
    body: UrlImport, async_processing: Annotated[bool, Query()] = False
) -> Response[ImportOut]:
    started = time.perf_counter()
    owner = _owner()
    cue_format = _checked_format(body.cue_format)
    notes = _no_audio_file(body.audio_file_id)
    if async_processing:
        cid = str(correlation_id(app))
        job = importer.queue_import(
            owner,
            body.url,
            cid,
            force_refresh=body.force_refresh,
            audio_file_id=body.audio_file_id,
            cue_format=cue_format,
        )
        status_url = f"{STATUS_PATH}{cid}"
        queued: dict[str, Any] = {
            "success": True,
            "tracklist": None,
            "cue_file_path": None,
            "error": None,
            "cached": False,
            "processing_time_ms": _ms(started),
            "correlation_id": cid,
            "message": f"Import queued; follow it at {status_url}",
            "tracklist_id": None,
            "created": None,
            "cache_hit": None,
            "warnings": notes,
            "status": job.status,
            "status_url": status_url,
        }
        return Response(
            status_code=201,
            content_type="application/json",
            body=cast(Any, queued),
            headers={"Location": status_url},
        )
    result = _importing(
        lambda: importer.import_from_url(
            owner,
            body.url,
            force_refresh=body.force_refresh,
            audio_file_id=body.audio_file_id,
            cue_format=cue_format,
        )
    )
    return _imported(result, warnings=notes)


@app.get(
    "/api/v1/tracklists/import/status/<correlation_id>",
    responses=_responses({200: "The import's state"}, 401, 403, 404, 422, 429),
)
@rules(permission="read", scope="tracklists", cost=READ)
def import_status(correlation_id: Id) -> ImportStatusOut:
    job = ImportJobStore().get(correlation_id, current_principal(app).user_id)
    record = job.model_dump(mode="json", exclude={"owner_id"})
    completed = job.status == "completed"
    return {  # type: ignore[return-value]  # validated and serialised through ImportStatusOut
        **record,
        "success": True,
        "progress": PROGRESS[job.status],
        "result": {"tracklist_id": job.tracklist_id, "cue_file_path": job.cue_file_path}
        if completed
        else None,
        "warnings": [_cue_warning(job.cue_error)] if job.cue_error else [],
    }


@app.post(
    "/api/v1/tracklists/import/html",
    responses=_responses({201: "Imported (also when already imported: see `created`)"}, *IMPORT_ERRORS),
)
@rules(permission="write", scope="tracklists", cost=IMPORT, idempotent=True)
def import_html(body: HtmlImport) -> Response[ImportOut]:
    owner, cue_format = _owner(), _checked_format(body.cue_format)
    result = importer.import_from_html(
        owner, body.url, body.html, audio_file_id=body.audio_file_id, cue_format=cue_format
    )
    return _imported(result)


@app.post(
    "/api/v1/tracklists/import/text",
    responses=_responses({201: "Imported (also when already imported: see `created`)"}, *IMPORT_ERRORS),
)
@rules(permission="write", scope="tracklists", cost=IMPORT, idempotent=True)
def import_text(body: TextImport) -> Response[ImportOut]:
    owner, cue_format = _owner(), _checked_format(body.cue_format)
    result = importer.import_from_text(
        owner,
        body.text,
        title=body.title,
        djs=body.djs,
        event=body.event,
        venue=body.venue,
        date=body.date,
        audio_file_id=body.audio_file_id,
        cue_format=cue_format,
    )
    return _imported(result, warnings=result.warnings)


class FileImportOut(ImportOut):
    """The import answer, plus how the file was read."""

    format: str = Field(description="The file's format, as detected or given")
    dropped: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Entries not imported: artist, title, reason (unplayed, short_play, duplicate, "
        "before_recording), where (line / offset / entry), merged_into, play_seconds",
    )
    recording_start: str | None = Field(
        default=None, description="The instant offset 0 stands for, when known"
    )
    timed: bool = Field(description="Whether the tracks carry start times (false: the file stores none)")


@app.post(
    "/api/v1/tracklists/import/file",
    responses=_responses({201: "Imported (also when already imported: see `created`)"}, *IMPORT_ERRORS),
    openapi_extensions={"requestBody": file_request_body()},
)
@rules(permission="write", scope="tracklists", cost=IMPORT, idempotent=True)
def import_file() -> Response[FileImportOut]:
    """A DJ-software history or CUE sheet file, as multipart/form-data (`file` plus option fields)
    or JSON (`filename`, `content_base64` or `text`, options); docs/api-contract.md "File import"."""
    event = app.current_event
    upload = read_upload(
        raw_body(event.body, bool(event.is_base64_encoded)), event.headers.get("content-type", "")
    )
    options = read_options(upload.fields)
    owner, cue_format = _owner(), _checked_format(options.cue_format)
    done = file_importer.import_from_file(
        owner,
        upload.data,
        options.history_options(),
        filename=upload.filename,
        title=options.title,
        djs=options.djs,
        event=options.event,
        venue=options.venue,
        date=options.date,
        is_draft=options.is_draft,
        audio_file_id=options.audio_file_id,
        cue_format=cue_format,
    )
    start = done.assembled.recording_start
    notes = [warning("history_note", note, severity="info") for note in done.assembled.notes]
    extra = {
        "format": done.format,
        "dropped": done.dropped(),
        "recording_start": start.isoformat() if start else None,
        "timed": done.assembled.timed,
    }
    return _imported(done.result, warnings=notes, extra=extra)  # type: ignore[return-value]


# ---------------------------------------------------------------- retrieval


@app.post(
    "/api/v1/tracklist",
    responses=_responses(
        {
            200: "Already imported by the caller: the stored tracklist",
            201: "Not imported before: imported now",
        },
        *IMPORT_ERRORS,
    ),
)
@rules(permission="write", scope="tracklists", cost=IMPORT, idempotent=True)
def tracklist_by_url(body: TracklistByUrl) -> Response[ImportOut]:
    owner, cue_format = _owner(), _checked_format(body.cue_format)
    if body.correlation_id:
        logger.append_keys(client_correlation_id=body.correlation_id)
    result = _importing(
        lambda: importer.import_from_url(
            owner,
            body.url,
            force_refresh=body.force_refresh,
            audio_file_id=body.audio_file_id,
            cue_format=cue_format,
        )
    )
    return _imported(
        result,
        status=201 if result.created else 200,
        include_transitions=body.include_transitions,
        answer_cid=body.correlation_id,
        extra={"request_correlation_id": correlation_id(app)} if body.correlation_id else None,
    )


@app.get(
    "/api/v1/tracklist/<tracklist_id>",
    responses=_responses({200: "The caller's tracklist"}, 401, 403, 404, 422, 429, 502, 503),
)
@rules(permission="read", scope="tracklists", cost=READ)
def get_tracklist(
    tracklist_id: Id,
    force_refresh: Annotated[bool, Query()] = False,
    include_transitions: Annotated[bool, Query()] = True,
) -> ImportOut:
    started = time.perf_counter()
    owner = current_principal(app).user_id
    tracklist: Tracklist = TracklistStore().get(tracklist_id, owner)
    notes: list[dict[str, Any]] = []
    if force_refresh and tracklist.source_page_id and tracklist.source_url:
        url = tracklist.source_url
        refreshed = _importing(lambda: importer.import_from_url(owner, url, force_refresh=True))
        tracklist = refreshed.tracklist
    elif force_refresh:
        notes.append(
            warning(
                "option_ignored",
                f"force_refresh: this tracklist ({tracklist.source}) has no source page to read again",
                field="force_refresh",
            )
        )
    return _answer(  # type: ignore[return-value]  # validated and serialised through ImportOut
        tracklist,
        processing_time_ms=_ms(started),
        cached=False,
        created=False,
        include_transitions=include_transitions,
        warnings=notes,
    )


# ---------------------------------------------------------------- cache


def _forget_own_pages(owner_id: str) -> int:
    """Forget the cached source pages of the caller's own imported tracklists."""
    site, seen, cleared = Site(), set(), 0
    cursor: str | None = None
    store = TracklistStore()
    for _ in range(1000):  # at most 100 000 tracklists
        tracklists, cursor = store.list_by_owner(owner_id, limit=100, cursor=cursor)
        for t in tracklists:
            if t.source_page_id and t.source_url and t.source_page_id not in seen:
                seen.add(t.source_page_id)
                try:
                    cleared += site.forget_tracklist(t.source_url)
                except TracktionError:  # a stored URL we would no longer fetch: nothing cached
                    continue
        if not cursor:
            break
    return cleared


@app.delete(
    "/api/v1/tracklist/cache",
    responses=_responses({200: "Cache entries cleared"}, 400, 401, 403, 422, 429),
)
@rules(permission="write", scope="tracklists", cost=WRITE)
def clear_cache(
    url: Annotated[
        str | None, Query(min_length=8, max_length=2048, json_schema_extra={"pattern": TRACKLIST_URL_PATTERN})
    ] = None,
) -> CacheClearOut:
    principal = current_principal(app)
    extra: dict[str, Any] = {}
    if url:
        deleted = Site().forget_tracklist(url)
        cleared, scope, message = int(deleted), "url", f"Cleared cache for URL: {url}"
        extra = {"url": url, "deleted": deleted}
    elif principal.is_admin:
        cleared, scope = Site().forget_all_tracklists(), "all"
        message = f"Cleared all cached tracklist pages ({cleared} entries)"
    else:
        cleared, scope = _forget_own_pages(principal.user_id), "own"
        message = f"Cleared the cached pages of your imported tracklists ({cleared} entries)"
    return {  # type: ignore[return-value]  # validated and serialised through CacheClearOut
        "success": True,
        "message": message,
        "entries_cleared": cleared,
        "scope": scope,
        **extra,
        "correlation_id": correlation_id(app),
    }


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    return serve_or_dispatch(app, event, context, {importer.IMPORT_JOB: _import_job})


def _import_job(payload: dict[str, Any]) -> dict[str, Any]:
    """The asynchronous leg of an import (queued by importer.queue_import)."""
    job = importer.run_import_job(payload)
    return {"correlation_id": payload.get("correlation_id"), "status": job.status if job else "missing"}
