"""Manual tracklists and the tracklist resource: tracks, timing, drafts, publishing, CUE
generation, catalog matching, and GET/PATCH/DELETE /api/v1/tracklists[/{id}].

Routes live under /api/v1/tracklists (plus GET /api/v1/search/tracks). Every answer is the
reference's ("Manual Tracklist API") with our fields beside it; where the reference answers an
array, what we said beside it before travels in headers: `ETag` / `X-Tracklist-Version` (the
tracklist's version after the call), `X-Tracktion-Warnings` (a JSON array of warnings, e.g. how
three-part times were read), `X-Next-Cursor` (drafts). Every edit is a conditional write on the
tracklist's version when the client gives one (body `version` or `If-Match`); without one it
applies to the current version. Readings of the reference: docs/api-contract.md, "Manual
tracklists" and "The tracklist resource". The catalog code (httpx clients, rapidfuzz) is
imported only by the catalog routes, so editing stays light. The same function also serves its
own asynchronous CUE-generation events.
"""

from __future__ import annotations

import json
import posixpath
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import ConfigDict, Field

from tracktion import timeparse
from tracktion.api.dispatch import serve_or_dispatch
from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app
from tracktion.api.rules import rules
from tracktion.api.shapes import (
    MAX_POSITION,
    OffsetPagination,
    Out,
    TracklistOut,
    TrackOut,
    offset_pagination,
    track_out,
    tracklist_out,
    warning,
)
from tracktion.api.shapes import (
    error_responses as _shape_errors,
)
from tracktion.auth.weights import CUE, READ, SEARCH, WRITE
from tracktion.config import AuthSettings, CatalogSettings, CoreSettings, load
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.tracklists import cue_generation, drafts, editing, resource, timing
from tracktion.tracklists.editing import TimeValue
from tracktion.tracklists.model import Track, Tracklist
from tracktion.tracklists.store import TracklistStore

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, CatalogSettings)

app = make_app()

BASE = "/api/v1/tracklists"
TracklistId = Annotated[str, Path(min_length=1, max_length=100)]
Position = Annotated[int, Path(ge=1, le=MAX_POSITION)]
TimeFormatQuery = Annotated[
    timeparse.TimeFormat | None,
    Query(description='How "A:B:C" times are read: "hh:mm:ss", "mm:ss:ff" or "auto" (default)'),
]
WARNINGS_HEADER = "X-Tracktion-Warnings"
VERSION_HEADER = "X-Tracklist-Version"
CUE_DOWNLOAD_PREFIX = "/api/v1/cue/download/"
# A key filter as tracktion.catalog.keys reads it: Camelot (8A) or a name (A, F#m, Bb minor, C maj).
KEY_PATTERN = (
    r"^(?:(?:1[0-2]|[1-9])[ABab]"
    r"|[A-Ga-g][#♯b♭]? ?(?:[Mm](?:[Aa][Jj](?:[Oo][Rr])?|[Ii][Nn](?:[Oo][Rr])?)?)?)$"
)


def error_responses(*statuses: int) -> dict[int, Any]:
    """The standard error body for each status (typed as the route decorators take it)."""
    return _shape_errors(*statuses)


_READ_ERRORS = error_responses(400, 404, 422)
_EDIT_ERRORS = error_responses(400, 404, 409, 422)


# ---------------------------------------------------------------- answer models


class CreatedTracklistOut(TracklistOut):
    warnings: list[dict[str, Any]] = Field(default_factory=list)


class EditedTrackOut(TrackOut):
    """A track after an edit, with the tracklist it belongs to (also in ETag/X-Tracklist-Version)."""

    tracklist_id: str
    tracklist_version: int
    version: int = Field(
        description="the tracklist's version (as answered before, when edits answered the tracklist)"
    )
    warnings: list[dict[str, Any]] = Field(default_factory=list)


class PublishedOut(TracklistOut):
    created: bool = Field(description="false when this draft version was published before")
    cue: dict[str, Any] = Field(description="CUE generation after publishing (generated, queued or failed)")


