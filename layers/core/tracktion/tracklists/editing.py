"""Editing a tracklist's tracks: add, update, delete, retime, bulk, reorder.

Every edit is one conditional write on the tracklist's `version` (the client's, from the body or
`If-Match`, else the one just read): two clients editing the same version cannot both win, and
the loser gets 409 with the current version. Edits are computed on a copy first, so a failing
edit (a bad time in the 7th of 10 bulk updates) writes nothing. After every operation positions
are 1..n, dense and unique. A changed track becomes `is_manual_entry` (imported tracklists are
edited the same way, and this is how a reader tells a corrected track from an imported one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from tracktion.errors import NotFound, ValidationFailed
from tracktion.models import Model
from tracktion.timeparse import TimeFormat, parse_time
from tracktion.tracklists.model import UNIDENTIFIED, Track, Tracklist
from tracktion.tracklists.store import TracklistStore, VersionConflict
from tracktion.tracklists.timing import (
    auto_end_times,
    check_track,
    duration_reading,
    implausibility,
    read_times,
)

MAX_TRACKS = 500
# The physical bound of a position a client may name (tracktion.api.shapes.MAX_POSITION).
MAX_POSITION = 999
# A typed time as the request schema states it: what parse_time reads within 48 hours, written
# narrower where a regex bounds it poorly (seconds up to 5 digits, MM:SS up to 999 minutes,
# H:MM:SS up to 47 h and without a fraction, so it reads alike as HH:MM:SS and as MM:SS:FF).
TIME_PATTERN = (
    r"^(?:[0-9]{1,5}(?:\.[0-9]{1,3})?"
    r"|[0-9]{1,3}:[0-5]?[0-9](?:\.[0-9]{1,3})?"
    r"|(?:[0-3]?[0-9]|4[0-7]):[0-5][0-9]:[0-5][0-9])$"
)
TIME_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": TIME_PATTERN, "description": "HH:MM:SS, MM:SS or seconds"},
        {"type": "number", "minimum": 0, "maximum": 48 * 3600, "description": "seconds"},
        {"type": "null"},
    ]
}
TimeValue = Annotated[str | float | None, WithJsonSchema(TIME_SCHEMA)]


class TrackNotFound(NotFound):
    def __init__(self, tracklist_id: str, position: int) -> None:
        super().__init__(
            f"Tracklist {tracklist_id} has no track at position {position}",
            error_code="TRACK_NOT_FOUND",
            details={"tracklist_id": tracklist_id, "position": position},
        )


class InvalidEdit(ValidationFailed):
    """An edit that cannot apply (a reorder that is not a permutation, too many tracks...)."""


class TrackInput(Model):
    """A track as a client types it; times in any accepted form."""

    model_config = ConfigDict(extra="forbid")

    artist: str = Field(min_length=1, max_length=500)
    title: str = Field(min_length=1, max_length=500)
    remix: str | None = Field(default=None, max_length=500)
    label: str | None = Field(default=None, max_length=300)
    start_time: TimeValue = None
    end_time: TimeValue = None
    played_with_previous: bool = False
    is_unidentified: bool | None = None
    bpm: float | None = Field(default=None, gt=0, le=400)
    key: str | None = Field(default=None, max_length=20)
    genre: str | None = Field(default=None, max_length=100)
    # Where to insert (add only; at creation: the order); None appends.
    position: int | None = Field(default=None, ge=1, le=MAX_POSITION)


class TrackPatch(Model):
    """A partial change to one track: only the fields present change (null clears a time)."""

    model_config = ConfigDict(extra="forbid")

    artist: str | None = Field(default=None, min_length=1, max_length=500)
    title: str | None = Field(default=None, min_length=1, max_length=500)
    remix: str | None = Field(default=None, max_length=500)
    label: str | None = Field(default=None, max_length=300)
    start_time: TimeValue = None
    end_time: TimeValue = None
    played_with_previous: bool | None = None
    is_unidentified: bool | None = None
    bpm: float | None = Field(default=None, gt=0, le=400)
    key: str | None = Field(default=None, max_length=20)
    genre: str | None = Field(default=None, max_length=100)


class BulkUpdate(TrackPatch):
    position: int = Field(ge=1, le=MAX_POSITION)


class Reorder(Model):
    """Either the whole new order (current positions, each once) or one move."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["order"],
                    "properties": {"order": {"type": "array"}},
                    "not": {"anyOf": [{"required": ["from_position"]}, {"required": ["to_position"]}]},
                },
                {
                    "required": ["from_position", "to_position"],
                    "properties": {"from_position": {"type": "integer"}, "to_position": {"type": "integer"}},
                    "not": {"required": ["order"]},
                },
            ]
        },
    )

    order: list[int] | None = Field(default=None, max_length=MAX_TRACKS)
    from_position: int | None = Field(default=None, ge=1, le=MAX_POSITION)
    to_position: int | None = Field(default=None, ge=1, le=MAX_POSITION)

    @model_validator(mode="after")
    def _one_form(self) -> Reorder:
        has_move = self.from_position is not None or self.to_position is not None
        if (self.order is None) == (not has_move) or (
            has_move and (self.from_position is None or self.to_position is None)
        ):
            raise ValueError("give either `order` or both `from_position` and `to_position`")
        return self


