"""Text tracklists as people paste them: MixesDB lists, video and SoundCloud descriptions.

Line shapes (numbering, bullets, cues and labels each optional):
    00:00 Artist - Title (Remix) [Label]
    1:02:03 Artist - Title
    01. [12:30] Artist - Title        (en or em dashes too; "1 - ", "1)", "01.Artist", "- " bullets)
    3) Artist - Title 12:30           (a cue written after the track, "12:30- CHAPTER" too)
    w/ Artist - Title                 (played together with the previous track)
    ID - ID                           (kept, marked unidentified)
MixesDB (mixesdb.com Help:Tracklists), with or without the wiki's "# ":
    # [15] Artist - Title [Label]     cue in whole minutes, [NNN] past 59 ([069], [114])
    [01:04] / [1:02:03]               clock cues
    [??] [???] / [1??] [3?] [02?]     unknown / partly known cue: no start (a warning says so)
    [27] ?                            an unknown track ("Artist - ?": unknown title)
    ...                               a gap (tracks missing there): not a track
    ;Part 1                           a section header: not a track
    '''Bold:''' Artist - Title        wiki bold before the track and ''italics'' around it dropped
    [Label - CAT 001], [EDLX.002aa]   label and catalog number (`label`, `catalog_number`)

A description around the list (prose, links, a "Tracklist:" heading, a "Thanks for listening!"
under it) is not read as tracks: the lines are cut into runs of track lines, and the run under a
tracklist heading (else the longest) is the tracklist. A run goes on across link lines and
"..." gaps, across blank lines when its numbering continues on the far side, and stops where a
numbered list's numbering breaks ("6 Decks - 2 Mixers" above "01."). A list restarting at 1
under a heading of its own right after it is a second chapter and is taken too. A line ending
in "," joins the next (credits wrapped by the uploader). When no run has 3 lines, lines split
by "Artist/Title" slashes or by a dash without spaces ("Miret-Sabio Espejo") are read too.
In a list where every line carries two " - ", the last part is the label.
A whole list pasted as one line (a comment) is cut at its markers: numbers counting up from 1,
rising clock times or rising (NN) cues, three at least, the first at the line's start; a run
whose lines mostly read "Artist-Title" is split at that dash. In a list that writes "?" for an
unknown track, a trailing "?" or "…" on a title is the writer's doubt and comes off.

Durations written where start times belong (every track timed, every value under 20 minutes and
not rising: `tracktion.tracklists.estimates.looks_like_durations`, the one rule) are turned into
start times (each track starts where the previous ones add up to), with a warning.
A time of 0 on any but the first track means "unknown".
Times are read by `tracktion.timeparse.clock_time` (one that cannot be meant, such as 4:75, is
unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tracktion.contract import warning
from tracktion.errors import ValidationFailed
from tracktion.timeparse import clock_time
from tracktion.tracklists.estimates import durations_to_starts, looks_like_durations
from tracktion.tracklists.model import UNIDENTIFIED, Track

MAX_LINES = 2000
_CLOCK = r"(?:\d{1,2}:)?\d{1,3}:\d{2}"
_DASH_CHARS = "\u2013\u2014\u2012\u2212-"
_DASHES = _DASH_CHARS.replace("-", "\\-")  # inside a character class
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_WIKI_LIST = re.compile(r"^#+\s*")
_BULLET = re.compile(rf"^[{_DASHES}\u2022\u00b7*>]+\s+")
_STRICT_NUMBER = re.compile(rf"^(?P<n>\d{{1,3}})(?:\s*[.)]\s*|\s+[{_DASHES}]\s+)(?=\S)")
_LOOSE_NUMBER = re.compile(r"^(?P<n>\d{1,3})\s+(?=\S)")
_BRACKET_CUE = re.compile(rf"^[\[(](?P<cue>[\d?]{{1,3}}|{_CLOCK})[\])]\s*")
_BARE_CUE = re.compile(rf"^(?P<cue>{_CLOCK})(?:\s*[{_DASHES}|:]\s*|\s+)(?=\S)")
_TRAIL_CUE = re.compile(
    rf"^(?P<rest>.+?)\s+[\[(]?(?P<cue>{_CLOCK})[\])]?(?:\s*[{_DASHES}]\s*(?P<note>\S.*))?$"
)
_WITH = re.compile(r"^w/\s*", re.IGNORECASE)
_BOLD = re.compile(r"^'''(?P<bold>.+?)'''\s*")
_SPACED_DASH = re.compile(rf"\s+[{_DASHES}]\s+")
_ONE_SIDED_DASH = re.compile(rf"(?<=\S)\s+[{_DASHES}](?=[^\s{_DASHES}])|(?<=[^\s{_DASHES}])[{_DASHES}]\s+")
_SLASH = re.compile(r"\s+/\s+")
_TIGHT_DASH = re.compile(r"(?<=[^\s\-])-(?=[^\s\-])")
_LABEL = re.compile(r"\s*\[(?P<label>[^\[\]]+)\]\s*$")
_REMIX = re.compile(r"\s*\((?P<remix>[^()]+)\)\s*$")
_REMIX_WORDS = re.compile(
    r"\b(remix|mix|edit|rework|bootleg|dub|version|vip|mashup|flip|refix|rmx|acappella|acapella|"
    r"instrumental|re-?edit|cut|remaster(ed)?|extended|remake|reprise)\b",
    re.IGNORECASE,
)
_CATALOG = re.compile(r"^(?=[^ ]*[A-Za-z])(?=.*\d)[A-Za-z0-9]{2,}[A-Za-z]*[ .\-]?\d{2,}[A-Za-z0-9]*$")
_URL = re.compile(
    r"(?:https?://|www\.)\S*|\b[\w\-]+(?:\.[\w\-]+)*\.(?:com|net|org|co|tv|to|fm|de|uk|io|me|be|ly|"
    r"gl|tl|info|nl|fr|es|it|ch|at|app|link|page|site|live|cc|us|ca|au|pl|ru|se|dk|no|fi|ie|pt|gd)"
    r"(?:/\S*|(?=\s|$))",
    re.IGNORECASE,
)
_HEADING = re.compile(
    r"^[\W_]*(?:the\s+)?(?:track\s*-?\s*list(?:ing)?|tracks|set\s*list|playlist|tracklist\s+\w+)[\W_]*$",
    re.IGNORECASE,
)
_ENDS_IN_HEADING = re.compile(r"track\s*-?\s*list(?:ing)?\s*:\s*$", re.IGNORECASE)
_GAP = re.compile(r"^(?:\.{3}|\u2026)$")
_UNKNOWN = {"?", "??", "???", "id", "id?", "unknown"}


class TextTracklistEmpty(ValidationFailed):
    error_code = "NO_TRACKS_FOUND"


@dataclass
class TextReading:
    """The tracks read from a text, what was noticed on the way, and where the list was."""

    tracks: list[Track]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    first_line: int = 0  # 1-based lines of the text the tracklist was read from
    last_line: int = 0
    sections: list[tuple[int, str]] = field(default_factory=list)  # (first position, name)


@dataclass
class _Line:
    n: int
    text: str
    kind: str = "prose"  # blank, url, heading, section, gap, track, weak, bare (numbered, no separator)
    number: int | None = None
    strict: bool = False
    body: str = ""  # the text after its number or bullet (the whole text when unnumbered)
    unnumbered: str = ""  # the text after its bullet only


@dataclass
class _Item:
    line: _Line
    body: str


@dataclass
class _Run:
    items: list[_Item] = field(default_factory=list)
    numbered: bool = False
    last_number: int = 0
    sections: list[tuple[int, str]] = field(default_factory=list)
    headed: bool = False
    heading: str | None = None

    @property
    def size(self) -> int:
        return len(self.items)


# ---------------------------------------------------------------- one line


@dataclass
class _Parsed:
    artist: str
    title: str
    remix: str | None
    label: str | None
    catalog_number: str | None
    cue: str | None
    with_previous: bool


def _strip_cue(body: str) -> tuple[str, str | None]:
    if m := _BRACKET_CUE.match(body):
        return body[m.end() :], m["cue"]
    if m := _BARE_CUE.match(body):
        return body[m.end() :], m["cue"]
    return body, None


def _lead(body: str) -> tuple[str, str | None, bool]:
    """The body without its leading w/, cue and wiki markup; the cue; whether w/ was there."""
    with_previous = False
    if m := _WITH.match(body):
        with_previous, body = True, body[m.end() :]
    body, cue = _strip_cue(body)
    if not with_previous and (m := _WITH.match(body)):
        with_previous, body = True, body[m.end() :]
    if m := _BOLD.match(body):
        body = body[m.end() :]
    if body.startswith("''") and body.endswith("''") and len(body) > 4:
        body = body[2:-2].strip()
    body = body.replace("'''", "").strip()
    if cue is None and (t := _TRAIL_CUE.match(body)):
        body, cue = t["rest"], t["cue"]
    return body.strip(), cue, with_previous


def _label_and_catalog(text: str) -> tuple[str | None, str | None]:
    text = text.strip()
    if not text:
        return None, None
    parts = _SPACED_DASH.split(text)
    if len(parts) >= 2 and any(c.isdigit() for c in parts[-1]) and len(parts[-1]) <= 24:
        return " - ".join(parts[:-1]).strip() or None, parts[-1].strip()
    if _CATALOG.match(text):
        return None, text
    return text, None


def _split(body: str, style: str) -> tuple[str, str] | None:
    """Artist and title by the run's separator style (dash, slash or tight dash)."""
    patterns = {
        "dash": (_SPACED_DASH, _ONE_SIDED_DASH),
        "slash": (_SLASH, _SPACED_DASH, _ONE_SIDED_DASH),
        "tight": (_SPACED_DASH, _ONE_SIDED_DASH, _TIGHT_DASH),
    }[style]
    for pattern in patterns:
        parts = pattern.split(body, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            return parts[0].strip(), parts[1].strip()
    return None


def _parse_body(body: str, style: str = "dash", *, bare_ok: bool = False) -> _Parsed | None:
    body, cue, with_previous = _lead(body)
    if not body:
        return None
    label = catalog = None
    if body.lower() in _UNKNOWN:
        return _Parsed(UNIDENTIFIED, UNIDENTIFIED, None, None, None, cue, with_previous)
    split = _split(body, style)
    if split is None:
        if not (bare_ok or cue is not None):
            return None
        artist, title = UNIDENTIFIED, body
    else:
        artist, title = split
    if lm := _LABEL.search(title):
        label, catalog = _label_and_catalog(lm["label"])
        title = title[: lm.start()].strip()
    remix = None
    if (rm := _REMIX.search(title)) and _REMIX_WORDS.search(rm["remix"]) and title[: rm.start()].strip():
        remix, title = rm["remix"].strip(), title[: rm.start()].strip()
    if title.strip().lower() in _UNKNOWN:
        title = UNIDENTIFIED
    if artist.strip().lower() in _UNKNOWN:
        artist = UNIDENTIFIED
    if not artist or not title:
        return None
    return _Parsed(artist, title, remix, label, catalog, cue, with_previous)


# ---------------------------------------------------------------- the lines of a text


def _normalise(text: str) -> list[tuple[int, str | None]]:
    """The text's lines with their numbers, spaces evened out.

    Only \n and \r end a line (U+2028 inside a line is a space). A line ending in "," is
    joined with the next one (it stands on the later line's number; the line it took in is
    None). A one-line tracklist (a comment pasted whole) is cut at its markers: numbers
    counting up from 1 ("1. A - B 2. C - D"), rising clock times or rising (NN) cues, at least
    three of them, the first at the line's start.
    """
    lines: list[str | None] = [
        _SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    for i, line in enumerate(lines):
        if line and line.endswith(",") and i + 1 < len(lines) and lines[i + 1] and not _URL.search(line):
            lines[i], lines[i + 1] = None, f"{line} {lines[i + 1]}"
    out: list[tuple[int, str | None]] = []
    for n, line in enumerate(lines, start=1):
        out += [(n, piece) for piece in _one_line_list(line)] if line else [(n, line)]
    return out


_INLINE_NUMBER = re.compile(r"(?:^|(?<=\s))(\d{1,3})\.\s+(?=\S)")
_INLINE_CLOCK = re.compile(r"(?:^|(?<=\s))(\d{1,2}:\d{2}(?::\d{2})?)\s+(?=\S)")
_INLINE_CUE = re.compile(r"[(\[](\d{1,3})[)\]]\s*(?=\S)")
MIN_INLINE_MARKERS = 3


def _one_line_list(line: str) -> list[str]:
    """A line holding a whole tracklist, cut into one line per track (else the line itself)."""
    if len(line) < 40:
        return [line]
    numbered = _counting(list(_INLINE_NUMBER.finditer(line)), lambda m: int(m[1]), step=True)
    if numbered:
        return _cut(line, numbered, lambda m: f"{m[1]}. ")
    clocks = _counting(list(_INLINE_CLOCK.finditer(line)), lambda m: clock_time(m[1]) or -1.0, step=False)
    if clocks:
        return _cut(line, clocks, lambda m: f"[{m[1]}] ")
    cues = _counting(list(_INLINE_CUE.finditer(line)), lambda m: int(m[1]), step=False)
    if cues:
        return _cut(line, cues, lambda m: f"[{m[1]}] ")
    return [line]


def _counting(found: list[re.Match[str]], value: Any, *, step: bool) -> list[re.Match[str]]:
    """The markers that count up (by one when `step`; rising otherwise), the first at the start."""
    if not found or found[0].start() != 0:
        return []
    chosen = [found[0]]
    if step and value(found[0]) != 1:
        return []
    for m in found[1:]:
        last = value(chosen[-1])
        if (value(m) == last + 1) if step else (value(m) > last):
            chosen.append(m)
    return chosen if len(chosen) >= MIN_INLINE_MARKERS else []


def _cut(line: str, marks: list[re.Match[str]], head: Any) -> list[str]:
    pieces = []
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt is not None else len(line)
        pieces.append(head(m) + line[m.end() : end].strip())
    return pieces


def _classify(n: int, text: str | None, style: str) -> _Line:
    line = _Line(n=n, text=text or "")
    if text is None:
        line.kind = "joined"
        return line
    if not text:
        line.kind = "blank"
        return line
    if _GAP.match(text):
        line.kind = "gap"
        return line
    if text.startswith(";"):
        line.kind, line.body = "section", text[1:].strip()
        return line
    body = _WIKI_LIST.sub("", text)
    body = _BULLET.sub("", body)
    line.unnumbered = body
    if m := _STRICT_NUMBER.match(body):
        line.number, line.strict, line.body = int(m["n"]), True, body[m.end() :]
    elif m := _LOOSE_NUMBER.match(body):
        line.number, line.body = int(m["n"]), body[m.end() :]
    else:
        line.body = body
    if _URL.search(text):
        stripped = _URL.sub("", line.body).strip().rstrip(":" + _DASH_CHARS).strip()
        if stripped and _parse_body(stripped, style) is not None and len(stripped) > 3:
            line.body = stripped
        else:
            line.kind = "url"
            return line
    if _HEADING.match(text) or (_ENDS_IN_HEADING.search(text) and _parse_body(line.body, style) is None):
        line.kind = "heading"
        return line
    if text.endswith(":") and not _BRACKET_CUE.match(body):
        line.kind = "heading"
        return line
    if _parse_body(line.body, style) is not None or (
        line.number is not None and _parse_body(line.unnumbered, style) is not None
    ):
        line.kind = "track"
    elif line.number is not None and line.body:
        line.kind = "bare"
    return line


def _next_content(lines: list[_Line], i: int) -> int | None:
    j = i
    while j < len(lines) and lines[j].kind in ("blank", "url", "joined"):
        j += 1
    return j if j < len(lines) else None


def _next_number(lines: list[_Line], i: int) -> int | None:
    j = _next_content(lines, i + 1)
    return lines[j].number if j is not None else None


def _runs(lines: list[_Line], *, bridge: bool = False) -> list[tuple[_Run, int, int]]:
    """Runs of track lines with the indexes of their first and last lines.

    `bridge`: blank lines never end a run (a list with a blank line between its tracks).
    """
    runs: list[tuple[_Run, int, int]] = []
    run: _Run | None = None
    start = end = 0
    pending_heading: str | None = None
    headed_next = False

    def close() -> None:
        nonlocal run
        if run is not None and run.items:
            runs.append((run, start, end))
        run = None

    i = 0
    while i < len(lines):
        line = lines[i]
        kind = line.kind
        if kind == "joined":
            i += 1
            continue
        if kind in ("blank", "url"):
            if run is not None:
                j = _next_content(lines, i)
                if j is None or not _continues(run, lines[j], lines, j, bridge):
                    close()
            i += 1
            continue
        if kind == "heading":
            close()
            headed_next = headed_next or bool(_HEADING.match(line.text) or _ENDS_IN_HEADING.search(line.text))
            pending_heading = line.text.rstrip(":").strip()
            i += 1
            continue
        if kind in ("gap", "section"):
            if run is not None:
                if kind == "section":
                    run.sections.append((run.size + 1, line.body))
                end = i
            elif kind == "section":
                run = _Run(headed=headed_next, heading=pending_heading)
                run.sections.append((1, line.body))
                start = end = i
            i += 1
            continue
        if kind == "prose":
            close()
            pending_heading = line.text
            i += 1
            continue
        # track or bare: does it belong to the open run?
        if run is not None and not _continues(run, line, lines, i, bridge):
            close()
        if run is None:
            if kind == "bare":
                pending_heading = line.text
                i += 1
                continue
            run = _Run(headed=headed_next, heading=pending_heading)
            headed_next = False
            start = i
            nxt = _next_number(lines, i)
            if line.number is not None and (line.strict or nxt == line.number + 1):
                run.numbered = nxt == line.number + 1 or line.number in (0, 1)
        number_used = (
            run.numbered and line.number is not None and (not run.items or line.number == run.last_number + 1)
        )
        if run.numbered and number_used:
            run.last_number = line.number or 0
            body = line.body
        elif not run.numbered and line.number is not None and line.strict:
            body = line.body
        else:
            body = line.unnumbered or line.text
        run.items.append(_Item(line, body))
        end = i
        i += 1
    close()
    return runs


def _continues(run: _Run, line: _Line, lines: list[_Line], i: int, bridge: bool = False) -> bool:
    """Whether `line` (the next content line) carries on the open run."""
    if line.kind in ("gap", "section"):
        return True
    if line.kind not in ("track", "bare"):
        return False
    gap = not bridge and (
        any(lines[k].kind == "blank" for k in range(max(0, i - 1), i))
        or (i > 0 and lines[i - 1].kind in ("blank", "url") and _blank_between(lines, i))
    )
    if run.numbered:
        if line.number == run.last_number + 1:
            return True
        if line.number is not None and line.strict:
            return False
        return not gap and line.kind == "track"
    if line.kind == "bare":
        return False
    return not gap


def _blank_between(lines: list[_Line], i: int) -> bool:
    k = i - 1
    while k >= 0 and lines[k].kind in ("blank", "url", "joined"):
        if lines[k].kind == "blank":
            return True
        k -= 1
    return False


def _choose(runs: list[tuple[_Run, int, int]], lines: list[_Line]) -> list[tuple[_Run, int, int]]:
    if not runs:
        return []
    headed = [r for r in runs if r[0].headed]
    primary = headed[0] if headed and headed[0][0].size >= 2 else max(runs, key=lambda r: r[0].size)
    chosen = [primary]
    if primary[0].numbered:
        index = runs.index(primary)
        for other in runs[index + 1 :]:
            run = other[0]
            if run.numbered and run.size >= 3 and run.items[0].line.number in (0, 1):
                chosen.append(other)
            elif run.size > 1:
                break
    return chosen


def _style(lines: list[_Line], style: str) -> list[_Line]:
    return [_classify(line.n, None if line.kind == "joined" else line.text, style) for line in lines]


def _read_runs(text: str) -> tuple[list[_Line], list[tuple[_Run, int, int]], str]:
    lines, runs, style = _best_runs(text)
    # Nothing but track lines with blank lines between them: the whole text is the list.
    kinds = [line.kind for line in lines]
    tracks = kinds.count("track")
    if "prose" not in kinds and sum(r[0].size for r in runs) * 2 < tracks:
        return lines, _choose(_runs(lines, bridge=True), lines), style
    return lines, runs, style


def _best_runs(text: str) -> tuple[list[_Line], list[tuple[_Run, int, int]], str]:
    lines = [_classify(n, t, "dash") for n, t in _normalise(text)]
    runs = _choose(_runs(lines), lines)
    best = max((r[0].size for r in runs), default=0)
    if best < 3:
        for style in ("slash", "tight"):
            alt_lines = _style(lines, style)
            alt = _choose(_runs(alt_lines), alt_lines)
            if max((r[0].size for r in alt), default=0) >= max(3, best + 1):
                return alt_lines, alt, style
    elif _mostly_slashed(runs):
        # A list mostly written "Artist / Title" (a dash may sit inside its titles).
        slash_lines = _style(lines, "slash")
        slash_runs = _choose(_runs(slash_lines), slash_lines)
        if slash_runs and _mostly_slashed(slash_runs) and sum(r[0].size for r in slash_runs) >= best:
            return slash_lines, slash_runs, "slash"
    return lines, runs, "dash"


def _mostly_slashed(runs: list[tuple[_Run, int, int]]) -> bool:
    items = [it for r in runs for it in r[0].items]
    slashed = 0
    for it in items:
        s, d = _SLASH.search(it.body), _SPACED_DASH.search(it.body)
        if s and (d is None or s.start() < d.start()):
            slashed += 1
    return bool(items) and slashed * 2 >= len(items)


# ---------------------------------------------------------------- tracks


def _cue_seconds(cue: str | None) -> tuple[float | None, str | None]:
    """Seconds for a cue, and a note when it is only partly known ([3?], [1??])."""
    if cue is None:
        return None, None
    if ":" in cue:
        return clock_time(cue), None
    if cue.isdigit():
        return float(int(cue) * 60), None
    digits = cue.rstrip("?")
    if digits and digits.isdigit() and "?" not in digits:
        unknown = len(cue) - len(digits)
        low = int(digits) * 10**unknown
        high = low + 10**unknown - 1
        return None, f"[{cue}]: between {low} and {high} minutes"
    return None, None


def _two_dash_labels(items: list[_Item]) -> bool:
    """Every line "Artist - Title - Label": the last part is the label."""
    if len(items) < 3:
        return False
    double = 0
    for it in items:
        body, _, _ = _lead(it.body)
        if "[" in body:
            return False
        if len(_SPACED_DASH.split(body)) >= 3:
            double += 1
    return double >= max(3, int(len(items) * 0.9))


_CUE_TRACK = re.compile(r"^\s*TRACK\s+\d{1,3}\s+AUDIO\s*$", re.IGNORECASE | re.MULTILINE)
_CUE_INDEX = re.compile(r"^\s*INDEX\s+0?1\s+\d", re.IGNORECASE | re.MULTILINE)


def _read_cue_sheet(text: str) -> TextReading:
    """A CUE sheet pasted as text: read as the file import reads it (INVALID_FORMAT with its line)."""
    from tracktion.histories.cue_sheets import parse_cue_history  # it reads titles with split_remix
    from tracktion.histories.model import HistoryOptions, assemble

    history = parse_cue_history(text.encode("utf-8"))
    assembled = assemble(history, HistoryOptions())
    if not assembled.tracks:
        raise TextTracklistEmpty("The CUE sheet has no tracks")
    notes = [*assembled.notes, *(f"{d.artist} - {d.title}: {d.reason}" for d in assembled.dropped)]
    return TextReading(
        tracks=assembled.tracks,
        warnings=[
            warning("time_reading", f"CUE sheet: {note}", field="text", severity="info") for note in notes
        ],
    )


def read_text(text: str) -> TextReading:
    """The tracklist in a pasted text; TextTracklistEmpty when no line is a track.

    A pasted CUE sheet (TRACK nn AUDIO and INDEX lines) is read as a sheet
    (tracktion.histories.cue_sheets), its notes as warnings.
    """
    if text.count("\n") + 1 > MAX_LINES:
        raise ValidationFailed("Too many lines", details={"max_lines": MAX_LINES})
    if _CUE_TRACK.search(text) and _CUE_INDEX.search(text):
        return _read_cue_sheet(text)
    lines, runs, style = _read_runs(text)
    tracks: list[Track] = []
    partial: list[str] = []
    minute_cues = False
    sections: list[tuple[int, str]] = []
    for run, _, _ in runs:
        labels_last = _two_dash_labels(run.items)
        run_style = "tight" if style == "dash" and _mostly_tight(run.items) else style
        # A list that writes "?" for an unknown track uses a trailing "?" or "…" as doubt.
        doubt = any(_lead(it.body)[0] == "?" for it in run.items)
        if len(runs) > 1 and run.heading:
            sections.append((len(tracks) + 1, _chapter_name(run.heading)))
        sections += [(len(tracks) + p, name) for p, name in run.sections]
        for item in run.items:
            body = item.body
            if labels_last:
                lead, cue, wp = _lead(body)
                head, _, tail = lead.rpartition(" - ")
                parsed = _parse_body(head, run_style)
                if parsed is not None:
                    parsed.label, parsed.cue, parsed.with_previous = tail.strip(), cue, wp
            else:
                parsed = _parse_body(body, run_style, bare_ok=item.line.kind == "bare")
            if parsed is None:
                parsed = _parse_body(body, run_style, bare_ok=True)
            if parsed is None:
                continue
            if doubt and parsed.title != UNIDENTIFIED:
                parsed.title = _without_doubt(parsed.title)
            start, note = _cue_seconds(parsed.cue)
            minute_cues = minute_cues or (parsed.cue is not None and ":" not in parsed.cue)
            position = len(tracks) + 1
            if note:
                partial.append(f"track {position} {note}")
            if start == 0 and position > 1:
                start = None
            tracks.append(
                Track(
                    position=position,
                    artist=parsed.artist,
                    title=parsed.title,
                    remix=parsed.remix,
                    label=parsed.label,
                    catalog_number=parsed.catalog_number,
                    start_time=start,
                    played_with_previous=parsed.with_previous and position > 1,
                    is_unidentified=parsed.artist.upper() == UNIDENTIFIED
                    or parsed.title.upper() == UNIDENTIFIED,
                )
            )
    if not tracks:
        raise TextTracklistEmpty("No 'Artist - Title' lines found in the text")
    warnings: list[dict[str, Any]] = []
    # MixesDB's minute cues ([05]) are start cues even when a list is out of order.
    tracks, converted = (tracks, False) if minute_cues else _durations_to_starts(tracks)
    if converted:
        warnings.append(
            warning(
                "time_reading",
                "The times are durations (each under 20 minutes, not rising), not start times: "
                "each track now starts where the ones before it add up to",
                field="text",
            )
        )
    if partial:
        warnings.append(
            warning(
                "time_reading",
                "Partly known cues are left without a start: " + "; ".join(partial[:20]),
                field="text",
                severity="info",
            )
        )
    first = runs[0][1] if runs else 0
    last = runs[-1][2] if runs else 0
    return TextReading(
        tracks=tracks,
        warnings=warnings,
        first_line=lines[first].n if lines else 0,
        last_line=lines[last].n if lines else 0,
        sections=sections,
    )


def _mostly_tight(items: list[_Item]) -> bool:
    """Most lines split "Artist-Title" by a dash without spaces (cued lines kept them all)."""
    tight = 0
    for it in items:
        body = _lead(it.body)[0]
        if not _SPACED_DASH.search(body) and not _ONE_SIDED_DASH.search(body) and _TIGHT_DASH.search(body):
            tight += 1
    return len(items) >= MIN_INLINE_MARKERS and tight * 2 > len(items)


def _without_doubt(title: str) -> str:
    bare = title.rstrip("?\u2026").strip()
    bare = bare[:-3].strip() if bare.endswith("...") else bare
    return bare or title


def _chapter_name(heading: str) -> str:
    name = heading.strip().rstrip(":").strip()
    return _SPACED_DASH.split(name)[-1].strip() if _SPACED_DASH.search(name) else name


def _durations_to_starts(tracks: list[Track]) -> tuple[list[Track], bool]:
    """The rows with durations turned into starts when their times read as durations (the rule
    and the sum are the estimator's: `tracktion.tracklists.estimates`)."""
    times = [t.start_time for t in tracks]
    if not looks_like_durations(times):
        return tracks, False
    starts = durations_to_starts([v for v in times if v is not None])
    return [t.model_copy(update={"start_time": s}) for t, s in zip(tracks, starts, strict=True)], True


def split_remix(title: str) -> tuple[str, str | None]:
    """ "Title (Someone Remix)" -> ("Title", "Someone Remix"); a title without one stays whole."""
    rm = _REMIX.search(title)
    if rm and _REMIX_WORDS.search(rm["remix"]) and title[: rm.start()].strip():
        return title[: rm.start()].strip(), rm["remix"].strip()
    return title, None


def parse_text_tracklist(text: str) -> list[Track]:
    """Tracks in the order given; TextTracklistEmpty when no line is a track."""
    return read_text(text).tracks
