"""CUE sheets read as a DJ history: recorders' sheets (rekordbox, Mixxx) and CUE sheets in general.

Read with our one CUE reader (tracktion.cue.parse, in its `recording` mode); each TRACK is a
`Play` whose `offset_seconds` is its INDEX 01 (INDEX 00 when a track has no 01).

- rekordbox's recorder (REM RECORDED_BY "rekordbox-dj"): INDEX written `hh:mm:ss`, not
  `mm:ss:ff`; a FILE line inside each TRACK names the source file (kept as `file_path`, it is
  not the recording); a title repeated later is a track brought back and stays a second play
  (only back-to-back duplicates are merged, by `assemble`); some versions write no PERFORMER and
  fold "Artist - Title" into TITLE, which is split back. Without the REM line, `hh:mm:ss` is
  read when `mm:ss:ff` cannot be meant (a field past 74 frames) or when per-track FILE lines
  and `mm:ss:ff` would make every track shorter than 30 s.
- Mixxx's recorder: `  TRACK nn AUDIO / TITLE / PERFORMER / INDEX 01 mm:ss:ff`, minutes past 99,
  text written raw (quotes inside a title run to the line's last quote; `\\"` in the header).
- Our own six dialects (tracktion.cue.dialects) read back to the tracklist they were made from:
  "Title (Remix)" gives the remix back, "Title w/ Artist - Title" (tracks played together, one
  TRACK) gives the second track back as played with the previous one, "ID"/"ID" stays
  unidentified. Labels, mashup components and estimated-start flags are not in a sheet.
- Sheets in general, as libcue reads them: any case of commands, INDEX 00 pregaps, FLAGS, ISRC,
  CATALOG, SONGWRITER, PREGAP/POSTGAP and REM lines. Several audio FILEs (one file per track,
  an album rip; EAC's "noncompliant" sheets with a track's INDEX 00 in the previous file) are not
  one recording: each time counts in its own file, so the tracks keep the sheet's order without
  start times, and a note says so.
Errors: INVALID_FORMAT naming the line (an INDEX that is no time, a TRACK without a number, an
INDEX outside a track, a track without any INDEX, no TRACK at all), never a half-read sheet.
"""

from __future__ import annotations

import re

from tracktion.cue.parse import ParsedSheet, ParsedTrack, parse
from tracktion.histories.model import History, HistoryOptions, InvalidFormat, Play
from tracktion.histories.reading import MAX_FILE_BYTES, MAX_LINES, decode_text
from tracktion.tracklists.text_format import split_remix

FORMAT = "cue"
MIN_PLAUSIBLE_TRACK_SECONDS = 30.0
_REKORDBOX = re.compile(r'^\s*REM\s+RECORDED_BY\s+"?rekordbox', re.IGNORECASE | re.MULTILINE)
_TRACK = re.compile(r"^\s*TRACK\s", re.IGNORECASE | re.MULTILINE)
# Errors of our reader that leave the sheet unreadable as a history; the others are kept as notes
# or ignored (a FILE without a type, a TRACK before any FILE: libcue-style leniency).
_FATAL = {"BAD_INDEX", "BAD_TRACK", "INDEX_OUTSIDE_TRACK", "NO_TRACKS"}
_WITH = " w/ "


def _starts(sheet: ParsedSheet) -> list[float | None]:
    out: list[float | None] = []
    for t in sheet.tracks:
        when = t.indexes.get(1, t.indexes.get(0))
        out.append(when.seconds if when is not None else None)
    return out


def _hms_fits(text: str, sheet: ParsedSheet) -> bool:
    """Whether hh:mm:ss is the reading: mm:ss:ff cannot be meant, or makes no DJ track length."""
    if any(e["code"] == "BAD_INDEX" for e in sheet.errors):
        return not any(e["code"] == "BAD_INDEX" for e in parse(text, recording=True, times="hms").errors)
    per_track_files = sum(1 for t in sheet.tracks if t.file) * 2 >= max(1, len(sheet.tracks))
    starts = [s for s in _starts(sheet) if s is not None]
    if not per_track_files or len(starts) < 3:
        return False
    return (starts[-1] - starts[0]) / (len(starts) - 1) < MIN_PLAUSIBLE_TRACK_SECONDS


