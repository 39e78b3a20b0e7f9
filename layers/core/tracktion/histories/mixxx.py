"""Mixxx's history exports (History view: "Export playlist"), from Mixxx's own writer
(src/library/parsercsv.cpp):

- readable text: one row per entry, "01. 0:00:00 Artist - Title": position, the entry's time
  relative to the first entry (H:mm:ss, wrapping after 24 hours: a time running back is the
  next day) when timestamps are written, then "Artist - Title";
- CSV: the visible columns, every field quoted, CRLF, UTF-8; the history's "Timestamp" column
  (the time the entry was added) gives the start, read as wall clock unless it carries a zone.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

from tracktion.histories.model import History, InvalidFormat, Play
from tracktion.histories.reading import cell_text, decode_text, lines_of, placed, read_bpm, read_stamp

FORMAT_TEXT = "mixxx_text"
FORMAT_CSV = "mixxx_csv"
_ROW = re.compile(r"^\s*(\d{1,5})\.\s+(?:(\d{1,2}):(\d{2}):(\d{2})\s+)?(.*?)\s*$")
_TIME_COLUMNS = ("timestamp", "date added", "played", "datetime_added")


def looks_like_text(lines: list[str]) -> bool:
    rows = [line for line in lines if line.strip()]
    return bool(rows) and all(_ROW.match(line) and " - " in line for line in rows[:20])


def parse_text(data: bytes) -> History:
    lines = lines_of(decode_text(data))
    plays: list[Play] = []
    day = 0
    previous: float | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        m = _ROW.match(line)
        if not m:
            raise InvalidFormat("Not an '01. 0:00:00 Artist - Title' row", details={"line": number})
        offset: float | None = None
        if m[2] is not None:
            hours, minutes, seconds = int(m[2]), int(m[3]), int(m[4])
            if hours > 23 or minutes > 59 or seconds > 59:
                raise InvalidFormat("An impossible time", details={"line": number})
            offset = hours * 3600 + minutes * 60 + seconds + day * 86400
            if previous is not None and offset < previous:
                day += 1
                offset += 86400
            previous = offset
        artist, _, title = cell_text(m[5]).partition(" - ")
        if not title:
            artist, title = "", artist
        plays.append(Play(artist=artist, title=title, offset_seconds=offset, source_line=number))
    if not plays:
        raise InvalidFormat("No rows in the file", details={"line": 1})
    if any(p.offset_seconds is None for p in plays):
        plays = [Play(artist=p.artist, title=p.title, source_line=p.source_line) for p in plays]
    return History(plays=tuple(plays), format=FORMAT_TEXT)


def looks_like_csv_header(cells: list[str]) -> bool:
    names = {c.strip().lower() for c in cells}
    return {"artist", "title"} <= names and "start time" not in names


def parse_csv(data: bytes) -> History:
    text = decode_text(data)
    lines_of(text)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InvalidFormat(f"The CSV cannot be read: {exc}", details={"line": 1}) from exc
    numbered = [(i + 1, row) for i, row in enumerate(rows) if any(c.strip() for c in row)]
    if not numbered or not looks_like_csv_header(numbered[0][1]):
        raise InvalidFormat("No header row with Artist and Title", details={"line": 1})
    header = [c.strip().lower() for c in numbered[0][1]]

    def column(*names: str) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    at = {
        "artist": column("artist"),
        "title": column("title"),
        "album": column("album"),
        "genre": column("genre"),
        "key": column("key"),
        "bpm": column("bpm"),
        "time": column(*_TIME_COLUMNS),
    }
    plays: list[Play] = []
    previous: datetime | None = None
    for number, row in numbered[1:]:

        def cell(name: str, row: list[str] = row) -> str:
            i = at[name]
            return cell_text(row[i]) if i is not None and i < len(row) else ""

        start = _timestamp(cell("time"), number) if cell("time") else None
        if start is not None and previous is not None and (start.tzinfo is None) != (previous.tzinfo is None):
            raise InvalidFormat("Timestamps with and without a zone", details={"line": number})
        previous = start or previous
        plays.append(
            Play(
                artist=cell("artist"),
                title=cell("title"),
                started_at=start if start is not None and start.tzinfo is not None else None,
                wall_clock=start if start is not None and start.tzinfo is None else None,
                album=cell("album") or None,
                genre=cell("genre") or None,
                key=cell("key") or None,
                bpm=read_bpm(cell("bpm")),
                source_line=number,
            )
        )
    if not plays:
        raise InvalidFormat("No track rows in the file", details={"line": numbered[-1][0]})
    if any(p.started_at is None and p.wall_clock is None for p in plays):
        plays = [Play(artist=p.artist, title=p.title, source_line=p.source_line) for p in plays]
    return History(plays=tuple(plays), format=FORMAT_CSV)


def _timestamp(text: str, line: int) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if re.match(r"^\d{4}-", text) else text)
    except ValueError:
        stamp = read_stamp(text)
        if stamp is None or stamp[0] is None:
            raise InvalidFormat(f"Unreadable timestamp {text[:40]!r}", details={"line": line}) from None
        return placed(stamp[0], stamp[1], stamp[2])
    if value.year < 1990 or value.year > 2100:
        raise InvalidFormat("A timestamp out of range", details={"line": line})
    return value + timedelta(0)
