"""What every DJ-history parser produces, and how a history becomes a tracklist's tracks.

A parser turns one file into a `History`: its `Play`s in the file's order, each with whatever
time the format stores:
- `started_at`: an aware instant (Serato's binary sessions store Unix seconds; Serato's
  exports a wall clock with a zone abbreviation such as EET/EEST);
- `wall_clock`: a naive local date-time when the format stores no zone (Traktor's NML,
  VirtualDJ's `<time>`); `HistoryOptions.timezone` places it, else it only orders and spaces;
- `offset_seconds`: seconds from the recording's start (CUE sheets, Mixxx's text export);
- none of these (rekordbox's playlist export: the order only).

`assemble(history, options)` is the one step from a history to tracks: unplayed entries and
loads shorter than the minimum play time are dropped, back-to-back duplicates are merged, and
the start offsets are counted from the recording's start (given, or the first kept play's).
Everything dropped is listed with its reason, for the answer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import Any

from tracktion.errors import BadRequest
from tracktion.tracklists.model import UNIDENTIFIED, Track

# Reasons a play is not a track (the answer's `dropped[].reason`).
DROP_UNPLAYED = "unplayed"
DROP_SHORT = "short_play"
DROP_DUPLICATE = "duplicate"
DROP_BEFORE_RECORDING = "before_recording"
MAX_TRACKS = 2000
MAX_SPAN_SECONDS = 48 * 3600  # as for every time we store (tracktion.timeparse.MAX_SECONDS)


class InvalidFormat(BadRequest):
    """The file is of a known format but cannot be read; `details` names the line or byte offset."""

    error_code = "INVALID_FORMAT"


class UnsupportedFormat(BadRequest):
    """The file is of no format we read (or of one asked for that its content is not)."""

    error_code = "UNSUPPORTED_FORMAT"


@dataclass(frozen=True)
class Play:
    """One entry of a DJ history: a track loaded (and usually played) on a deck."""

    artist: str
    title: str
    started_at: datetime | None = None  # aware
    wall_clock: datetime | None = None  # naive local time, when the format stores no zone
    offset_seconds: float | None = None  # from the recording's start
    duration_seconds: float | None = None  # how long it played, when the format says
    ended_at: datetime | None = None  # aware, or naive alongside `wall_clock`
    played: bool = True
    played_with_previous: bool = False  # played together with the previous play (a CUE "w/" entry)
    label: str | None = None
    album: str | None = None
    remix: str | None = None
    bpm: float | None = None
    key: str | None = None
    genre: str | None = None
    deck: str | None = None
    file_path: str | None = None
    source_line: int | None = None  # 1-based line of the file (text formats)
    source_offset: int | None = None  # byte offset in the file (binary formats)
    source_entry: int | None = None  # 1-based entry of an XML history (Traktor's ENTRY)

    def where(self) -> dict[str, int]:
        """Where in the file this play was read (for `dropped` and errors)."""
        if self.source_line is not None:
            return {"line": self.source_line}
        if self.source_offset is not None:
            return {"offset": self.source_offset}
        if self.source_entry is not None:
            return {"entry": self.source_entry}
        return {}


@dataclass(frozen=True)
class History:
    plays: tuple[Play, ...]
    format: str  # e.g. "serato_csv", "traktor_nml"
    recording_start: datetime | None = None  # aware, when the file says (a Serato session start)
    title: str | None = None  # the session's or recording's name, when the file has one
    performer: str | None = None
    notes: tuple[str, ...] = ()  # what the parser noticed (a warning each)


@dataclass(frozen=True)
class HistoryOptions:
    """How the caller wants a history read (the route's options)."""

    # The recording's start (aware); None: the first kept play starts at 0.
    recording_start: datetime | None = None
    # The zone of wall-clock times that carry none (Traktor, VirtualDJ); an IANA zone.
    timezone: tzinfo | None = None
    # A play shorter than this (seconds) is a deck load, not a track; 0 keeps every length.
    min_play_seconds: float = 0.0
    include_unplayed: bool = False
    merge_duplicates: bool = True
    # An explicit format name, when the caller gives one (else detected from the content).
    format: str | None = None


@dataclass(frozen=True)
class Dropped:
    artist: str
    title: str
    reason: str
    where: dict[str, int] = field(default_factory=dict)
    merged_into: int | None = None  # the kept track's position (duplicates)
    play_seconds: float | None = None

    def out(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "artist": self.artist,
            "title": self.title,
            "reason": self.reason,
            **self.where,
        }
        if self.merged_into is not None:
            body["merged_into"] = self.merged_into
        if self.play_seconds is not None:
            body["play_seconds"] = round(self.play_seconds, 3)
        return body


@dataclass(frozen=True)
class Assembled:
    tracks: list[Track]
    dropped: list[Dropped]
    notes: list[str]
    recording_start: datetime | None  # the instant offset 0 stands for, when known
    timed: bool  # whether the tracks carry start offsets
    started_on: date | None = None  # the day offset 0 falls on, in the file's own zone


def _same(a: Play, b: Play) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).casefold().split())

    return norm(a.artist) == norm(b.artist) and norm(a.title) == norm(b.title)


