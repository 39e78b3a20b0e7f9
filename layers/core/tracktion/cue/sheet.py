"""From a tracklist to the entries and discs of a sheet: the rules every dialect shares.

- Tracks played together ("w/") share their lead track's entry, so they share one start.
- Tracks without a start are an error unless the caller allows estimating or skipping them.
- Starts must rise strictly; unidentified tracks keep "ID".
- Dialects with disc limits (cdj) merge too-short tracks and split the mix into discs, each
  restarting at 00:00:00 with its track boundaries preserved. Every dialect cuts a list of
  more than 99 entries into parts (CDRWIN numbers tracks 01-99).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from tracktion.cue.dialects import Dialect
from tracktion.cue.options import CueOptions
from tracktion.cue.time import FRAMES_PER_SECOND, CueTime
from tracktion.errors import ValidationFailed
from tracktion.tracklists.estimates import estimate
from tracktion.tracklists.model import UNIDENTIFIED, Track, Tracklist


class EmptyTracklist(ValidationFailed):
    error_code = "EMPTY_TRACKLIST"

    def __init__(self) -> None:
        super().__init__("The tracklist has no tracks to put in a CUE sheet")


class CueTimesMissing(ValidationFailed):
    error_code = "CUE_TIMES_MISSING"

    def __init__(self, positions: list[int]) -> None:
        super().__init__(
            f"{len(positions)} track(s) have no start time; set gap_handling to 'estimate' or 'skip'",
            details={"tracks": positions, "gap_handling": ["estimate", "skip"]},
        )
        self.positions = positions


class CueTimesOutOfOrder(ValidationFailed):
    error_code = "CUE_TIMES_OUT_OF_ORDER"

    def __init__(self, positions: list[int]) -> None:
        super().__init__(
            "Track starts must rise strictly (to the frame, 1/75 s)",
            details={"tracks": positions},
        )
        self.positions = positions


class TrackTooLongForDisc(ValidationFailed):
    error_code = "TRACK_TOO_LONG_FOR_DISC"

    def __init__(self, positions: tuple[int, ...], limit: CueTime) -> None:
        super().__init__(
            f"Track {positions[0]} is longer than one disc ({limit})",
            details={"tracks": list(positions), "max_disc_length": str(limit)},
        )


@dataclass(slots=True)
class CueEntry:
    """One TRACK of a sheet: its start in the mix and the tracks it stands for."""

    start: CueTime
    performer: str
    title: str
    positions: tuple[int, ...]
    estimated: bool = False


@dataclass(slots=True)
class CueDisc:
    number: int
    offset: CueTime  # where the disc begins in the mix; its INDEX times are rebased on it
    entries: tuple[CueEntry, ...]
    length: CueTime | None


@dataclass
class CuePlan:
    entries: list[CueEntry]
    discs: list[CueDisc]
    end: CueTime | None
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _names(track: Track) -> tuple[str, str]:
    if track.is_unidentified:
        return UNIDENTIFIED, UNIDENTIFIED
    return track.artist, track.display_title


def _groups(tracks: list[Track]) -> list[list[Track]]:
    groups: list[list[Track]] = []
    positions = [t.position for t in tracks]
    if positions != sorted(positions):
        tracks = sorted(tracks, key=lambda t: t.position)
    for track in tracks:
        if track.played_with_previous and groups:
            groups[-1].append(track)
        else:
            groups.append([track])
    return groups


def _estimate(tracklist: Tracklist, groups: list[list[Track]], end: CueTime | None) -> list[int]:
    """The groups' starts in frames, unknown ones estimated by the one estimator exports and
    at?t= use (`tracktion.tracklists.estimates`: timed neighbours, the set's local pace, rows
    played together, never past the set's end).

    An end at or before the last known start is no anchor for the rows after it: the estimate
    then steps forward from the last known start (START_AFTER_END says so), as sheets always did.
    """
    known = [s for g in groups if (s := g[0].start_time) is not None]
    basis = tracklist
    if end is not None and known and end.seconds <= max(known):
        tracks = [t.model_copy(update={"end_time": None}) for t in tracklist.tracks]
        basis = tracklist.model_copy(update={"duration_seconds": None, "tracks": tracks})
    # estimate() keeps the rows in position order, as `groups` holds them.
    filled = [t.start_time for t in estimate(basis).tracks]
    leads = list(itertools.accumulate((len(g) for g in groups[:-1]), initial=0))
    return [math.floor((filled[i] or 0.0) * FRAMES_PER_SECOND + 0.5) for i in leads]


def _mix_end(tracklist: Tracklist) -> CueTime | None:
    if tracklist.duration_seconds:
        return CueTime.from_seconds(tracklist.duration_seconds)
    ends = [t.end_time for t in tracklist.tracks if t.end_time is not None]
    return CueTime.from_seconds(max(ends)) if ends else None


def _entries(tracklist: Tracklist, options: CueOptions, end: CueTime | None) -> list[CueEntry]:
    groups = _groups(tracklist.tracks)
    if not groups:
        raise EmptyTracklist()
    starts: list[int | None] = [
        None if (s := g[0].start_time) is None else math.floor(s * FRAMES_PER_SECOND + 0.5) for g in groups
    ]
    missing = (
        [g[0].position for g, s in zip(groups, starts, strict=True) if s is None] if None in starts else []
    )
    estimated: set[int] = set()
    if missing and options.gap_mode == "error":
        raise CueTimesMissing(missing)
    if missing and options.gap_mode == "skip":
        kept = [(g, s) for g, s in zip(groups, starts, strict=True) if s is not None]
        if not kept:
            raise CueTimesMissing(missing)
        groups, starts = [g for g, _ in kept], [s for _, s in kept]
    elif missing:
        estimated = {i for i, s in enumerate(starts) if s is None}
        starts = list(_estimate(tracklist, groups, end))
    frames: list[int] = [s or 0 for s in starts] if None in starts else starts  # type: ignore[assignment]
    if frames != sorted(set(frames)):  # not strictly rising: name the offenders
        bad = [groups[i][0].position for i in range(1, len(groups)) if frames[i] <= frames[i - 1]]
        raise CueTimesOutOfOrder(bad)
    entries = []
    for i, group in enumerate(groups):
        lead = group[0]
        if lead.is_unidentified:
            performer = title = UNIDENTIFIED
        else:
            performer, title = lead.artist, lead.display_title
        if len(group) > 1:
            for extra in group[1:]:
                artist, extra_title = _names(extra)
                title = f"{title} w/ {artist} - {extra_title}"
            positions = tuple(t.position for t in group)
        else:
            positions = (group[0].position,)
        entries.append(
            CueEntry(CueTime(frames[i]), performer, title, positions, bool(estimated) and i in estimated)
        )
    return entries


def _merge_short(
    entries: list[CueEntry], minimum: CueTime, end: CueTime | None
) -> tuple[list[CueEntry], list[dict[str, Any]]]:
    warnings: list[dict[str, Any]] = []
    out: list[CueEntry] = []
    for i, entry in enumerate(entries):
        nxt = entries[i + 1].start if i + 1 < len(entries) else end
        length = (nxt.frames - entry.start.frames) if nxt is not None else None
        if length is not None and length < minimum.frames and (out or i + 1 < len(entries)):
            target = out[-1] if out else None
            warnings.append(
                {
                    "code": "TRACK_TOO_SHORT_MERGED",
                    "tracks": list(entry.positions),
                    "message": f"Track {entry.positions[0]} is shorter than {minimum.seconds:g} s "
                    "and was merged into its neighbour",
                }
            )
            if target is not None:
                out[-1] = CueEntry(
                    target.start,
                    target.performer,
                    f"{target.title} / {entry.performer} - {entry.title}",
                    target.positions + entry.positions,
                    target.estimated,
                )
                continue
            # The first track is too short: the next one absorbs it and takes its start.
            following = entries[i + 1]
            entries[i + 1] = CueEntry(
                entry.start,
                entry.performer,
                f"{entry.title} / {following.performer} - {following.title}",
                entry.positions + following.positions,
                entry.estimated,
            )
            continue
        out.append(entry)
    return out, warnings


def _split(
    entries: list[CueEntry], dialect: Dialect, end: CueTime | None
) -> tuple[list[CueDisc], list[dict[str, Any]]]:
    limit = dialect.max_disc_length
    max_tracks = dialect.max_tracks_per_disc
    if limit is None and len(entries) <= max_tracks:  # one sheet holds it all
        return [CueDisc(1, CueTime(0), tuple(entries), end)], []
    warnings: list[dict[str, Any]] = []
    discs: list[CueDisc] = []
    current: list[CueEntry] = []
    offset = CueTime(0)

    def boundary(i: int) -> CueTime | None:
        return entries[i + 1].start if i + 1 < len(entries) else end

    for i, entry in enumerate(entries):
        stop = boundary(i)
        if limit is not None and stop is not None and (stop - entry.start) > limit:
            raise TrackTooLongForDisc(entry.positions, limit)
        too_long = limit is not None and stop is not None and current and (stop - offset) > limit
        too_many = max_tracks is not None and len(current) >= max_tracks
        if current and (too_long or too_many):
            length = (entry.start - offset) if dialect.splits_discs else None
            discs.append(CueDisc(len(discs) + 1, offset, tuple(current), length))
            current = []
            if dialect.splits_discs:
                offset = entry.start
        current.append(entry)
    last_stop = end
    discs.append(CueDisc(len(discs) + 1, offset, tuple(current), (last_stop - offset) if last_stop else None))
    if limit is not None and end is None:
        warnings.append(
            {
                "code": "MIX_LENGTH_UNKNOWN",
                "tracks": list(entries[-1].positions),
                "message": "The mix length is unknown, so the last disc may run past "
                f"{limit}; give duration_seconds to be sure",
            }
        )
    return discs, warnings


def plan(tracklist: Tracklist, dialect: Dialect, options: CueOptions) -> CuePlan:
    """The entries and discs of `tracklist` in `dialect`; raises the 422 errors above."""
    end = _mix_end(tracklist)
    entries = _entries(tracklist, options, end)
    warnings: list[dict[str, Any]] = []
    estimated = [e.positions[0] for e in entries if e.estimated] if options.gap_mode == "estimate" else []
    if estimated:
        warnings.append(
            {"code": "START_ESTIMATED", "tracks": estimated, "message": "Start times were estimated"}
        )
    if options.gap_mode == "skip":
        kept = {p for e in entries for p in e.positions}
        left_out = [t.position for t in tracklist.tracks if t.position not in kept and t.start_time is None]
        if left_out:
            warnings.append(
                {
                    "code": "START_MISSING_LEFT_OUT",
                    "tracks": left_out,
                    "message": "Tracks without a start were left out",
                }
            )
    if end is not None and entries[-1].start.frames >= end.frames:  # starts rise: the last tells
        late = [e.positions[0] for e in entries if e.start.frames >= end.frames]
        if late:
            warnings.append(
                {"code": "START_AFTER_END", "tracks": late, "message": "Tracks start after the mix ends"}
            )
    if dialect.min_track_length is not None:
        entries, merged = _merge_short(entries, dialect.min_track_length, end)
        warnings += merged
    discs, split_warnings = _split(entries, dialect, end)
    warnings += split_warnings
    return CuePlan(entries=entries, discs=discs, end=end, warnings=warnings)
