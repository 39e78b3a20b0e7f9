"""The shapes of the published contract (../shared/spec/api-reference.md), one model each.

Every answer that the reference documents is built from these models, so a field is named,
typed and placed once. Our own additions sit beside the documented fields (`start_seconds`
beside `start_time`, `djs` beside `dj_name`, `tracklist_id` beside `id`), never instead of
them. Response models allow extra fields, so an addition a handler makes is never dropped.

Times in answers are `"HH:MM:SS"` strings, as the reference shows them (`"00:03:30"`), rounded
to the nearest second; the exact value is in the `*_seconds` field beside each. See
docs/api-contract.md for every reading of the reference this module encodes.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import Field

# Defined in the domain, which uses them too; re-exported for handlers.
from tracktion.contract import MAX_POSITION as MAX_POSITION
from tracktion.contract import MAX_SET_SECONDS as MAX_SET_SECONDS
from tracktion.contract import OffsetPagination as OffsetPagination
from tracktion.contract import Out, hms
from tracktion.contract import Warning_ as Warning_
from tracktion.contract import offset_pagination as offset_pagination
from tracktion.contract import warning as warning
from tracktion.tracklists.model import Track, Tracklist

# ---------------------------------------------------------------- tracks and tracklists


class TrackOut(Out):
    """A track as the reference shows it, plus our exact times and enrichment."""

    position: int
    artist: str
    title: str
    start_time: str | None = Field(description='"HH:MM:SS" from the start of the mix')
    end_time: str | None = None
    remix: str | None = None
    label: str | None = None
    catalog_number: str | None = None
    catalog_track_id: str | None = None
    transition_type: str | None = Field(
        default=None, description='"played_with" when played together with the previous track, else null'
    )
    is_manual_entry: bool = False
    bpm: float | None = None
    key: str | None = None
    # additions
    start_seconds: float | None = None
    end_seconds: float | None = None
    played_with_previous: bool = False
    is_unidentified: bool = False
    genre: str | None = None
    catalog_source: str | None = None
    match_confidence: float | None = None
    mashup: list[dict[str, Any]] = Field(default_factory=list)
    start_time_estimated: bool = Field(
        default=False, description="true when start_time is an estimate (no cue time was given), not a fact"
    )


def track_out(track: Track, *, estimated: bool = False) -> dict[str, Any]:
    data = track.model_dump(mode="json")
    start, end = data.pop("start_time"), data.pop("end_time")
    return TrackOut(
        **data,
        start_time=hms(start),
        end_time=hms(end),
        start_seconds=start,
        end_seconds=end,
        transition_type="played_with" if track.played_with_previous else None,
        start_time_estimated=estimated,
    ).model_dump(mode="json")


class TracklistOut(Out):
    """A tracklist as the reference shows it (import and manual answers), plus ours."""

    id: str
    audio_file_id: str | None = None
    source: str
    url: str | None = None
    dj_name: str | None = None
    event_name: str | None = None
    created_at: str
    updated_at: str
    tracks: list[TrackOut]
    confidence_score: float
    is_draft: bool
    draft_version: int | None = None
    parent_tracklist_id: str | None = None
    default_cue_format: str | None = None
    # additions
    tracklist_id: str
    title: str
    djs: list[str] = Field(default_factory=list)
    event: str | None = None
    venue: str | None = None
    country: str | None = None
    date: str | None = None
    genres: list[str] = Field(default_factory=list)
    duration: str | None = None
    duration_seconds: float | None = None
    source_url: str | None = None
    version: int
    status: str


def confidence(tracklist: Tracklist) -> float:
    """1.0 for what a person typed; for an import, the share of rows identified and timed."""
    if tracklist.source == "manual" or not tracklist.tracks:
        return 1.0
    good = sum(1 for t in tracklist.tracks if not t.is_unidentified and t.start_time is not None)
    return round(good / len(tracklist.tracks), 2)


def tracklist_out(tracklist: Tracklist, *, default_cue_format: str | None = None) -> dict[str, Any]:
    data = tracklist.model_dump(mode="json", exclude={"owner_id", "source_key", "source_page_id", "tracks"})
    data.pop("is_manual_entry", None)
    return TracklistOut(
        **data,
        id=tracklist.tracklist_id,
        url=tracklist.source_url,
        dj_name=tracklist.performer or None,
        event_name=tracklist.event,
        tracks=[TrackOut.model_validate(track_out(t)) for t in tracklist.tracks],
        confidence_score=confidence(tracklist),
        is_draft=tracklist.status == "draft",
        default_cue_format=default_cue_format,
        duration=hms(tracklist.duration_seconds),
    ).model_dump(mode="json")


# ---------------------------------------------------------------- pagination


class PagePagination(Out):
    """page/limit lists (search): the reference's `pagination` object."""

    page: int
    limit: int
    total_pages: int
    total_items: int
    has_next: bool
    has_previous: bool


def page_pagination(page: int, limit: int, total_items: int) -> dict[str, Any]:
    total_pages = max(1, math.ceil(total_items / limit)) if total_items else 0
    return PagePagination(
        page=page,
        limit=limit,
        total_pages=total_pages,
        total_items=total_items,
        has_next=page < total_pages,
        has_previous=page > 1,
    ).model_dump(mode="json")


# ---------------------------------------------------------------- errors


class ErrorBody(Out):
    """The standard error body (reference, "Standard Error Format")."""

    error: str
    error_code: str
    correlation_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    retry_after: int | None = None


def attachment(name: str) -> str:
    """A download's Content-Disposition: an ASCII `filename` for old clients plus the exact UTF-8
    `filename*` (RFC 6266)."""
    plain = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """`responses=` for a route decorator: each status answers the standard error body."""
    return {
        status: {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in statuses
    }


_STATUS_TEXT = {
    400: "Bad request (INVALID_FORMAT, BAD_REQUEST)",
    401: "Authentication required or invalid",
    403: "Insufficient permissions",
    404: "Resource not found (RESOURCE_NOT_FOUND)",
    409: "Resource conflict (RESOURCE_CONFLICT)",
    412: "Precondition failed (If-Match)",
    422: "Validation errors (VALIDATION_ERROR, REQUIRED_FIELD_MISSING, INVALID_URL, ...)",
    429: "Rate limit exceeded (RATE_LIMIT_EXCEEDED)",
    502: "Upstream failure",
    503: "Service temporarily unavailable",
}
