"""Manual tracklists, drafts and publishing.

A manual tracklist usually starts as a draft tied to an audio file (`audio_file_id`). Publishing
a draft never changes it: it creates a new published tracklist whose `parent_tracklist_id` is
the draft and whose `draft_version` is the draft version it was made from, so the draft's
history (every draft, every published version) stays listable per audio file. Publishing the
same draft version twice answers the first publication (the store's per-owner source claim
makes that hold under concurrent requests too).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ConfigDict, Field

from tracktion.clock import iso
from tracktion.cue.dialects import DIALECTS
from tracktion.errors import Conflict, ValidationFailed
from tracktion.models import Model
from tracktion.timeparse import TimeFormat, parse_time
from tracktion.tracklists.editing import (
    MAX_TRACKS,
    InvalidEdit,
    TimeValue,
    TrackInput,
    build_track,
    track_times,
)
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import StoredTracklist, TracklistStore, publish_claim
from tracktion.tracklists.timing import (
    TimingReport,
    duration_reading,
    implausibility,
    read_times,
    validate_timing,
)

UNTITLED = "Untitled mix"


class ManualTracklistInput(Model):
    """The reference's body (audio_file_id, tracks, is_draft) plus our metadata, all optional
    but the tracks' artist and title."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="Optional: without it the title is the event, else '<DJ> mix', else 'Untitled mix'.",
    )
    djs: list[str] = Field(default_factory=list, max_length=20)
    dj_name: str | None = Field(default=None, max_length=300, description="The reference's name for djs.")
    event: str | None = Field(default=None, max_length=300)
    event_name: str | None = Field(
        default=None, max_length=300, description="The reference's name for event."
    )
    # The schema lists the format names (dialect() reads them case-insensitively; blank = none).
    default_cue_format: str | None = Field(
        default=None, max_length=40, json_schema_extra={"enum": [*DIALECTS, None]}
    )
    time_format: TimeFormat | None = None
    venue: str | None = Field(default=None, max_length=300)
    country: str | None = Field(default=None, max_length=100)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    genres: list[str] = Field(default_factory=list, max_length=20)
    audio_file_id: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$"
    )
    # The audio's length (any accepted time form): the end of the last track, and a check.
    audio_duration: TimeValue = None
    is_draft: bool = True
    tracks: list[TrackInput] = Field(default_factory=list, max_length=MAX_TRACKS)


class AlreadyPublished(Conflict):
    def __init__(self, tracklist_id: str) -> None:
        super().__init__(
            f"Tracklist {tracklist_id} is already published; publish its draft instead",
            error_code="ALREADY_PUBLISHED",
            details={"tracklist_id": tracklist_id},
        )


class TimingInvalid(ValidationFailed):
    def __init__(self, tracklist_id: str, report: TimingReport) -> None:
        errors = [i for i in report.issues if i.severity == "error"]
        super().__init__(
            f"Tracklist {tracklist_id} has timing errors: " + "; ".join(i.message for i in errors),
            error_code="TIMING_INVALID",
            details={"tracklist_id": tracklist_id, "issues": [i.model_dump() for i in errors]},
        )


def derive_title(djs: list[str], event: str | None) -> str:
    if event:
        return event
    if djs:
        return f"{' & '.join(djs)} mix"
    return UNTITLED


def cue_format_name(value: str | None, field: str = "default_cue_format") -> str | None:
    """A CUE format's canonical name (422 naming the field when there is no such format)."""
    if value is None or not value.strip():
        return None
    from tracktion.cue.dialects import dialect
    from tracktion.errors import TracktionError

    try:
        return dialect(value.strip()).name
    except TracktionError as exc:
        raise InvalidEdit(
            f"{field}: unknown CUE format {value!r}",
            error_code="INVALID_FORMAT",
            details={"field": field, **exc.details},
        ) from exc