def _instant(p: Play, zone: tzinfo | None) -> datetime | None:
    """The play's start as a comparable date-time: aware when possible, else naive wall clock."""
    if p.started_at is not None:
        return p.started_at
    if p.wall_clock is not None:
        return p.wall_clock.replace(tzinfo=zone) if zone is not None else p.wall_clock
    return None


def _end(p: Play, zone: tzinfo | None) -> datetime | None:
    if p.ended_at is None:
        return None
    if p.ended_at.tzinfo is None and zone is not None:
        return p.ended_at.replace(tzinfo=zone)
    return p.ended_at


def _wall_zone(history: History, options: HistoryOptions) -> tzinfo | None:
    if options.timezone is not None:
        return options.timezone
    if options.recording_start is not None and any(p.wall_clock is not None for p in history.plays):
        # Wall clocks without a zone, a start with one: read the clocks in the start's zone.
        return options.recording_start.tzinfo
    return None


def _play_length(
    p: Play, start: datetime | None, end: datetime | None, next_start: datetime | None
) -> float | None:
    """How long the play lasted: as stored, else end - start, else until the next start."""
    if p.duration_seconds is not None:
        return p.duration_seconds
    if start is not None and end is not None and (start.tzinfo is None) == (end.tzinfo is None):
        return (end - start).total_seconds()
    if start is not None and next_start is not None and (start.tzinfo is None) == (next_start.tzinfo is None):
        return (next_start - start).total_seconds()
    return None


