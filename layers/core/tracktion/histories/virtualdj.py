"""VirtualDJ's histories: `History/<YYYY-MM-DD>.m3u` and `History/tracklist.txt`.

The .m3u: each track is an `#EXTVDJ:` line of tags, then its path line:
    #EXTVDJ:<time>21:39</time><lastplaytime>1674884385</lastplaytime><filesize>..</filesize>
      <artist>..</artist><title>..</title>[<remix>..</remix>]<songlength>secs</songlength>
`<lastplaytime>` is Unix seconds (an instant; a value beyond 1e11 is read as milliseconds),
`<time>` the local wall clock (HH:MM, dated by the file's name when it is sent, else undated).
A playlist .m3u has the same lines without either time: the order only.

tracklist.txt: sessions appended one after another, each "VirtualDJ History YYYY/MM/DD", a
dashed line, then "HH:MM : Artist - Title"; the last session is read (a note says how many
earlier ones the file holds). A time running back past midnight is on the next day.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

from tracktion.histories.model import History, InvalidFormat, Play
from tracktion.histories.reading import cell_text, decode_text, lines_of, read_bpm, read_clock

FORMAT_M3U = "virtualdj_m3u"
FORMAT_TRACKLIST = "virtualdj_tracklist"
EXTVDJ = "#EXTVDJ:"
_TAG = re.compile(r"<(\w+)>(.*?)</\1>", re.DOTALL)
_SESSION = re.compile(r"^\s*VirtualDJ History\s+(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})", re.IGNORECASE)
_LINE = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*:\s*(.+?)\s*$")
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ROLLBACK = timedelta(hours=6)


def _nfc(text: str) -> str:
    return cell_text(html.unescape(text))


def _day_from(filename: str | None) -> date | None:
    m = _FILE_DATE.search(filename or "")
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _epoch(text: str, line: int) -> datetime | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if value > 1e11:
        value /= 1000  # milliseconds
    if not 631152000 <= value <= 4102444800:
        raise InvalidFormat("lastplaytime is out of range", details={"line": line})
    return datetime.fromtimestamp(value, UTC)


def parse_m3u(data: bytes, filename: str | None = None) -> History:
    lines = lines_of(decode_text(data))
    day = _day_from(filename)
    plays: list[Play] = []
    notes: list[str] = []
    previous: datetime | None = None
    for number, line in enumerate(lines, start=1):
        if not line.startswith(EXTVDJ):
            continue
        tags = {k.lower(): _nfc(v) for k, v in _TAG.findall(line[len(EXTVDJ) :])}
        artist, title = tags.get("artist", ""), tags.get("title", "")
        if not title:
            path = next(
                (p.strip() for p in lines[number : number + 1] if p.strip() and not p.startswith("#")), ""
            )
            title = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        started = _epoch(tags["lastplaytime"], number) if tags.get("lastplaytime") else None
        wall: datetime | None = None
        if started is None and tags.get("time"):
            clock = read_clock(tags["time"])
            if clock is None:
                raise InvalidFormat(f"Unreadable <time> {tags['time'][:20]!r}", details={"line": number})
            wall = datetime.combine(day or date(1970, 1, 1), clock)
            if previous is not None and wall < previous - _ROLLBACK:
                wall += timedelta(days=1)
            previous = wall
        plays.append(
            Play(
                artist=artist,
                title=title,
                remix=tags.get("remix") or None,
                started_at=started,
                wall_clock=wall,
                album=tags.get("album") or None,
                genre=tags.get("genre") or None,
                bpm=read_bpm(tags.get("bpm")),
                key=tags.get("key") or None,
                played=True,
                source_line=number,
            )
        )
    if not plays:
        raise InvalidFormat("No #EXTVDJ lines in the file", details={"line": 1})
    if any(p.wall_clock is not None for p in plays) and day is None:
        notes.append("the file's name carries no date: <time> is read on no particular day")
    return History(plays=tuple(plays), format=FORMAT_M3U, notes=tuple(notes))


def parse_tracklist(data: bytes) -> History:
    lines = lines_of(decode_text(data))
    sessions: list[tuple[date, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines, start=1):
        if m := _SESSION.match(line):
            try:
                sessions.append((date(int(m[1]), int(m[2]), int(m[3])), []))
            except ValueError as exc:
                raise InvalidFormat("An impossible session date", details={"line": number}) from exc
        elif sessions and line.strip() and not set(line.strip()) <= {"-", "="}:
            sessions[-1][1].append((number, line))
    if not sessions:
        raise InvalidFormat("No 'VirtualDJ History' header", details={"line": 1})
    day, rows = sessions[-1]
    plays: list[Play] = []
    previous: datetime | None = None
    for number, line in rows:
        m = _LINE.match(line)
        if not m:
            raise InvalidFormat("Not a 'HH:MM : Artist - Title' line", details={"line": number})
        clock = read_clock(m[1])
        if clock is None:
            raise InvalidFormat(f"Unreadable time {m[1]!r}", details={"line": number})
        wall = datetime.combine(day, clock)
        if previous is not None and wall < previous - _ROLLBACK:
            wall += timedelta(days=1)
        previous = wall
        artist, _, title = _nfc(m[2]).partition(" - ")
        if not title:
            artist, title = "", artist
        plays.append(Play(artist=artist.strip(), title=title.strip(), wall_clock=wall, source_line=number))
    if not plays:
        raise InvalidFormat("The last session has no tracks", details={"line": len(lines)})
    notes = []
    if len(sessions) > 1:
        notes.append(f"the file holds {len(sessions)} sessions: the last one ({day.isoformat()}) was read")
    return History(plays=tuple(plays), format=FORMAT_TRACKLIST, title=None, notes=tuple(notes))