def _ordered_input(tracks: list[TrackInput]) -> list[TrackInput]:
    """List order, or the tracks' own `position`s when every track gives one (each once)."""
    positions = [t.position for t in tracks]
    if not tracks or any(p is None for p in positions):
        return list(tracks)
    if len(set(positions)) != len(positions):
        dup = next(p for p in positions if positions.count(p) > 1)
        raise InvalidEdit(
            f"Track position {dup} appears twice", details={"field": "tracks.position", "position": dup}
        )
    return sorted(tracks, key=lambda t: t.position or 0)


def create_manual(
    store: TracklistStore, owner_id: str, data: ManualTracklistInput
) -> tuple[StoredTracklist, list[dict[str, Any]]]:
    """A new manual tracklist (a draft unless `is_draft` is false), version 1, and the warnings
    about how its times were read."""
    is_draft = data.is_draft
    dj_name = (data.dj_name or "").strip()
    djs = [d.strip() for d in data.djs if d.strip()] or ([dj_name] if dj_name else [])
    event = data.event or data.event_name
    ordered = _ordered_input(data.tracks)
    duration = parse_time(
        data.audio_duration, field="audio_duration", reading=duration_reading(data.time_format)
    )
    cue_format = cue_format_name(data.default_cue_format)

    def build() -> StoredTracklist:
        return StoredTracklist(
            owner_id=owner_id,
            title=(data.title or "").strip() or derive_title(djs, event),
            djs=djs,
            event=event,
            venue=data.venue,
            country=data.country,
            date=data.date,
            genres=data.genres,
            duration_seconds=duration,
            source="manual",
            tracks=[build_track(t, i) for i, t in enumerate(ordered, 1)],
            status="draft" if is_draft else "published",
            audio_file_id=data.audio_file_id,
            draft_version=1 if is_draft else None,
            is_manual_entry=True,
            default_cue_format=cue_format,
        )

    tracklist, warnings = read_times(
        data.time_format,
        track_times(*data.tracks),
        build,
        lambda t: implausibility(t.tracks, t.duration_seconds),
    )
    created = store.create(tracklist)
    assert isinstance(created, StoredTracklist)
    return created, warnings


def list_drafts(
    store: TracklistStore,
    owner_id: str,
    audio_file_id: str,
    include_versions: bool,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list[StoredTracklist], str | None]:
    """One page of the owner's drafts for an audio file, oldest first; with `include_versions`,
    the published versions too (each pointing at its draft). The cursor continues the list."""
    page, next_cursor = store.list_by_audio_file(owner_id, audio_file_id, limit=limit, cursor=cursor)
    items = sorted(page, key=lambda t: t.created_at)
    return [t for t in items if include_versions or t.status == "draft"], next_cursor


def publish(
    store: TracklistStore, owner_id: str, tracklist_id: str, *, validate: bool
) -> tuple[Tracklist, bool]:
    """The published tracklist made from the draft's current version, and whether it is new."""
    draft = store.get(tracklist_id, owner_id)
    if draft.status != "draft":
        raise AlreadyPublished(tracklist_id)
    if validate:
        report = validate_timing(draft.tracks, draft.duration_seconds)
        if not report.valid:
            raise TimingInvalid(tracklist_id, report)
    claim = publish_claim(draft.tracklist_id, draft.version)
    existing = store.find_by_source(owner_id, claim)
    if existing is not None:
        return existing, False
    now = iso()
    published = draft.model_copy(
        update={
            "tracklist_id": str(uuid.uuid4()),
            "status": "published",
            "parent_tracklist_id": draft.tracklist_id,
            "draft_version": draft.version,
            "source_key": claim,
            "created_at": now,
            "updated_at": now,
        }
    )
    try:
        return store.create(published), True
    except Conflict:
        # A concurrent publish of the same draft version won; answer its result.
        winner = store.find_by_source(owner_id, claim)
        if winner is None:
            raise
        return winner, False
