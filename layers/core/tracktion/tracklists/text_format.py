"""Plain-text tracklists as people paste them from video descriptions and forums.

Accepted line shapes (numbering, brackets and the time are each optional):
    00:00 Artist - Title (Remix) [Label]
    1:02:03 Artist - Title
    01. [12:30] Artist - Title (en or em dashes too)
    3) Artist - Title 12:30          (a time at the end)
    w/ Artist - Title                (played together with the previous track)
    ID - ID                          (kept, marked unidentified)
Lines without an "Artist - Title" separator (headers like "Second Set:", blank lines,
"Tracklist:") are ignored. Times are read by `tracktion.timeparse.clock_time` (one that cannot
be meant, such as 4:75, is unknown). A time of 0 on any but the first track means "unknown".
"""

from __future__ import annotations

import re

from tracktion.errors import ValidationFailed
from tracktion.timeparse import clock_time
from tracktion.tracklists.model import UNIDENTIFIED, Track

MAX_LINES = 2000
_TIME = r"(?:\d{1,2}:)?\d{1,3}:\d{2}"
_LEAD = re.compile(
    rf"^\s*(?:(?P<wt>w/)\s*|(?:#?\d{{1,3}}\s*[.):\-]?\s+)?)?"
    rf"(?:[\[(]?(?P<time>{_TIME})[\])]?\s*[-\u2013\u2014|:]?\s+)?(?P<rest>.+?)\s*$",
    re.IGNORECASE,
)
_TRAIL_TIME = re.compile(rf"^(?P<rest>.+?)\s+[\[(]?(?P<time>{_TIME})[\])]?$")
_SEPARATOR = re.compile("\\s+[-\u2013\u2014]\\s+")
_LABEL = re.compile(r"\s*\[(?P<label>[^\[\]]+)\]\s*$")
_REMIX = re.compile(r"\s*\((?P<remix>[^()]+)\)\s*$")
_REMIX_WORDS = re.compile(
    r"\b(remix|mix|edit|rework|bootleg|dub|version|vip|mashup|flip|refix|rmx|acappella|instrumental|"
    r"re-?edit|cut|remaster(ed)?)\b",
    re.IGNORECASE,
)


class TextTracklistEmpty(ValidationFailed):
    error_code = "NO_TRACKS_FOUND"


def _line_track(line: str) -> tuple[bool, float | None, str, str, str | None, str | None] | None:
    m = _LEAD.match(line)
    if not m:
        return None
    with_previous = bool(m["wt"])
    time_text = m["time"]
    rest = m["rest"]
    if time_text is None and (trail := _TRAIL_TIME.match(rest)):
        time_text, rest = trail["time"], trail["rest"]
    parts = _SEPARATOR.split(rest, maxsplit=1)
    if len(parts) != 2:
        return None
    artist, title = parts[0].strip(), parts[1].strip()
    label = None
    if lm := _LABEL.search(title):
        label, title = lm["label"].strip(), title[: lm.start()].strip()
    remix = None
    if (rm := _REMIX.search(title)) and _REMIX_WORDS.search(rm["remix"]):
        remix, title = rm["remix"].strip(), title[: rm.start()].strip()
    if not artist or not title:
        return None
    return with_previous, clock_time(time_text), artist, title, remix, label


def parse_text_tracklist(text: str) -> list[Track]:
    """Tracks in the order given; TextTracklistEmpty when no line is a track."""
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ValidationFailed("Too many lines", details={"max_lines": MAX_LINES})
    tracks: list[Track] = []
    for line in lines:
        parsed = _line_track(line)
        if parsed is None:
            continue
        with_previous, start, artist, title, remix, label = parsed
        position = len(tracks) + 1
        if start == 0 and position > 1:
            start = None
        tracks.append(
            Track(
                position=position,
                artist=artist,
                title=title,
                remix=remix,
                label=label,
                start_time=start,
                played_with_previous=with_previous and position > 1,
                is_unidentified=artist.upper() == UNIDENTIFIED or title.upper() == UNIDENTIFIED,
            )
        )
    if not tracks:
        raise TextTracklistEmpty("No 'Artist - Title' lines found in the text")
    return tracks