def _fail(sheet: ParsedSheet) -> None:
    fatal = [e for e in sheet.errors if e["code"] in _FATAL]
    if fatal:
        first = min(fatal, key=lambda e: (not e.get("line"), e.get("line", 0)))
        raise InvalidFormat(
            f"Not a readable CUE sheet: {first['message']}",
            details={"line": max(1, int(first.get("line", 0) or 1)), "reason": first["code"]},
        )
    for track in sheet.tracks:
        if not track.indexes:
            raise InvalidFormat(
                f"Track {track.number} has no INDEX",
                details={"line": track.line, "reason": "NO_INDEX"},
            )


def _names(track: ParsedTrack) -> tuple[str, str]:
    performer = (track.performer or "").strip()
    title = (track.title or "").strip()
    if not performer and " - " in title:
        performer, _, title = title.partition(" - ")  # artist folded into TITLE
    return performer.strip(), title.strip()


def _plays(track: ParsedTrack, offset: float | None) -> list[Play]:
    """One TRACK's plays: the track, and any played with it ("Title w/ Artist - Title")."""
    artist, title = _names(track)
    parts = title.split(_WITH)
    extras = [p for p in parts[1:] if " - " in p]
    if len(extras) != len(parts) - 1:
        extras, parts = [], [title]
    plays: list[Play] = []
    for i, part in enumerate([parts[0], *extras]):
        who = artist
        if i:
            who, _, part = part.partition(" - ")
        name, remix = split_remix(part.strip())
        plays.append(
            Play(
                artist=who.strip(),
                title=name,
                remix=remix,
                offset_seconds=offset,
                file_path=track.file if i == 0 else None,
                source_line=track.line,
                played_with_previous=i > 0,
            )
        )
    return plays


def _per_file_times(sheet: ParsedSheet) -> bool:
    """Several audio FILEs (an album rip, EAC's "noncompliant" sheets): each time is its file's."""
    return len(sheet.files) > 1


def parse_cue_history(data: bytes, options: HistoryOptions | None = None) -> History:
    """The sheet's tracks as plays (INVALID_FORMAT with the line when it cannot be read)."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidFormat("The sheet is too large", details={"offset": MAX_FILE_BYTES})
    text = decode_text(data)
    if text.count("\n") > MAX_LINES:
        raise InvalidFormat("The sheet has too many lines", details={"line": MAX_LINES + 1})
    if not _TRACK.search(text):
        raise InvalidFormat("Not a CUE sheet: no TRACK command", details={"line": 1})
    notes: list[str] = []
    rekordbox = bool(_REKORDBOX.search(text))
    sheet = parse(text, recording=True, times="hms" if rekordbox else "msf")
    if rekordbox:
        notes.append("rekordbox recording: INDEX times read as hh:mm:ss")
    elif _hms_fits(text, sheet):
        sheet = parse(text, recording=True, times="hms")
        notes.append("INDEX times read as hh:mm:ss (as mm:ss:ff they would not be a DJ set's)")
    _fail(sheet)
    starts = _starts(sheet)
    if _per_file_times(sheet):
        notes.append(
            "each track's time is counted in its own FILE: the tracks keep the sheet's order "
            "without start times"
        )
        starts = [None] * len(starts)
    elif any(e["code"] == "INDEX_NOT_RISING" for e in sheet.errors):
        notes.append("the sheet's INDEX times do not rise: the tracks are ordered by their times")
    plays: list[Play] = []
    seen: dict[tuple[str, str], int] = {}
    previous: tuple[str, str] | None = None
    for track, start in zip(sheet.tracks, starts, strict=True):
        key = _names(track)
        if key in seen and key != previous:
            notes.append(f"track {track.number} brings back track {seen[key]}: kept as a second play")
        seen.setdefault(key, track.number)
        previous = key
        plays += _plays(track, start)
    disc = sheet.rems.get("DISCNUMBER")
    if disc and disc.strip() not in ("", "1"):
        notes.append(f"disc {disc.strip()} of a mix split into discs: its times count from the disc's start")
    if options is not None and options.format not in (None, FORMAT):
        notes.append(f"read as a CUE sheet, not as {options.format}")
    return History(
        plays=tuple(plays),
        format=FORMAT,
        title=sheet.title or None,
        performer=sheet.performer or None,
        notes=tuple(notes),
    )
