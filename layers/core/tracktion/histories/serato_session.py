"""Serato's binary history sessions (`_Serato_/History/Sessions/<n>.session`).

Big-endian chunks `tag(4) length(u32) body`: one `vrsn` (UTF-16BE "1.0/Serato Scratch LIVE
Review", Serato DJ too), then one `oent` per history entry wrapping one `adat` chunk of fields
`id(u32) length(u32) value`. The fields read (meanings as whats-now-playing uses them and the
samples confirm): 1 row id, 2 file path, 6 title, 7 artist, 8 album, 9 genre, 15 bpm,
21 label, 28 start and 29 end (Unix seconds: u32 or u64), 31 deck, 45 playtime (seconds),
50 played flag, 51 key. Strings are UTF-16BE ending in NUL.

Entries may be stored twice (the same row id): the first is kept. An entry without an end is
a session still open when the file was copied (its track has no end). Played flag 0 is a deck
load Serato itself did not count as played. Paths are NFD on macOS, tags NFC: all text is
read as NFC. An entry without an artist whose title reads "Artist - Title" (a video or a
file without tags) is split there.
"""

from __future__ import annotations

import struct
import unicodedata
from datetime import UTC, datetime

from tracktion.histories.model import History, InvalidFormat, Play

FORMAT = "serato_session"
MAGIC = b"vrsn"
MAX_ENTRIES = 20_000
_STRINGS = {2: "file_path", 6: "title", 7: "artist", 8: "album", 9: "genre", 21: "label", 51: "key"}
# Any start or end outside 1990-2100 is a corrupt field, not a time.
_EARLIEST, _LATEST = 631152000, 4102444800


def _chunks(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(tag, body offset, body end) of each chunk in data[start:end]."""
    out: list[tuple[bytes, int, int]] = []
    pos = start
    while pos < end:
        if end - pos < 8:
            raise InvalidFormat("A chunk header is cut short", details={"offset": pos})
        tag = data[pos : pos + 4]
        (length,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        body = pos + 8
        if body + length > end:
            raise InvalidFormat("A chunk runs past the end of the file", details={"offset": pos})
        out.append((tag, body, body + length))
        pos = body + length
    return out


def _fields(data: bytes, start: int, end: int) -> dict[int, tuple[int, bytes]]:
    fields: dict[int, tuple[int, bytes]] = {}
    pos = start
    while pos < end:
        if end - pos < 8:
            raise InvalidFormat("A field header is cut short", details={"offset": pos})
        field_id, length = struct.unpack(">II", data[pos : pos + 8])
        if pos + 8 + length > end:
            raise InvalidFormat("A field runs past its entry", details={"offset": pos})
        fields.setdefault(field_id, (pos, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length
    return fields


def _text(raw: bytes, offset: int) -> str:
    if len(raw) % 2:
        raise InvalidFormat("A text field has an odd length", details={"offset": offset})
    try:
        value = raw.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise InvalidFormat("A text field is not UTF-16", details={"offset": offset}) from exc
    return unicodedata.normalize("NFC", value.split("\x00", 1)[0]).strip()


def _number(raw: bytes) -> int | None:
    return int.from_bytes(raw, "big") if len(raw) in (1, 2, 4, 8) else None


def _instant(raw: tuple[int, bytes] | None) -> datetime | None:
    if raw is None:
        return None
    offset, value = raw
    seconds = _number(value)
    if seconds is None or seconds == 0:
        return None
    if not _EARLIEST <= seconds <= _LATEST:
        raise InvalidFormat("A time field is out of range", details={"offset": offset})
    return datetime.fromtimestamp(seconds, UTC)


def parse_session(data: bytes) -> History:
    if not data.startswith(MAGIC):
        raise InvalidFormat("Not a Serato session (no vrsn chunk)", details={"offset": 0})
    chunks = _chunks(data, 0, len(data))
    seen: set[int] = set()
    plays: list[Play] = []
    notes: list[str] = []
    twice = 0
    for tag, body, end in chunks:
        if tag != b"oent":
            continue
        inner = _chunks(data, body, end)
        adat = next(((b, e) for t, b, e in inner if t == b"adat"), None)
        if adat is None:
            raise InvalidFormat("An entry without its adat chunk", details={"offset": body - 8})
        fields = _fields(data, *adat)
        row = fields.get(1)
        row_id = _number(row[1]) if row else None
        if row_id is not None:
            if row_id in seen:
                twice += 1
                continue
            seen.add(row_id)
        if len(plays) >= MAX_ENTRIES:
            raise InvalidFormat("Too many entries", details={"offset": body - 8, "max_entries": MAX_ENTRIES})
        text = {name: _text(fields[i][1], fields[i][0]) for i, name in _STRINGS.items() if i in fields}
        artist, title = text.get("artist", ""), text.get("title", "")
        path = text.get("file_path")
        if not title and path:
            title = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if not artist and " - " in title:
            artist, title = (part.strip() for part in title.split(" - ", 1))
        start = _instant(fields.get(28))
        end_at = _instant(fields.get(29))
        if start is not None and end_at is not None and end_at < start:
            end_at = None
        played = fields.get(50)
        playtime = _number(fields[45][1]) if 45 in fields else None
        deck = _number(fields[31][1]) if 31 in fields else None
        bpm = _number(fields[15][1]) if 15 in fields else None
        plays.append(
            Play(
                artist=artist,
                title=title,
                started_at=start,
                ended_at=end_at,
                duration_seconds=float(playtime) if playtime and end_at is not None else None,
                played=_number(played[1]) != 0 if played else True,
                album=text.get("album") or None,
                genre=text.get("genre") or None,
                label=text.get("label") or None,
                key=text.get("key") or None,
                bpm=float(bpm) if bpm and 0 < bpm < 1000 else None,
                deck=str(deck) if deck is not None else None,
                file_path=path,
                source_offset=body - 8,
            )
        )
    if not plays:
        raise InvalidFormat("The session has no entries", details={"offset": len(data)})
    if twice:
        notes.append(f"{twice} entries were stored twice in the session file and read once")
    if any(p.started_at is None for p in plays):
        plays = [p for p in plays if p.started_at is not None] or plays
        notes.append("entries without a start time were left out")
    if plays[-1].ended_at is None and plays[-1].started_at is not None:
        notes.append("the session was still open: its last track has no end")
    return History(plays=tuple(plays), format=FORMAT, notes=tuple(notes))