def assemble(history: History, options: HistoryOptions) -> Assembled:
    """The history's tracks as the caller asked for them, with what was dropped and why."""
    zone = _wall_zone(history, options)
    notes = list(history.notes)
    plays = list(history.plays)
    starts = [_instant(p, zone) for p in plays]
    # Clock times on some plays (a row without a start keeps its place and no time).
    clocked = any(s is not None for s in starts)
    if clocked:
        aware = {s.tzinfo is not None for s in starts if s is not None}
        if len(aware) > 1:
            raise InvalidFormat("The file mixes times with and without a zone")
    if plays and all(s is not None for s in starts):
        # Two decks: the file's order is not always the play order; order by start (stable).
        order = sorted(range(len(plays)), key=lambda i: starts[i])  # type: ignore[arg-type,return-value]
        plays = [plays[i] for i in order]
        starts = [starts[i] for i in order]
    elif all(p.offset_seconds is not None for p in plays):
        order = sorted(range(len(plays)), key=lambda i: plays[i].offset_seconds or 0.0)
        plays = [plays[i] for i in order]
        starts = [None] * len(plays)

    dropped: list[Dropped] = []
    kept: list[tuple[Play, datetime | None]] = []
    for i, p in enumerate(plays):
        start = starts[i]
        length = _play_length(p, start, _end(p, zone), starts[i + 1] if i + 1 < len(plays) else None)
        if not p.played and not options.include_unplayed:
            dropped.append(Dropped(p.artist, p.title, DROP_UNPLAYED, p.where(), play_seconds=length))
            continue
        if options.min_play_seconds > 0 and length is not None and length < options.min_play_seconds:
            dropped.append(Dropped(p.artist, p.title, DROP_SHORT, p.where(), play_seconds=length))
            continue
        kept.append((p, start))

    merged: list[tuple[Play, datetime | None]] = []
    for p, start in kept:
        if options.merge_duplicates and merged and _same(merged[-1][0], p):
            first, first_start = merged[-1]
            longer = _later_end(first, p, zone)
            merged[-1] = (longer, first_start)
            dropped.append(Dropped(p.artist, p.title, DROP_DUPLICATE, p.where(), merged_into=len(merged)))
            continue
        merged.append((p, start))

    base: datetime | None = None
    if clocked:
        base = options.recording_start if options.recording_start is not None else None
        first_clock = next((start for _, start in merged if start is not None), None)
        if base is not None and first_clock is not None and first_clock.tzinfo is None:
            base = base.replace(tzinfo=None)  # no zone anywhere: wall clock against wall clock
        if base is None:
            base = first_clock
    elif options.recording_start is not None and history.recording_start is None:
        notes.append("recording_start ignored: the file's times are already counted from its start")

    tracks: list[Track] = []
    for p, start in merged:
        offset: float | None
        end_offset: float | None = None
        if p.offset_seconds is not None:
            offset = p.offset_seconds
        elif start is not None and base is not None:
            offset = (start - base).total_seconds()
            end = _end(p, zone)
            if end is not None and (end.tzinfo is None) == (base.tzinfo is None):
                end_offset = (end - base).total_seconds()
            elif p.duration_seconds is not None:
                end_offset = offset + p.duration_seconds
            if offset < 0:
                if end_offset is not None and end_offset <= 0:
                    dropped.append(Dropped(p.artist, p.title, DROP_BEFORE_RECORDING, p.where()))
                    continue
                offset = 0.0
        else:
            offset = None
        if end_offset is not None and offset is not None and end_offset < offset:
            end_offset = None
        if offset is not None and offset > MAX_SPAN_SECONDS:
            raise InvalidFormat(
                "The history spans more than 48 hours from its start",
                details={**p.where(), "max_seconds": MAX_SPAN_SECONDS},
            )
        if end_offset is not None and end_offset > MAX_SPAN_SECONDS:
            end_offset = None
        tracks.append(_track(p, len(tracks) + 1, offset, end_offset))
    if len(tracks) > MAX_TRACKS:
        raise InvalidFormat("Too many tracks in the file", details={"max_tracks": MAX_TRACKS})
    if tracks and all(t.start_time is None for t in tracks):
        notes.append("the file stores no play times: the tracks are in the file's order without start times")
    recording_start = base if base is not None and base.tzinfo is not None else None
    timed = bool(tracks) and all(t.start_time is not None for t in tracks)
    shown = (
        base.astimezone(options.timezone) if base is not None and base.tzinfo and options.timezone else base
    )
    started_on = shown.date() if shown is not None and shown.year > 1970 else None
    return Assembled(tracks, dropped, notes, recording_start, timed, started_on)


def _later_end(first: Play, second: Play, zone: tzinfo | None) -> Play:
    """The first of two merged plays, lasting until the later of their ends."""
    a, b = _end(first, zone), _end(second, zone)
    if b is not None and (a is None or ((a.tzinfo is None) == (b.tzinfo is None) and b > a)):
        start = _instant(first, zone)
        duration = None
        if start is not None and (start.tzinfo is None) == (b.tzinfo is None):
            duration = (b - start).total_seconds()
        return replace(first, ended_at=second.ended_at, duration_seconds=duration)
    return first


def _track(p: Play, position: int, offset: float | None, end_offset: float | None) -> Track:
    artist = p.artist.strip() or UNIDENTIFIED
    title = p.title.strip() or UNIDENTIFIED
    return Track(
        position=position,
        artist=artist,
        title=title,
        remix=p.remix,
        label=p.label,
        start_time=round(offset, 3) if offset is not None else None,
        end_time=round(end_offset, 3) if end_offset is not None else None,
        is_unidentified=artist.upper() == UNIDENTIFIED or title.upper() == UNIDENTIFIED,
        played_with_previous=p.played_with_previous and position > 1,
        bpm=p.bpm,
        key=p.key,
        genre=p.genre,
    )