class TimingSuggestionOut(Out):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "track_position": 3,
                "suggestion": "reduce_by_10_seconds",
                "current_duration": "00:04:30",
                "suggested_duration": "00:04:20",
                "reason": "Track appears to have extended outro",
            }
        }
    )

    track_position: int
    suggestion: str = Field(description='e.g. "reduce_by_10_seconds", "extend_by_5_seconds", "set_end_time"')
    current_duration: str | None = Field(description='"HH:MM:SS"')
    suggested_duration: str | None = Field(description='"HH:MM:SS"')
    reason: str


class TimingValidationOut(Out):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "is_valid": False,
                "issues": ["Track 2 overlaps with track 3 by 5.0 seconds"],
                "track_count": 15,
            }
        }
    )

    is_valid: bool
    issues: list[str]
    track_count: int


class CatalogResultOut(Out):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "catalog_track_id": "beatport:19431036",
                "artist": "Artist Name",
                "title": "Track Title",
                "album": "Album Name",
                "genre": "Electronic",
                "bpm": 128.0,
                "key": "Am",
                "confidence": 0.95,
            }
        }
    )

    catalog_track_id: str
    artist: str
    title: str
    album: str | None = None
    genre: str | None = None
    bpm: float | None = None
    key: str | None = None
    confidence: float


class MatchedTrackOut(TrackOut):
    matched: bool = False
    confidence: float | None = None


class GenerateCueOut(Out):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "success": True,
                "cue_file_path": "/api/v1/cue/download/456e7890-e89b-12d3-a456-426614174000",
                "cue_file_id": "456e7890-e89b-12d3-a456-426614174000",
                "format": "standard",
            }
        }
    )

    success: bool
    cue_file_path: str | None = Field(
        description="Where to download the first file (GET it with your credentials)"
    )
    cue_file_id: str | None
    format: str


class TracklistListItem(TracklistOut):
    """A tracklist in a list: every field of the tracklist object; `tracks` only with
    include_tracks=true (else null), `track_count` always."""

    tracks: list[TrackOut] | None = None  # type: ignore[assignment]
    track_count: int


class TracklistPageOut(Out):
    tracklists: list[TracklistListItem]
    pagination: OffsetPagination
    filters: dict[str, Any]


class SearchTracksOut(Out):
    tracks: list[dict[str, Any]]
    notes: list[dict[str, Any]] = Field(default_factory=list)


# ---------------------------------------------------------------- helpers


def _store() -> TracklistStore:
    return TracklistStore()


def _owner() -> str:
    return current_principal(app).user_id


def _version(body_version: int | None) -> int | None:
    return editing.expected_version(body_version, app.current_event.get_header_value("if-match"))


def _time_format(body: str | None, query: str | None) -> str | None:
    if body and query and body != query:
        raise editing.InvalidEdit(
            "time_format in the body and in the query disagree",
            details={"field": "time_format", "body": body, "query": query},
        )
    return body or query


def _headers(t: Tracklist | None, warnings: list[dict[str, Any]] | None = None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if t is not None:
        headers["ETag"] = f'"{t.version}"'
        headers[VERSION_HEADER] = str(t.version)
    if warnings:
        headers[WARNINGS_HEADER] = json.dumps(warnings, ensure_ascii=True, separators=(",", ":"))[:6000]
    return headers


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=body, headers=headers or {})


def _tracklist_body(t: Tracklist, **extra: Any) -> dict[str, Any]:
    return {**tracklist_out(t, default_cue_format=getattr(t, "default_cue_format", None)), **extra}


def _tracklist(t: Tracklist, status: int = 200, **extra: Any) -> Response[Any]:
    return _answer(_tracklist_body(t, **extra), status, _headers(t, extra.get("warnings")))


def _track(t: Tracklist, position: int, warnings: list[dict[str, Any]], status: int = 200) -> Response[Any]:
    track = next(x for x in t.tracks if x.position == position)
    body = {
        **track_out(track),
        "tracklist_id": t.tracklist_id,
        "tracklist_version": t.version,
        "version": t.version,
        "warnings": warnings,
    }
    return _answer(body, status, _headers(t, warnings))


