"""Traktor's history NML (`History/history_<date>.nml`).

The history is the playlist node named HISTORY (TYPE="PROTOCOL"): each ENTRY has a PRIMARYKEY
(KEY "volume/:dir/:file") and an EXTENDEDDATA with EXTENDEDTYPE="HistoryData": DECK, DURATION
(seconds the deck played, not the time until the next entry), PLAYEDPUBLIC (0: heard only in
the headphones / not through the master), STARTDATE packed as year<<16 | month<<8 | day and
STARTTIME in seconds after local midnight. No zone is stored: the times are wall clock (the
`timezone` option places them; without it they only order and space the tracks).
Artist and title come from the COLLECTION entry whose LOCATION (VOLUME + DIR + FILE) is the
key; a key without one gives the file's name as the title.

The document is read with the standard library's expat parser; a DOCTYPE (entity declarations:
no NML has one) is refused before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from tracktion.histories.model import History, InvalidFormat, Play
from tracktion.histories.reading import cell_text, decode_text

FORMAT = "traktor_nml"
MAX_ENTRIES = 20_000
_LEADING_NUMBER = re.compile(r"^\d{1,3}[\s._-]+")


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and 0 <= number < 10 * 86400 else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _start(entry_no: int, date_value: str | None, time_value: str | None) -> datetime | None:
    packed, seconds = _int(date_value), _int(time_value)
    if packed is None or seconds is None:
        return None
    try:
        day = date(packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF)
    except ValueError as exc:
        raise InvalidFormat(
            f"Entry {entry_no} has an impossible STARTDATE", details={"entry": entry_no, "value": date_value}
        ) from exc
    if not 0 <= seconds < 2 * 86400:
        raise InvalidFormat(
            f"Entry {entry_no} has an impossible STARTTIME", details={"entry": entry_no, "value": time_value}
        )
    return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)


def parse_nml(data: bytes) -> History:
    text = decode_text(data)
    if "<!DOCTYPE" in text[:4096].upper() or "<!ENTITY" in text.upper():
        raise InvalidFormat("A DOCTYPE or entity declaration in the NML", details={"offset": 0})
    try:
        # No DOCTYPE (refused above), so no entities; expat >= 2.4.1 also caps amplification.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError as exc:
        line, column = exc.position
        raise InvalidFormat(
            f"The NML is not well-formed XML: {exc}", details={"line": line, "column": column}
        ) from exc
    if root.tag != "NML":
        raise InvalidFormat("Not a Traktor NML document", details={"line": 1})
    collection: dict[str, ET.Element] = {}
    for entry in root.iterfind("./COLLECTION/ENTRY"):
        location = entry.find("LOCATION")
        if location is not None:
            key = f"{location.get('VOLUME', '')}{location.get('DIR', '')}{location.get('FILE', '')}"
            collection[key] = entry
    history = [
        playlist
        for node in root.iter("NODE")
        if node.get("TYPE") == "PLAYLIST"
        for playlist in node.iterfind("PLAYLIST")
        if any(x.get("EXTENDEDTYPE") == "HistoryData" for x in playlist.iter("EXTENDEDDATA"))
    ]
    if not history:
        raise InvalidFormat("The NML has no history playlist (EXTENDEDDATA HistoryData)", details={"line": 1})
    notes: list[str] = []
    if len(history) > 1:
        notes.append(f"the NML has {len(history)} history playlists: the first was read")
    plays: list[Play] = []
    for number, entry in enumerate(history[0].iterfind("ENTRY"), start=1):
        if number > MAX_ENTRIES:
            raise InvalidFormat("Too many entries", details={"entry": number, "max_entries": MAX_ENTRIES})
        extended = entry.find("EXTENDEDDATA")
        key_el = entry.find("PRIMARYKEY")
        key = key_el.get("KEY", "") if key_el is not None else ""
        track = collection.get(key)
        artist = cell_text(track.get("ARTIST")) if track is not None else ""
        title = cell_text(track.get("TITLE")) if track is not None else ""
        if not title:
            stem = key.rsplit("/:", 1)[-1].rsplit(".", 1)[0]
            title = _LEADING_NUMBER.sub("", cell_text(stem)) or cell_text(stem)
        info = track.find("INFO") if track is not None else None
        tempo = track.find("TEMPO") if track is not None else None
        album = track.find("ALBUM") if track is not None else None
        attrs = extended.attrib if extended is not None else {}
        start = _start(number, attrs.get("STARTDATE"), attrs.get("STARTTIME"))
        duration = _float(attrs.get("DURATION"))
        plays.append(
            Play(
                artist=artist,
                title=title,
                wall_clock=start,
                duration_seconds=duration,
                ended_at=start + timedelta(seconds=duration) if start and duration is not None else None,
                played=attrs.get("PLAYEDPUBLIC", "1") != "0",
                label=cell_text(info.get("LABEL")) or None if info is not None else None,
                genre=cell_text(info.get("GENRE")) or None if info is not None else None,
                key=cell_text(info.get("KEY")) or None if info is not None else None,
                album=cell_text(album.get("TITLE")) or None if album is not None else None,
                bpm=_float(tempo.get("BPM")) if tempo is not None else None,
                deck=attrs.get("DECK"),
                file_path=key or None,
                source_entry=number,
            )
        )
    if not plays:
        raise InvalidFormat("The history playlist has no entries", details={"line": 1})
    if any(p.wall_clock is None for p in plays) and any(p.wall_clock is not None for p in plays):
        plays = [p for p in plays if p.wall_clock is not None]
        notes.append("entries without STARTDATE/STARTTIME were left out")
    return History(plays=tuple(plays), format=FORMAT, notes=tuple(notes))
