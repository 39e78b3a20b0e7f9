"""Serato's history exports: the CSV and the fixed-width text ("Export" in the History panel).

Both have a header naming the columns (any order, any subset of name, artist, start time,
end time, playtime, deck, notes, and the library columns the user shows: album, genre, bpm,
key, label, comment, year), then the session row (its name and its start, with the date:
"30.3.2023, 16.04.53 EEST"), then one row per track whose times carry no date
("16.04.53 EEST"). The text export pads columns with spaces and underlines the header and the
session row with dashes; it may start with a UTF-8 BOM.

A track row's date is the session's, moved a day on when its time runs back by more than six
hours (past midnight); an end before its start is on the next day. Times carry the zone
abbreviation of the exporting computer's locale (EET/EEST ...; see reading.py); without one
they are wall clock, placed by the `timezone` option. "playtime" is how long the track was on
its deck (end - start): two decks overlap, so it is not the time until the next track.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

from tracktion.histories.model import History, InvalidFormat, Play
from tracktion.histories.reading import (
    cell_text,
    decode_text,
    lines_of,
    placed,
    read_bpm,
    read_duration,
    read_stamp,
)

FORMAT_CSV = "serato_csv"
FORMAT_TXT = "serato_txt"

_COLUMNS = {
    "name": "title",
    "title": "title",
    "song": "title",
    "artist": "artist",
    "start time": "start",
    "end time": "end",
    "playtime": "playtime",
    "deck": "deck",
    "album": "album",
    "genre": "genre",
    "bpm": "bpm",
    "key": "key",
    "label": "label",
}
_ROLLBACK = timedelta(hours=6)
_DASHES = re.compile(r"^\s*-{10,}\s*$")


_SERATO_ONLY = {"start time", "end time", "playtime", "deck", "notes"}


def looks_like_header(cells: list[str]) -> bool:
    """Serato's columns: "name" (its title) or a time column it alone writes, beside the rest."""
    names = {c.strip().lower() for c in cells}
    if "start time" in names:
        return bool(names & {"name", "title", "artist"})
    return "name" in names and "title" not in names and bool(names & (_SERATO_ONLY | {"artist"}))


def parse_csv(data: bytes) -> History:
    text = decode_text(data)
    lines_of(text)  # bounds the row count before csv reads it
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InvalidFormat(f"The CSV cannot be read: {exc}", details={"line": _csv_line(exc)}) from exc
    numbered = [(i + 1, row) for i, row in enumerate(rows) if any(c.strip() for c in row)]
    return _history(numbered, FORMAT_CSV)


def _csv_line(exc: csv.Error) -> int:
    m = re.search(r"line (\d+)", str(exc))
    return int(m[1]) if m else 1


def parse_txt(data: bytes) -> History:
    lines = lines_of(decode_text(data))
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise InvalidFormat("The file is empty", details={"line": 1})
    header = lines[header_at]
    starts = [m.start() for m in re.finditer(r"(?:(?<=\s\s)|^)\S", header)]
    if not starts:
        raise InvalidFormat("No header row", details={"line": header_at + 1})
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    numbered: list[tuple[int, list[str]]] = []
    for i, line in enumerate(lines[header_at:], start=header_at + 1):
        if not line.strip() or _DASHES.match(line):
            continue
        numbered.append((i, [line[a:b].strip() if b is not None else line[a:].strip() for a, b in bounds]))
    return _history(numbered, FORMAT_TXT)


def _history(numbered: list[tuple[int, list[str]]], fmt: str) -> History:
    if not numbered:
        raise InvalidFormat("The file is empty", details={"line": 1})
    header_line, header = numbered[0]
    if not looks_like_header(header):
        raise InvalidFormat(
            "No Serato header row (name, artist, start time ...)", details={"line": header_line}
        )
    columns = {_COLUMNS[c.strip().lower()]: i for i, c in enumerate(header) if c.strip().lower() in _COLUMNS}

    def cell(row: list[str], name: str) -> str:
        i = columns.get(name)
        return cell_text(row[i]) if i is not None and i < len(row) else ""

    session_day: date | None = None
    session_start: datetime | None = None
    title: str | None = None
    notes: list[str] = []
    plays: list[Play] = []
    previous: datetime | None = None
    for line, row in numbered[1:]:
        start_text = cell(row, "start")
        stamp = read_stamp(start_text) if start_text else None
        if start_text and stamp is None:
            raise InvalidFormat(f"Unreadable start time {start_text[:40]!r}", details={"line": line})
        if stamp is not None and stamp[0] is not None:
            if session_day is None and not plays:
                # The session row: its name and its start, with the date the track rows lack.
                session_day = stamp[0]
                session_start = placed(stamp[0], stamp[1], stamp[2])
                title = cell(row, "title") or None
                previous = session_start
                continue
            day_given = stamp[0]
        else:
            day_given = None
        if not cell(row, "title") and not cell(row, "artist"):
            continue
        if "start" not in columns and not plays and title is None and not cell(row, "artist"):
            title = cell(row, "title")  # no start column: the session row is the first, artistless
            continue
        start: datetime | None = None
        if stamp is not None:
            day = day_given or (previous.date() if previous else session_day)
            if day is None:
                day = date(1970, 1, 1)
                if not any("no date" in n for n in notes):
                    notes.append(
                        "the file has no session row with a date: times are read on no particular day"
                    )
            start = placed(day, stamp[1], stamp[2])
            if (
                day_given is None
                and previous is not None
                and _comparable(start, previous)
                and start < previous - _ROLLBACK
            ):
                start += timedelta(days=1)
            previous = start if previous is None or not _comparable(start, previous) else max(start, previous)
        end = _end(cell(row, "end"), start, line)
        duration = read_duration(cell(row, "playtime")) if cell(row, "playtime") else None
        plays.append(
            Play(
                artist=cell(row, "artist"),
                title=cell(row, "title"),
                started_at=start if start is not None and start.tzinfo is not None else None,
                wall_clock=start if start is not None and start.tzinfo is None else None,
                ended_at=end,
                duration_seconds=duration,
                album=cell(row, "album") or None,
                genre=cell(row, "genre") or None,
                key=cell(row, "key") or None,
                label=cell(row, "label") or None,
                bpm=read_bpm(cell(row, "bpm")),
                deck=cell(row, "deck") or None,
                source_line=line,
            )
        )
    if not plays:
        raise InvalidFormat("No track rows in the file", details={"line": numbered[-1][0]})
    return History(
        plays=tuple(plays),
        format=fmt,
        recording_start=session_start if session_start is not None and session_start.tzinfo else None,
        title=title,
        notes=tuple(notes),
    )


def _comparable(a: datetime, b: datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)


def _end(text: str, start: datetime | None, line: int) -> datetime | None:
    if not text or start is None:
        return None
    stamp = read_stamp(text)
    if stamp is None:
        raise InvalidFormat(f"Unreadable end time {text[:40]!r}", details={"line": line})
    end = placed(stamp[0] or start.date(), stamp[1], stamp[2])
    if not _comparable(end, start):
        return None
    if end < start:
        end += timedelta(days=1)
    return end