def _tracks(
    t: Tracklist, warnings: list[dict[str, Any]] | None = None, only: set[int] | None = None
) -> Response[Any]:
    tracks = sorted(t.tracks, key=lambda x: x.position)
    return _answer(
        [track_out(x) for x in tracks if only is None or x.position in only], 200, _headers(t, warnings)
    )


# ---------------------------------------------------------------- catalog (literal paths first)


class MatchTrack(Model):
    """A track to match: the reference's track fields (times are accepted and echoed)."""

    model_config = ConfigDict(extra="ignore")

    artist: str = Field(min_length=1, max_length=500)
    title: str = Field(min_length=1, max_length=500)
    remix: str | None = Field(default=None, max_length=500)
    label: str | None = Field(default=None, max_length=300)
    position: int | None = Field(default=None, ge=1, le=MAX_POSITION)
    start_time: TimeValue = None
    end_time: TimeValue = None


class MatchRequest(Model):
    model_config = ConfigDict(extra="forbid")

    tracks: list[MatchTrack] = Field(min_length=1, max_length=100)
    threshold: float = Field(default=0.8, ge=0, le=1)
    time_format: timeparse.TimeFormat | None = None


def _notes_as_warnings(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        warning(
            "provider_unavailable", f"{n['provider']}: {n['message']}", field=n["provider"], severity="info"
        )
        | {"provider": n["provider"], "status": n["status"]}
        for n in notes
    ]


@app.get(f"{BASE}/catalog/search", responses=error_responses(400, 422))
@rules(permission="read", scope="tracklists", cost=SEARCH)
def catalog_search(
    query: Annotated[str | None, Query(max_length=300)] = None,
    artist: Annotated[str | None, Query(max_length=300)] = None,
    title: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response[list[CatalogResultOut]]:
    from tracktion.catalog.service import Catalog

    out = Catalog.from_config().search_request(query=query, artist=artist, title=title, limit=limit)
    headers = _headers(None, _notes_as_warnings(out["notes"]))
    headers["X-Catalog-Providers"] = ",".join(out["providers"])
    return _answer(out["results"], 200, headers)


def _match_tracks(body: MatchRequest) -> tuple[list[Track], list[dict[str, Any]]]:
    def build() -> list[Track]:
        tracks = []
        for i, m in enumerate(body.tracks, 1):
            pos = m.position or i
            track = Track(
                position=pos,
                artist=m.artist.strip(),
                title=m.title.strip(),
                remix=m.remix,
                label=m.label,
                start_time=timeparse.parse_time(m.start_time, position=pos, field="start_time"),
                end_time=timeparse.parse_time(m.end_time, position=pos, field="end_time"),
                is_manual_entry=True,
            )
            timing.check_track(track)
            tracks.append(track)
        return tracks

    return timing.read_times(
        body.time_format, editing.track_times(*body.tracks), build, timing.implausibility
    )


@app.post(f"{BASE}/catalog/match", responses=error_responses(400, 422))
@rules(permission="read", scope="tracklists", cost=SEARCH)
def catalog_match(body: MatchRequest) -> Response[list[MatchedTrackOut]]:
    from tracktion.catalog.enrichment import apply_match
    from tracktion.catalog.model import TrackQuery
    from tracktion.catalog.service import Catalog

    tracks, warnings = _match_tracks(body)
    queries = [TrackQuery(artist=t.artist, title=t.title, remix=t.remix, position=t.position) for t in tracks]
    results, notes = Catalog.from_config().match(queries, body.threshold)
    answer = [
        {
            **track_out(apply_match(track, r)),
            "matched": r.matched,
            "confidence": r.confidence,
            "explanation": r.explanation,
            "catalog_track": r.track.public() if r.track is not None else None,
        }
        for track, r in zip(tracks, results, strict=True)
    ]
    headers = _headers(None, warnings + _notes_as_warnings([n.model_dump() for n in notes]))
    headers["X-Tracktion-Matched"] = str(sum(1 for r in results if r.matched))
    return _answer(answer, 200, headers)


@app.get("/api/v1/search/tracks", responses=error_responses(400, 422))
@rules(permission="read", scope="search", cost=SEARCH)
def search_tracks(
    q: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    genre: Annotated[str | None, Query(max_length=100)] = None,
    bpm_min: Annotated[float | None, Query(gt=0, le=400)] = None,
    bpm_max: Annotated[float | None, Query(gt=0, le=400)] = None,
    key: Annotated[str | None, Query(max_length=20, json_schema_extra={"pattern": KEY_PATTERN})] = None,
) -> Response[SearchTracksOut]:
    from tracktion.catalog.service import Catalog, TrackFilters

    filters = TrackFilters(genre=genre, bpm_min=bpm_min, bpm_max=bpm_max, key=key)
    return _answer(Catalog.from_config().search_tracks(q, limit, filters))


# ---------------------------------------------------------------- the tracklist resource


@app.get(BASE, responses=error_responses(400, 422))
@rules(permission="read", scope="tracklists", cost=READ)
def list_tracklists(
    limit: Annotated[int, Query(ge=1, le=100, description="page size, at most 100")] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    source: Annotated[
        str | None,
        Query(pattern=r"^(1001tracklists|manual|html|text|json)$", description="where it came from"),
    ] = None,
    status: Annotated[str | None, Query(pattern=r"^(draft|published)$")] = None,
    is_draft: Annotated[bool | None, Query(description="true = status draft, false = published")] = None,
    audio_file_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    created_from: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+Z?)?$", description="ISO date or time")
    ] = None,
    created_to: Annotated[
        str | None,
        Query(pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+Z?)?$", description="ISO date or time, inclusive"),
    ] = None,
    include_tracks: Annotated[
        bool, Query(description="each item with its tracks (then limit <= 20)")
    ] = False,
) -> Response[TracklistPageOut]:
    if is_draft is not None:
        wanted = "draft" if is_draft else "published"
        if status and status != wanted:
            raise editing.InvalidEdit(
                "status and is_draft disagree", details={"field": "is_draft", "status": status}
            )
        status = wanted
    if include_tracks and limit > 20:
        raise editing.InvalidEdit(
            "With include_tracks=true a page holds at most 20 tracklists",
            details={"field": "limit", "max": 20},
        )
    if created_from and created_to and created_from > created_to:
        raise editing.InvalidEdit("created_from is after created_to", details={"field": "created_from"})
    filters = resource.ListFilters(
        source=source,
        status=status,  # type: ignore[arg-type]
        audio_file_id=audio_file_id,
        created_from=created_from.replace(" ", "T") if created_from else None,
        created_to=created_to.replace(" ", "T") if created_to else None,
    )
    page, total = resource.list_tracklists(_store(), _owner(), limit, offset, filters)
    items = []
    for t in page:
        item = _tracklist_body(t, track_count=len(t.tracks))
        if not include_tracks:
            item["tracks"] = None
        items.append(item)
    return _answer(
        {
            "tracklists": items,
            "pagination": offset_pagination(limit, offset, total, len(items)),
            "filters": {**filters.model_dump(), "include_tracks": include_tracks},
        }
    )


