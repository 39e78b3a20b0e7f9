"""Our own reader of CUE sheets, for validating stored or uploaded sheets and converting them.

Tolerant like the mainstream readers (unknown commands are kept as warnings, not fatal), but
it reports every problem with its line number. It is not one of the independent parsers the
tests check our output with; those are third-party.

Recording sheets (`recording=True`, for DJ-software histories: tracktion.histories.cue_sheets)
are read as the recorders write them: a FILE line inside a TRACK names that track's source file
(rekordbox; Mixxx's "annotation" writes it without a type), not a new audio file, and INDEX
times may be `hh:mm:ss` (`times="hms"`, rekordbox's recorder) instead of `mm:ss:ff`. A TITLE or
PERFORMER whose text holds quotes (Mixxx writes them raw, or as \") runs to the line's last
quote in every mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracktion.cue.time import CueTime
from tracktion.timeparse import clock_time
from tracktion.tracklists.model import Track, Tracklist

KNOWN = {
    "CATALOG", "CDTEXTFILE", "FILE", "FLAGS", "INDEX", "ISRC", "PERFORMER", "POSTGAP",
    "PREGAP", "REM", "SONGWRITER", "TITLE", "TRACK",
}  # fmt: skip


@dataclass
class ParsedTrack:
    number: int
    line: int
    title: str | None = None
    performer: str | None = None
    indexes: dict[int, CueTime] = field(default_factory=dict)
    file: str | None = None  # a recording sheet's per-track source file
    index_lines: dict[int, int] = field(default_factory=dict)  # INDEX number -> its line

    @property
    def start(self) -> CueTime | None:
        return self.indexes.get(1)


@dataclass
class ParsedSheet:
    title: str | None = None
    performer: str | None = None
    rems: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)
    tracks: list[ParsedTrack] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_tracklist(self, owner_id: str, **fields: Any) -> Tracklist:
        """The sheet as our tracklist model (times back in seconds, to the frame)."""
        tracks = [
            Track(
                position=i,
                artist=t.performer or "",
                title=t.title or "",
                start_time=t.start.seconds if t.start is not None else None,
                is_unidentified=(t.performer, t.title) == ("ID", "ID"),
            )
            for i, t in enumerate(self.tracks, start=1)
        ]
        djs = [self.performer] if self.performer else []
        genre = self.rems.get("GENRE")
        date = self.rems.get("DATE")
        return Tracklist(
            owner_id=owner_id,
            title=self.title or "Untitled",
            djs=djs,
            genres=[g.strip() for g in genre.split(" / ")] if genre else [],
            date=date if date and date[:4].isdigit() else None,
            tracks=tracks,
            source="manual",
            **fields,
        )


def _split(rest: str) -> list[str]:
    """Arguments as CDRWIN readers split them: a quoted field runs to the next quote."""
    args: list[str] = []
    i, n = 0, len(rest)
    while i < n:
        if rest[i].isspace():
            i += 1
        elif rest[i] == '"':
            end = rest.find('"', i + 1)
            end = n if end < 0 else end
            args.append(rest[i + 1 : end])
            i = end + 1
        else:
            end = i
            while end < n and not rest[end].isspace():
                end += 1
            args.append(rest[i:end])
            i = end
    return args


def _text_value(rest: str) -> str:
    """A TITLE/PERFORMER value: the CDRWIN quoted field, or to the last quote when it holds quotes."""
    stripped = rest.strip()
    if len(stripped) > 1 and stripped[0] == '"' and stripped[-1] == '"' and stripped.count('"') > 2:
        return stripped[1:-1].replace('\\"', '"')
    return " ".join(_split(rest))


def _index_time(value: str, times: str) -> CueTime:
    if times == "hms":
        parts = value.strip().split(":")
        if len(parts) != 3 or not all(p.isdigit() and len(p) <= 4 for p in parts):
            raise ValueError(f"not a cue time (hh:mm:ss): {value!r}")
        seconds = clock_time(value)  # the one reader of typed times: fields in range
        if seconds is None:
            raise ValueError(f"not a cue time (hh:mm:ss): {value!r}")
        return CueTime.from_seconds(seconds)
    return CueTime.parse(value)


def parse(text: str, *, recording: bool = False, times: str = "msf") -> ParsedSheet:
    """The sheet's commands read into a `ParsedSheet` (problems listed, never raised).

    `recording`: a DJ recorder's sheet (per-track FILE lines are source files); `times`:
    "msf" (mm:ss:ff, CDRWIN) or "hms" (hh:mm:ss, rekordbox's recorder).
    """
    sheet = ParsedSheet()
    if text.startswith("\ufeff"):
        sheet.warnings.append({"line": 1, "code": "BOM", "message": "Byte order mark at the start"})
        text = text[1:]
    current: ParsedTrack | None = None
    last_start: CueTime | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        command, _, rest = line.partition(" ")
        command = command.upper()
        if command not in KNOWN:
            sheet.warnings.append(
                {"line": n, "code": "UNKNOWN_COMMAND", "message": f"Unknown command {command}"}
            )
            continue
        if command == "REM":
            key, _, value = rest.strip().partition(" ")
            if current is None and key:
                sheet.rems[key.upper()] = value.strip().strip('"')
            continue
        args = _split(rest)
        if command == "FILE" and recording and current is not None and not current.indexes:
            current.file = args[0] if args else None  # the track's source file, typed or not
            continue
        if command == "FILE":
            if len(args) < 2:
                sheet.errors.append(
                    {"line": n, "code": "BAD_FILE", "message": "FILE needs a name and a type"}
                )
                continue
            sheet.files.append((args[0], args[-1]))
            if current is not None:
                sheet.warnings.append({"line": n, "code": "FILE_IN_TRACK", "message": "FILE inside a track"})
        elif command == "TRACK":
            if not sheet.files:
                sheet.errors.append(
                    {"line": n, "code": "TRACK_BEFORE_FILE", "message": "TRACK before any FILE"}
                )
            try:
                number = int(args[0])
            except (IndexError, ValueError):
                sheet.errors.append({"line": n, "code": "BAD_TRACK", "message": "TRACK needs a number"})
                continue
            expected = len(sheet.tracks) + 1
            if number != expected:
                sheet.warnings.append(
                    {
                        "line": n,
                        "code": "TRACK_NUMBER",
                        "message": f"Track {number} where {expected} was expected",
                    }
                )
            current = ParsedTrack(number=number, line=n)
            sheet.tracks.append(current)
        elif command in ("TITLE", "PERFORMER"):
            value = _text_value(rest)
            target: Any = current if current is not None else sheet
            setattr(target, command.lower(), value)
        elif command == "INDEX":
            if current is None:
                sheet.errors.append(
                    {"line": n, "code": "INDEX_OUTSIDE_TRACK", "message": "INDEX outside a track"}
                )
                continue
            try:
                number, when = int(args[0]), _index_time(args[1], times)
            except (IndexError, ValueError) as exc:
                sheet.errors.append({"line": n, "code": "BAD_INDEX", "message": str(exc) or "Bad INDEX"})
                continue
            current.indexes[number] = when
            current.index_lines[number] = n
            if number == 1:
                if last_start is not None and when <= last_start and len(sheet.files) <= 1:
                    sheet.errors.append(
                        {
                            "line": n,
                            "code": "INDEX_NOT_RISING",
                            "message": f"Track {current.number} starts at {when}, not after {last_start}",
                            "track": current.number,
                        }
                    )
                last_start = when
    for track in sheet.tracks:
        if track.start is None:
            sheet.errors.append(
                {
                    "line": track.line,
                    "code": "NO_INDEX_01",
                    "message": f"Track {track.number} has no INDEX 01",
                    "track": track.number,
                }
            )
    if not sheet.tracks:
        sheet.errors.append({"line": 0, "code": "NO_TRACKS", "message": "The sheet has no tracks"})
    return sheet
