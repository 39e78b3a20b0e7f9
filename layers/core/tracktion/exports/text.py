"""Plain description text (SoundCloud, PeerTube, a blog post): numbered, timed lines.

Styles (`style`):
    numbered  01. [0:00] Artist - Title (Remix) [Label]        (default)
    timed     0:00 Artist - Title (Remix) [Label]
    plain     1. Artist - Title (Remix) [Label]
or a `template` of the caller's with these fields, each in braces: n (1, 2 ...), nn (01, 02 ...),
time, artist, title, remix, label, track (Artist - Title (Remix)), est ("~" when the time is
estimated, else empty). Only these names are read (anything else in braces stays as written).
Rows played together are `w/` lines under their track; an estimated time is marked `~` and a
closing line says which times are estimated.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from tracktion.exports.chapters import chapter_view, chapters, clock, track_name
from tracktion.tracklists.estimates import Estimated
from tracktion.tracklists.model import Track

Style = Literal["numbered", "timed", "plain"]
STYLES: dict[str, str] = {
    "numbered": "{nn}. [{est}{time}] {track}{label_part}",
    "timed": "{est}{time} {track}{label_part}",
    "plain": "{n}. {track}{label_part}",
}
FIELDS = ("n", "nn", "time", "artist", "title", "remix", "label", "track", "est")
_FIELD = re.compile(r"\{(" + "|".join(FIELDS) + r"|label_part)\}")
MAX_TEMPLATE = 300


def _fill(template: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), ""), template)


def _values(t: Track, n: int, width: int, start: float, estimated: bool, hours: bool) -> dict[str, str]:
    return {
        "n": str(n),
        "nn": str(n).zfill(width),
        "time": clock(start, hours=hours),
        "artist": t.artist,
        "title": t.title,
        "remix": t.remix or "",
        "label": t.label or "",
        "label_part": f" [{t.label}]" if t.label else "",
        "track": track_name(t),
        "est": "~" if estimated else "",
    }


def text(est: Estimated, *, style: Style = "numbered", template: str | None = None) -> dict[str, Any]:
    chs = chapters(est)
    line = template if template else STYLES[style]
    hours = any(c.start >= 3600 for c in chs)
    width = max(2, len(str(len(chs))))
    lines: list[str] = []
    for n, c in enumerate(chs, start=1):
        lead, *together = c.tracks
        lines.append(_fill(line, _values(lead, n, width, c.start, c.estimated, hours)).rstrip())
        for t in together:
            lines.append(f"    w/ {track_name(t)}" + (f" [{t.label}]" if t.label else ""))
    estimated = [c.positions[0] for c in chs if c.estimated]
    if estimated and "{est}" in line:
        lines += ["", "~ estimated time"]
    return {
        "text": "\n".join(lines) + "\n",
        "chapters": [chapter_view(c) for c in chs],
        "options": {"style": None if template else style, "template": template},
        "warnings": list(est.warnings),
    }