@app.get(f"{BASE}/<tracklist_id>", responses=_READ_ERRORS)
@rules(permission="read", scope="tracklists", cost=READ)
def get_tracklist(tracklist_id: TracklistId) -> Response[TracklistOut]:
    return _tracklist(_store().get(tracklist_id, _owner()))


@app.patch(f"{BASE}/<tracklist_id>", responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def patch_tracklist(tracklist_id: TracklistId, body: resource.TracklistPatch) -> Response[TracklistOut]:
    t = editing.edit(
        _store(),
        tracklist_id,
        _owner(),
        _version(body.version),
        lambda t: resource.apply_patch(t, body),  # type: ignore[arg-type]
    )
    return _tracklist(t)


@app.delete(f"{BASE}/<tracklist_id>", status_code=204, responses=error_responses(404, 409, 422))
@rules(permission="write", scope="tracklists", cost=WRITE)
def delete_tracklist(tracklist_id: TracklistId) -> Response[None]:
    store = _store()
    expected = _version(None)
    if expected is not None:
        current = store.get(tracklist_id, _owner())
        if current.version != expected:
            from tracktion.tracklists.store import VersionConflict

            raise VersionConflict(tracklist_id, current.version)
    done = resource.delete_tracklist(store, _owner(), tracklist_id)
    return Response[Any](
        status_code=204,
        body="",
        headers={
            "X-Deleted-Tracklists": ",".join(done.tracklist_ids),
            "X-Deleted-Cue-Files": str(done.cue_files),
        },
    )


# ---------------------------------------------------------------- manual tracklists and drafts


@app.post(f"{BASE}/manual", status_code=201, responses=error_responses(400, 422))
@rules(permission="write", scope="tracklists", cost=WRITE, idempotent=True)
def create_manual(
    body: drafts.ManualTracklistInput, time_format: TimeFormatQuery = None
) -> Response[CreatedTracklistOut]:
    data = body
    chosen = _time_format(body.time_format, time_format)
    if chosen != body.time_format:
        data = body.model_copy(update={"time_format": chosen})
    t, warnings = drafts.create_manual(_store(), _owner(), data)
    return _tracklist(t, 201, warnings=warnings)


@app.get(f"{BASE}/<tracklist_id>/drafts", responses=_READ_ERRORS)
@rules(permission="read", scope="tracklists", cost=READ)
def list_drafts(
    tracklist_id: Annotated[str, Path(min_length=1, max_length=200, description="the audio file id")],
    include_versions: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=2048, description="X-Next-Cursor of the previous page")
    ] = None,
) -> Response[list[TracklistOut]]:
    # The path segment is the audio file's id; API Gateway needs one variable name per level.
    items, next_cursor = drafts.list_drafts(_store(), _owner(), tracklist_id, include_versions, limit, cursor)
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    return _answer([_tracklist_body(t, track_count=len(t.tracks)) for t in items], 200, headers)