def _is_id(text: str | None) -> bool:
    return (text or "").strip().upper() == UNIDENTIFIED


def build_track(data: TrackInput, position: int) -> Track:
    """A model track from client input; times parsed and checked, naming the track on error."""
    track = Track(
        position=position,
        artist=data.artist.strip(),
        title=data.title.strip(),
        remix=(data.remix or "").strip() or None,
        label=(data.label or "").strip() or None,
        start_time=parse_time(data.start_time, position=position, field="start_time"),
        end_time=parse_time(data.end_time, position=position, field="end_time"),
        played_with_previous=data.played_with_previous,
        is_unidentified=(
            data.is_unidentified
            if data.is_unidentified is not None
            else _is_id(data.artist) and _is_id(data.title)
        ),
        bpm=data.bpm,
        key=data.key,
        genre=data.genre,
        is_manual_entry=True,
    )
    check_track(track)
    return track


def apply_patch(track: Track, patch: TrackPatch) -> Track:
    if not patch.model_fields_set:
        raise InvalidEdit(f"Track {track.position}: nothing to change", details={"position": track.position})
    changes: dict[str, Any] = {}
    for field in patch.model_fields_set:
        value = getattr(patch, field)
        if field in ("start_time", "end_time"):
            value = parse_time(value, position=track.position, field=field)
        elif field in ("artist", "title"):
            if value is None:
                raise InvalidEdit(
                    f"Track {track.position}: {field} cannot be empty", details={"field": field}
                )
            value = value.strip()
        elif field == "played_with_previous" and value is None:
            value = False
        changes[field] = value
    if "is_unidentified" not in changes and ("artist" in changes or "title" in changes):
        artist, title = changes.get("artist", track.artist), changes.get("title", track.title)
        changes["is_unidentified"] = _is_id(artist) and _is_id(title)
    new = track.model_copy(update={**changes, "is_manual_entry": True})
    check_track(new)
    return new


def renumber(tracks: list[Track]) -> list[Track]:
    """Positions 1..n in list order."""
    return [t if t.position == i else t.model_copy(update={"position": i}) for i, t in enumerate(tracks, 1)]


def _ordered(t: Tracklist) -> list[Track]:
    return sorted(t.tracks, key=lambda x: x.position)


def _index(t: Tracklist, position: int) -> int:
    for i, track in enumerate(_ordered(t)):
        if track.position == position:
            return i
    raise TrackNotFound(t.tracklist_id, position)


# ---------------------------------------------------------------- pure operations on a tracklist


def add_track(t: Tracklist, data: TrackInput) -> Tracklist:
    tracks = _ordered(t)
    if len(tracks) >= MAX_TRACKS:
        raise InvalidEdit(f"A tracklist holds at most {MAX_TRACKS} tracks", details={"limit": MAX_TRACKS})
    position = data.position or len(tracks) + 1
    if position > len(tracks) + 1:
        raise InvalidEdit(
            f"Position {position} is past the end (the tracklist has {len(tracks)} tracks)",
            details={"position": position, "track_count": len(tracks)},
        )
    tracks.insert(position - 1, build_track(data, position))
    return t.model_copy(update={"tracks": renumber(tracks)})


def update_track(t: Tracklist, position: int, patch: TrackPatch) -> Tracklist:
    tracks = _ordered(t)
    i = _index(t, position)
    tracks[i] = apply_patch(tracks[i], patch)
    return t.model_copy(update={"tracks": tracks})


def set_timing(t: Tracklist, position: int, start_time: TimeValue, end_time: TimeValue) -> Tracklist:
    return update_track(t, position, TrackPatch(start_time=start_time, end_time=end_time))


