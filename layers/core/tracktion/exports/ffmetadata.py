"""FFmpeg's metadata file (FFMETADATA1) with one chapter per slot of the mix.

    ;FFMETADATA1
    title=...
    artist=...

    [CHAPTER]
    TIMEBASE=1/1000
    START=0
    END=150000
    title=Artist - Title

`ffmpeg -i mix.mp3 -i chapters.txt -map_metadata 1 -codec copy out.mp3` writes the chapters.
Titles are cut to MAX_TITLE_BYTES by default (FFmpeg's MP3 chapters lose longer ones).
Per FFmpeg's format documentation, `=`, `;`, `#`, `\\` and a newline in a key or value are
escaped with a backslash; lines starting with `;` or `#` are comments (we say there which
starts are estimated). Each chapter ends where the next begins; the last at the set's end, or,
when that is unknown, one typical slot later (said in a warning).
"""

from __future__ import annotations

import re
from typing import Any

from tracktion.contract import warning
from tracktion.exports.chapters import Chapter, chapter_view, chapters
from tracktion.tracklists.estimates import Estimated, median_slot, position_ranges
from tracktion.tracklists.model import Tracklist

HEADER = ";FFMETADATA1"
# FFmpeg 5.1 (Debian 12) loses an MP3 chapter's title (ffprobe reads "ch1") when the title is
# longer than about 115 bytes (measured: 116 and 126+ failed); titles are cut to this many
# UTF-8 bytes unless the caller asks otherwise (`max_title`, 0 = never cut).
MAX_TITLE_BYTES = 100
_SPECIAL = re.compile(r"([=;#\\\n])")


def escape(value: str) -> str:
    """A value as FFMETADATA1 reads it back: `=;#\\` and newlines escaped with a backslash."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(1), value.replace("\r\n", "\n").replace("\r", "\n"))


def shorten(title: str, limit: int) -> str:
    """`title` in at most `limit` UTF-8 bytes, cut at a character and marked with "..."."""
    raw = title.encode("utf-8")
    if not limit or len(raw) <= limit:
        return title
    return raw[: max(1, limit - 3)].decode("utf-8", errors="ignore").rstrip() + "..."


def ffmetadata(tracklist: Tracklist, est: Estimated, *, max_title: int = MAX_TITLE_BYTES) -> dict[str, Any]:
    chs = chapters(est)
    warnings = list(est.warnings)
    # Chapters must rise strictly (to the millisecond written): one that does not start after
    # the one before joins it.
    rising: list[Chapter] = []
    for c in chs:
        if rising and round(c.start * 1000) <= round(rising[-1].start * 1000):
            rising[-1].extra_titles.append(c.title)
            rising[-1].end = c.end
            warnings.append(
                warning(
                    "chapter_merged",
                    f"Track {c.positions[0]} does not start after the track before it; "
                    "its title joined that chapter",
                )
            )
            continue
        rising.append(c)
    if rising and rising[-1].end is None:
        typical = median_slot([c.start for c in rising], None)
        rising[-1].end = rising[-1].start + typical
        warnings.append(
            warning(
                "end_estimated",
                "The set's length is unknown; the last chapter ends one typical slot "
                f"({typical:.0f} s) after it starts",
            )
        )
    lines = [HEADER]
    if tracklist.title:
        lines.append(f"title={escape(tracklist.title)}")
    if tracklist.performer:
        lines.append(f"artist={escape(tracklist.performer)}")
    estimated = [c.positions[0] for c in rising if c.estimated]
    if estimated:
        lines.append(f"; start times of tracks {position_ranges(estimated)} are estimated")
    cut = [c.positions[0] for c in rising if shorten(c.title, max_title) != c.title]
    if cut:
        warnings.append(
            warning(
                "titles_shortened",
                f"Chapter titles of tracks {position_ranges(cut)} were cut to {max_title} bytes "
                "(FFmpeg's MP3 chapter writer loses longer titles; max_title=0 keeps them whole)",
                severity="info",
            )
        )
    for c in rising:
        start = round(c.start * 1000)
        end = max(start + 1, round((c.end or c.start) * 1000))
        lines += [
            "",
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={start}",
            f"END={end}",
            f"title={escape(shorten(c.title, max_title))}",
        ]
    return {
        "text": "\n".join(lines) + "\n",
        "chapters": [chapter_view(c) for c in rising],
        "warnings": warnings,
    }