class GenerateCueRequest(Model):
    """The reference's body (audio_file_path, cue_format) or our earlier one (formats, options)."""

    model_config = ConfigDict(extra="forbid")

    audio_file_path: str | None = Field(
        default=None, max_length=1024, description="The audio the sheet points at: its FILE name and type"
    )
    cue_format: str | None = Field(
        default=None, max_length=40, description="default: the tracklist's, else standard"
    )
    formats: list[str] | None = Field(default=None, max_length=10)
    options: dict[str, Any] | None = None


_AUDIO_TYPES = {".wav": "wav", ".flac": "flac", ".mp3": "mp3", ".aif": "aiff", ".aiff": "aiff"}


def _cue_options(request: GenerateCueRequest) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    options = dict(request.options or {})
    notes: list[dict[str, Any]] = []
    if request.audio_file_path:
        name = posixpath.basename(request.audio_file_path.replace("\\", "/"))
        options.setdefault("audio_filename", name)
        ext = posixpath.splitext(name)[1].lower()
        if ext in _AUDIO_TYPES:
            options.setdefault("audio_format", _AUDIO_TYPES[ext])
        notes.append(
            warning(
                "option_partial",
                "audio_file_path names the sheet's FILE (its file name and type); the audio itself is "
                "not read from that path",
                field="audio_file_path",
                severity="info",
            )
        )
    return options or None, notes


@app.post(f"{BASE}/<tracklist_id>/publish", responses=error_responses(404, 409, 422))
@rules(permission="write", scope="tracklists", cost=WRITE)
def publish(
    tracklist_id: TracklistId,
    validate_before_publish: Annotated[bool, Query()] = True,
    generate_cue_async: Annotated[bool, Query()] = True,
) -> Response[PublishedOut]:
    published, created = drafts.publish(_store(), _owner(), tracklist_id, validate=validate_before_publish)
    formats = [getattr(published, "default_cue_format", None) or "standard"]
    cue = cue_generation.cue_after_publish(published, generate_cue_async, formats)
    return _tracklist(published, 200, created=created, cue=cue)