def set_timing_fields(t: Tracklist, position: int, request: TimingRequest) -> Tracklist:
    """Only the times the client sent change (an explicit null clears one)."""
    fields = request.model_fields_set & {"start_time", "end_time"}
    if not fields:
        raise InvalidEdit("Give start_time and/or end_time", details={"position": position})
    return update_track(t, position, TrackPatch.model_validate(request.model_dump(include=fields)))


def delete_track(t: Tracklist, position: int) -> Tracklist:
    tracks = _ordered(t)
    del tracks[_index(t, position)]
    return t.model_copy(update={"tracks": renumber(tracks)})


def bulk_update(t: Tracklist, updates: list[BulkUpdate]) -> Tracklist:
    """All updates or none: the first bad one raises before anything is written.

    An entry for an existing position changes that track (only the fields it carries). Entries
    for the positions right after the last track (n+1, n+2, ... in any order) add tracks there,
    so a client may send the whole list it wants; they need an artist and a title.
    """
    seen: set[int] = set()
    for u in updates:
        if u.position in seen:
            raise InvalidEdit(
                f"Track {u.position} appears twice in one bulk update", details={"position": u.position}
            )
        seen.add(u.position)
    existing = {x.position for x in t.tracks}
    beyond = sorted(p for p in seen if p not in existing)
    count = len(t.tracks)
    if beyond and beyond != list(range(count + 1, count + 1 + len(beyond))):
        first_missing = next(p for p in beyond if p not in range(count + 1, count + 1 + len(beyond)))
        raise TrackNotFound(t.tracklist_id, first_missing)
    for u in sorted(updates, key=lambda x: x.position):
        fields = u.model_fields_set - {"position"}
        if u.position in existing:
            patch = TrackPatch.model_validate(u.model_dump(include=fields))
            t = update_track(t, u.position, patch)
            continue
        if not u.artist or not u.title:
            raise InvalidEdit(
                f"Track {u.position} is new (the tracklist has {count} tracks): give its artist and title",
                details={"position": u.position, "field": "artist" if not u.artist else "title"},
            )
        given = {k: v for k, v in u.model_dump(include=fields).items() if v is not None}
        t = add_track(t, TrackInput.model_validate({**given, "position": u.position}))
    return t


def reorder(t: Tracklist, spec: Reorder) -> Tracklist:
    """New order; each track keeps its own times (positions change, nothing else)."""
    tracks = _ordered(t)
    current = [x.position for x in tracks]
    if spec.order is not None:
        if sorted(spec.order) != current:
            raise InvalidEdit(
                "`order` must list every current position exactly once",
                details={"expected_positions": current, "given": spec.order},
            )
        by_pos = {x.position: x for x in tracks}
        moved = [by_pos[p] for p in spec.order]
    else:
        assert spec.from_position is not None and spec.to_position is not None
        src = _index(t, spec.from_position)
        if spec.to_position > len(tracks):
            raise TrackNotFound(t.tracklist_id, spec.to_position)
        moved = list(tracks)
        track = moved.pop(src)
        moved.insert(spec.to_position - 1, track)
    return t.model_copy(update={"tracks": renumber(moved)})


def fill_end_times(
    t: Tracklist, audio_duration: TimeValue, overwrite: bool, time_format: str | None = None
) -> Tracklist:
    """End times from the next start and the audio's end (given here or known on the tracklist)."""
    duration = parse_time(audio_duration, field="audio_duration", reading=duration_reading(time_format))
    if duration is None:
        duration = t.duration_seconds
    tracks, _changed = auto_end_times(t.tracks, duration, overwrite=overwrite)
    for track in tracks:
        check_track(track)
    return t.model_copy(update={"tracks": tracks, "duration_seconds": duration})


# ---------------------------------------------------------------- the conditional write


def edit(
    store: TracklistStore,
    tracklist_id: str,
    owner_id: str,
    expected_version: int | None,
    change: Callable[[Tracklist], Tracklist],
) -> Tracklist:
    """Read, change, write only if nobody wrote in between (and the client saw this version)."""
    current = store.get(tracklist_id, owner_id)
    if expected_version is not None and expected_version != current.version:
        raise VersionConflict(tracklist_id, current.version)
    return store.save(change(current), current.version)


