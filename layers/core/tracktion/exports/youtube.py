"""YouTube chapters: timestamp lines for a video description.

YouTube makes chapters from a description when (YouTube Help, "Video chapters"): the first
timestamp is 0:00, there are at least three timestamps in ascending order, and each chapter
lasts at least 10 seconds. A timestamp is `M:SS` or `H:MM:SS` followed by a space and the
title. Descriptions may not contain `<` or `>` and hold at most 5,000 characters.

Where the tracklist as given breaks a rule, the answer names the rule and the tracks
(`violations`) and gives the nearest valid form (`changes` says what was done): a chapter
shorter than 10 s (or not after the one before) is merged into its neighbour
(`short_chapters="merge"`, the default) or left out (`"drop"`); a first chapter after 0:00 is
moved to 0:00 when it starts within the first 10 s, else an "Intro" chapter is put at 0:00.
Fewer than three chapters cannot be fixed: `valid` is false and YouTube will show no chapters.
"""

from __future__ import annotations

from typing import Any, Literal

from tracktion.contract import warning
from tracktion.exports.chapters import Chapter, chapter_view, chapters, clock
from tracktion.tracklists.estimates import Estimated, position_ranges

MIN_CHAPTERS = 3
MIN_SECONDS = 10.0
MAX_DESCRIPTION = 5000
INTRO = "Intro"

ShortChapters = Literal["merge", "drop"]
Hours = Literal["auto", "always"]


def _violation(rule: str, tracks: list[int], message: str) -> dict[str, Any]:
    return {"rule": rule, "tracks": tracks, "message": message}


def _short(chs: list[Chapter]) -> int | None:
    """The first chapter shorter than MIN_SECONDS (or not after the one before), if any."""
    for i, c in enumerate(chs):
        nxt = chs[i + 1].start if i + 1 < len(chs) else c.end
        if nxt is not None and nxt - c.start < MIN_SECONDS:
            return i
    return None


def _fix_short(chs: list[Chapter], mode: ShortChapters) -> tuple[list[Chapter], list[dict[str, Any]]]:
    changes: list[dict[str, Any]] = []
    chs = list(chs)
    while len(chs) > 1 and (i := _short(chs)) is not None:
        c = chs[i]
        if mode == "drop":
            del chs[i]
            if i > 0:
                chs[i - 1].end = chs[i].start if i < len(chs) else c.end
            else:
                chs[0].start = c.start  # the first chapter keeps the mix's start
            changes.append({"action": "dropped", "tracks": c.positions})
            continue
        if i > 0:  # merged into the chapter before, which now runs on to this one's end
            into = chs[i - 1]
            target = into.positions
            into.end = c.end
            into.extra_titles.append(c.title)
            into.absorbed += c.positions
            del chs[i]
        else:  # the first is too short: it takes in the next one (and keeps the start)
            nxt = chs[1]
            target = nxt.positions
            c.end = nxt.end
            c.extra_titles.append(nxt.title)
            c.absorbed += nxt.positions
            del chs[1]
        changes.append(
            {"action": "merged", "tracks": c.positions if i > 0 else c.positions[:1], "into": target}
        )
    return chs, changes


def youtube(
    est: Estimated,
    *,
    short_chapters: ShortChapters = "merge",
    hours: Hours = "auto",
    note: bool = True,
) -> dict[str, Any]:
    """The description text and its chapters, with every rule the tracklist breaks named."""
    chs = chapters(est)
    violations: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for i, c in enumerate(chs[1:], start=1):
        if c.start <= chs[i - 1].start:
            violations.append(
                _violation(
                    "ascending",
                    c.positions,
                    f"Track {c.positions[0]} does not start after track {chs[i - 1].positions[0]}; "
                    "YouTube wants timestamps in ascending order",
                )
            )
    for i, c in enumerate(chs):
        nxt = chs[i + 1].start if i + 1 < len(chs) else c.end
        if nxt is not None and 0 < nxt - c.start < MIN_SECONDS:
            violations.append(
                _violation(
                    "min_length",
                    c.positions,
                    f"Track {c.positions[0]} lasts {nxt - c.start:.1f} s; a chapter must last at least "
                    f"{MIN_SECONDS:g} s (short_chapters=merge merges it, =drop leaves it out)",
                )
            )
    if chs and chs[0].start > 0:
        first = chs[0]
        violations.append(
            _violation(
                "first_at_zero",
                first.positions,
                f"The first track starts at {clock(first.start)}; YouTube's first chapter must be at 0:00",
            )
        )
        if first.start < MIN_SECONDS:
            changes.append(
                {"action": "moved_to_zero", "tracks": first.positions, "from_seconds": first.start}
            )
            first.start = 0.0
        else:
            chs.insert(0, Chapter(0.0, first.start, [], False, [INTRO]))
            changes.append({"action": "intro_added", "tracks": [], "until_seconds": first.start})
    chs, fixed = _fix_short(chs, short_chapters)
    changes += fixed
    if len(chs) < MIN_CHAPTERS:
        violations.append(
            _violation(
                "min_chapters",
                [p for c in chs for p in c.positions],
                f"{len(chs)} chapter(s); YouTube needs at least {MIN_CHAPTERS} to show chapters",
            )
        )
    always = hours == "always"
    lines = [f"{clock(c.start, hours=always)} {_clean(c.title)}" for c in chs]
    estimated = sorted(p for c in chs if c.estimated for p in c.positions[:1])
    warnings = list(est.warnings)
    if estimated and note:
        lines += ["", f"(Times of tracks {position_ranges(estimated)} are estimated.)"]
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_DESCRIPTION:
        warnings.append(
            warning(
                "description_too_long",
                f"The chapters take {len(text)} characters; a YouTube description holds {MAX_DESCRIPTION}",
            )
        )
    return {
        "text": text,
        "valid": len(chs) >= MIN_CHAPTERS,
        "chapters": [
            chapter_view(c, timestamp=clock(c.start, hours=always), title=_clean(c.title)) for c in chs
        ],
        "violations": violations,
        "changes": changes,
        "options": {"short_chapters": short_chapters, "hours": hours},
        "warnings": warnings,
    }


def _clean(title: str) -> str:
    """A title YouTube accepts: one line, no angle brackets (descriptions refuse `<` and `>`)."""
    return " ".join(title.replace("<", "\u2039").replace(">", "\u203a").split()) or "Untitled"