@app.post(f"{BASE}/<tracklist_id>/generate-cue", responses=error_responses(400, 404, 422, 503))
@rules(permission="write", scope="tracklists", cost=CUE, idempotent=True)
def generate_cue(
    tracklist_id: TracklistId, body: GenerateCueRequest | None = None
) -> Response[GenerateCueOut]:
    from tracktion.tracklists.drafts import cue_format_name

    request = body or GenerateCueRequest()
    t = _store().get(tracklist_id, _owner())
    formats: list[str] = []
    if request.cue_format:
        formats.append(cue_format_name(request.cue_format, "cue_format") or "standard")
    formats += [f for f in request.formats or [] if f not in formats]
    if not formats:
        formats = [getattr(t, "default_cue_format", None) or "standard"]
    options, notes = _cue_options(request)
    files = cue_generation.generate_cue(t, formats, options)
    first = files[0] if files else {}
    cue_file_id = first.get("cue_file_id")
    return _answer(
        {
            "success": bool(files),
            "cue_file_path": f"{CUE_DOWNLOAD_PREFIX}{cue_file_id}" if cue_file_id else None,
            "cue_file_id": cue_file_id,
            "format": first.get("format", formats[0]),
            "tracklist_id": t.tracklist_id,
            "version": t.version,
            "files": files,
            "warnings": notes,
        },
        200,
        _headers(t, notes),
    )


# ---------------------------------------------------------------- tracks (literal sub-paths first)