def edit_times(
    store: TracklistStore,
    tracklist_id: str,
    owner_id: str,
    expected_version: int | None,
    change: Callable[[Tracklist], Tracklist],
    *,
    time_format: str | None,
    values: list[Any],
) -> tuple[Tracklist, list[dict[str, Any]]]:
    """`edit` for a change carrying typed times: three-part times are read the way that makes
    sense for this tracklist (see timing.read_times); returns the saved tracklist and warnings."""
    current = store.get(tracklist_id, owner_id)
    if expected_version is not None and expected_version != current.version:
        raise VersionConflict(tracklist_id, current.version)
    baseline = implausibility(current.tracks, current.duration_seconds)
    changed, warnings = read_times(
        time_format,
        values,
        lambda: change(current),
        lambda t: implausibility(t.tracks, t.duration_seconds) - baseline,
    )
    return store.save(changed, current.version), warnings


def track_times(*items: Any) -> list[Any]:
    """The typed start/end times of request tracks (for choosing how to read them)."""
    return [getattr(i, f, None) for i in items for f in ("start_time", "end_time")]


def parse_if_match(value: str | None) -> int | None:
    """`If-Match: 3`, `"3"` or `W/"3"` → 3; anything else is a 400-worthy header."""
    if value is None or not value.strip():
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidEdit(
            "If-Match must carry the tracklist version (an integer)", details={"if_match": value}
        )
    return int(text)


def expected_version(body_version: int | None, if_match: str | None) -> int | None:
    header = parse_if_match(if_match)
    if body_version is not None and header is not None and body_version != header:
        raise InvalidEdit(
            "The body's version and If-Match disagree",
            details={"version": body_version, "if_match": header},
        )
    return body_version if body_version is not None else header


# ---------------------------------------------------------------- request bodies (version-carrying)


class Versioned(Model):
    """The tracklist version the client edited (alternatively sent as `If-Match`; both are
    optional: an edit without either applies to the current version), and how its three-part
    times are meant."""

    version: int | None = Field(default=None, ge=1)
    time_format: TimeFormat | None = Field(
        default=None,
        description='How "A:B:C" times are read: "hh:mm:ss", "mm:ss:ff" (CUE style, 75 frames a '
        'second) or "auto" (the default: HH:MM:SS unless that is implausible and every such time '
        'ends in ":00"; see docs/api-contract.md).',
    )


_REQUEST_ONLY = {"version", "time_format"}


class AddTrackRequest(TrackInput, Versioned):
    def track(self) -> TrackInput:
        return TrackInput.model_validate(self.model_dump(include=self.model_fields_set - _REQUEST_ONLY))


class UpdateTrackRequest(TrackPatch, Versioned):
    def patch(self) -> TrackPatch:
        return TrackPatch.model_validate(self.model_dump(include=self.model_fields_set - _REQUEST_ONLY))


class TimingRequest(Versioned):
    # start_time and/or end_time (set_timing_fields); an explicit null clears one.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["start_time"]}, {"required": ["end_time"]}]},
    )

    start_time: TimeValue = None
    end_time: TimeValue = None


class BulkRequest(Versioned):
    """The reference's `{"tracks": [...]}` or our earlier `{"updates": [...]}` (one of them)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["tracks"], "properties": {"tracks": {"type": "array"}}},
                {"required": ["updates"], "properties": {"updates": {"type": "array"}}},
            ]
        },
    )

    tracks: list[BulkUpdate] | None = Field(default=None, min_length=1, max_length=MAX_TRACKS)
    updates: list[BulkUpdate] | None = Field(default=None, min_length=1, max_length=MAX_TRACKS)

    @model_validator(mode="after")
    def _one_list(self) -> BulkRequest:
        if (self.tracks is None) == (self.updates is None):
            raise ValueError("give the track changes as `tracks` (or `updates`), exactly one of them")
        return self

    @property
    def changes(self) -> list[BulkUpdate]:
        return self.tracks if self.tracks is not None else (self.updates or [])


class ReorderRequest(Reorder, Versioned):
    def spec(self) -> Reorder:
        return Reorder(order=self.order, from_position=self.from_position, to_position=self.to_position)


class ValidateTimingRequest(Versioned):
    """The reference's body; both fields count (audio_duration checks every time against the
    audio's end, allow_gaps=false makes a gap an error)."""

    model_config = ConfigDict(extra="forbid")

    audio_duration: TimeValue = None
    allow_gaps: bool = True


class AutoEndTimesRequest(Versioned):
    model_config = ConfigDict(extra="forbid")

    # The audio's length (any accepted time form); defaults to the tracklist's.
    audio_duration: TimeValue = None
    overwrite: bool = True
