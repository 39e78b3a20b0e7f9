"""rekordbox's playlist export ("Export a playlist to a file" .txt), history playlists included.

UTF-16LE with a BOM, TAB-separated, CRLF; the header names the columns the user shows in the
browser ("#", "Track Title", "Artist", "BPM", "Time", "Key", "Genre", "Date Added", ...), in
the user's order. No play time at all ("Time" is the track's length, "Date Added" the library
date): the tracks come in the file's order without start times (estimation or the user adds
them). A row with another number of fields than the header (exports with other visible
columns spliced together) keeps the header's title and artist positions and nothing else.
"""

from __future__ import annotations

from tracktion.histories.model import History, InvalidFormat, Play
from tracktion.histories.reading import cell_text, decode_text, lines_of, read_bpm

FORMAT = "rekordbox_txt"
_NAMES = {
    "track title": "title",
    "title": "title",
    "artist": "artist",
    "album": "album",
    "genre": "genre",
    "bpm": "bpm",
    "key": "key",
    "label": "label",
    "remixer": "remixer",
}


def looks_like_header(line: str) -> bool:
    cells = {c.strip().lower() for c in line.split("\t")}
    return "\t" in line and "track title" in cells and "artist" in cells


def parse_txt(data: bytes) -> History:
    lines = lines_of(decode_text(data))
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None or not looks_like_header(lines[header_at]):
        raise InvalidFormat(
            "No rekordbox header row (#, Track Title, Artist ...)", details={"line": (header_at or 0) + 1}
        )
    header = [c.strip().lower() for c in lines[header_at].split("\t")]
    columns = {_NAMES[c]: i for i, c in enumerate(header) if c in _NAMES}
    plays: list[Play] = []
    spliced = 0
    for number, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        same_shape = len(cells) == len(header)
        spliced += not same_shape

        def cell(name: str, cells: list[str] = cells, same_shape: bool = same_shape) -> str:
            i = columns.get(name)
            if i is None or i >= len(cells) or (not same_shape and name not in ("title", "artist")):
                return ""
            return cell_text(cells[i])

        if not cell("title") and not cell("artist"):
            continue
        plays.append(
            Play(
                artist=cell("artist"),
                title=cell("title"),
                album=cell("album") or None,
                genre=cell("genre") or None,
                key=cell("key") or None,
                label=cell("label") or None,
                bpm=read_bpm(cell("bpm")),
                source_line=number,
            )
        )
    if not plays:
        raise InvalidFormat("No track rows in the file", details={"line": len(lines)})
    notes = []
    if spliced:
        notes.append(
            f"{spliced} rows have other columns than the header: only their title and artist were read"
        )
    return History(plays=tuple(plays), format=FORMAT, notes=tuple(notes))