@app.put(f"{BASE}/<tracklist_id>/tracks/bulk", responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def bulk_update(
    tracklist_id: TracklistId, body: editing.BulkRequest, time_format: TimeFormatQuery = None
) -> Response[list[TrackOut]]:
    changes = body.changes
    t, warnings = editing.edit_times(
        _store(),
        tracklist_id,
        _owner(),
        _version(body.version),
        lambda t: editing.bulk_update(t, changes),
        time_format=_time_format(body.time_format, time_format),
        values=editing.track_times(*changes),
    )
    return _tracks(t, warnings, only={u.position for u in changes})


@app.post(f"{BASE}/<tracklist_id>/tracks/reorder", responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def reorder(tracklist_id: TracklistId, body: editing.ReorderRequest) -> Response[list[TrackOut]]:
    t = editing.edit(
        _store(), tracklist_id, _owner(), _version(body.version), lambda t: editing.reorder(t, body.spec())
    )
    return _tracks(t)


@app.post(f"{BASE}/<tracklist_id>/tracks/auto-calculate-end-times", responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def auto_end_times(
    tracklist_id: TracklistId,
    body: editing.AutoEndTimesRequest | None = None,
    time_format: TimeFormatQuery = None,
) -> Response[list[TrackOut]]:
    request = body or editing.AutoEndTimesRequest()
    fmt = _time_format(request.time_format, time_format)
    t = editing.edit(
        _store(),
        tracklist_id,
        _owner(),
        _version(request.version),
        lambda t: editing.fill_end_times(t, request.audio_duration, request.overwrite, fmt),
    )
    return _tracks(t)


@app.get(f"{BASE}/<tracklist_id>/tracks/timing-suggestions", responses=_READ_ERRORS)
@rules(permission="read", scope="tracklists", cost=READ)
def timing_suggestions(
    tracklist_id: TracklistId,
    target_duration: Annotated[
        str | None, Query(max_length=20, description='"HH:MM:SS" (default reading)')
    ] = None,
    time_format: TimeFormatQuery = None,
) -> Response[list[TimingSuggestionOut]]:
    t = _store().get(tracklist_id, _owner())
    target = timeparse.parse_time(
        target_duration, field="target_duration", reading=timing.duration_reading(time_format)
    )
    suggestions = timing.timing_suggestions(t.tracks, target, t.duration_seconds)
    return _answer([timing.suggestion_view(s, t.tracks) for s in suggestions], 200, _headers(t))


@app.post(f"{BASE}/<tracklist_id>/tracks/validate-timing", responses=_READ_ERRORS)
@rules(permission="read", scope="tracklists", cost=READ)
def validate_timing(
    tracklist_id: TracklistId,
    body: editing.ValidateTimingRequest | None = None,
    time_format: TimeFormatQuery = None,
) -> Response[TimingValidationOut]:
    request = body or editing.ValidateTimingRequest()
    fmt = _time_format(request.time_format, time_format)
    t = _store().get(tracklist_id, _owner())
    given = timeparse.parse_time(
        request.audio_duration, field="audio_duration", reading=timing.duration_reading(fmt)
    )
    duration = given if given is not None else t.duration_seconds
    report = timing.validate_timing(t.tracks, duration, allow_gaps=request.allow_gaps)
    shown = [i for i in report.issues if not (i.type == "gap" and request.allow_gaps)]
    return _answer(
        {
            "is_valid": report.valid,
            "issues": [i.message for i in shown],
            "track_count": len(t.tracks),
            "valid": report.valid,
            "issue_details": [i.model_dump() for i in report.issues],
            "total_duration": report.total_duration,
            "audio_duration": duration,
            "allow_gaps": request.allow_gaps,
            "tracklist_id": t.tracklist_id,
            "version": t.version,
        },
        200,
        _headers(t),
    )


@app.post(f"{BASE}/<tracklist_id>/tracks/match-to-catalog", responses=error_responses(404, 409, 422))
@rules(permission="write", scope="tracklists", cost=WRITE)
def match_to_catalog(
    tracklist_id: TracklistId,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.8,
) -> Response[list[MatchedTrackOut]]:
    from tracktion.catalog.enrichment import match_tracklist

    out = match_tracklist(_store(), _owner(), tracklist_id, threshold, _version(None))
    saved = Tracklist.model_validate(out["tracklist"])
    by_position = {r["position"]: r for r in out["results"]}
    answer = []
    for track in sorted(saved.tracks, key=lambda x: x.position):
        r = by_position.get(track.position) or {}
        answer.append(
            {
                **track_out(track),
                "matched": bool(r.get("matched")),
                "confidence": r.get("confidence"),
                "explanation": r.get("explanation", []),
            }
        )
    headers = _headers(saved, _notes_as_warnings(out["notes"]))
    headers["X-Tracktion-Matched"] = str(out["matched"])
    return _answer(answer, 200, headers)


@app.post(f"{BASE}/<tracklist_id>/tracks", status_code=201, responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE, idempotent=True)
def add_track(
    tracklist_id: TracklistId, body: editing.AddTrackRequest, time_format: TimeFormatQuery = None
) -> Response[EditedTrackOut]:
    data = body.track()
    positions: list[int] = []

    def change(t: Tracklist) -> Tracklist:
        positions.append(data.position or len(t.tracks) + 1)
        return editing.add_track(t, data)

    t, warnings = editing.edit_times(
        _store(),
        tracklist_id,
        _owner(),
        _version(body.version),
        change,
        time_format=_time_format(body.time_format, time_format),
        values=editing.track_times(data),
    )
    return _track(t, positions[-1], warnings, 201)


@app.put(f"{BASE}/<tracklist_id>/tracks/<position>/timing", responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def set_timing(
    tracklist_id: TracklistId,
    position: Position,
    body: editing.TimingRequest,
    time_format: TimeFormatQuery = None,
) -> Response[EditedTrackOut]:
    t, warnings = editing.edit_times(
        _store(),
        tracklist_id,
        _owner(),
        _version(body.version),
        lambda t: editing.set_timing_fields(t, position, body),
        time_format=_time_format(body.time_format, time_format),
        values=editing.track_times(body),
    )
    return _track(t, position, warnings)


@app.put(f"{BASE}/<tracklist_id>/tracks/<position>", responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def update_track(
    tracklist_id: TracklistId,
    position: Position,
    body: editing.UpdateTrackRequest,
    time_format: TimeFormatQuery = None,
) -> Response[EditedTrackOut]:
    patch = body.patch()
    t, warnings = editing.edit_times(
        _store(),
        tracklist_id,
        _owner(),
        _version(body.version),
        lambda t: editing.update_track(t, position, patch),
        time_format=_time_format(body.time_format, time_format),
        values=editing.track_times(patch),
    )
    return _track(t, position, warnings)


@app.delete(f"{BASE}/<tracklist_id>/tracks/<position>", status_code=204, responses=_EDIT_ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def delete_track(
    tracklist_id: TracklistId,
    position: Position,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response[None]:
    t = editing.edit(
        _store(), tracklist_id, _owner(), _version(version), lambda t: editing.delete_track(t, position)
    )
    return Response[Any](status_code=204, body="", headers=_headers(t))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve_or_dispatch(
        app, event, context, {cue_generation.GENERATE_CUE_JOB: cue_generation.run_cue_job}
    )
