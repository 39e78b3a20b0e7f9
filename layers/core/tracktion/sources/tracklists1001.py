"""Parse a 1001tracklists tracklist page into our `Tracklist` model.

Uses selectolax's lexbor engine (docs/decisions.md: why). The page structure relied on,
the same from 2021 to 2026:
- `#tlTab` (data-id = the page's own id) holds microdata metas (name, datePublished, genre)
  and one `div.tlpItem` per row, in order. Rows with class `tlpSubTog` / `data-mashpos` are
  the components of the mashup row before them; `div.bItmH` rows are section headers and
  notices (ignored).
- A row's number is `span[id$=_tracknumber_value]` ("01" or "w/" when played together with the
  previous track), its cue the `div.cue` text ("2:24", "02:30", "1:01:10") or the hidden
  `input[id$=_cue_seconds]`; "0" there means unknown except on the first track.
- The track text is `span.trackValue`: artist spans, a " - " separator span, the title span,
  then an optional "(Remixer Remix)" span. "ID - ID" rows have the same shape without microdata.
- The page's player script lists its cue entries (`cueValuesEntry.seconds = N; ...ids[0] =
  'tlp24_content'; ids[1] = 'tlp25_content'`): a "w/" row listed with the previous row under
  one entry (ids[1], ids[2], ...) and without a cue of its own takes that entry's time; a "w/"
  row with its own cue keeps it.
HTML entities are decoded by the parser; whitespace (including &nbsp;) is collapsed.
"""

from __future__ import annotations

import re
from typing import Any

from tracktion.sources.blocks import EmptyTracklist, ensure_content
from tracktion.sources.urls import PageKind
from tracktion.timeparse import clock_time
from tracktion.tracklists.model import UNIDENTIFIED, Track, Tracklist, TrackRef

# Source types (the site's own words) that name a place rather than an event or show.
VENUE_TYPES = frozenset({"club", "event location", "venue"})

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")
_PLAYER = re.compile(r"\[(\d+(?::\d{2}){1,2})\]")
_INNER_SPACE_OPEN = re.compile(r"([(\[])\s+")
_INNER_SPACE_CLOSE = re.compile(r"\s+([)\]])")
_WORDS_DURATION = re.compile(r"(\d+)\s*(hour|minute|second|h|min|m|s)s?\b")
_CUE_ENTRY = re.compile(r"cueValuesEntry\s*=\s*\{\s*\};(?P<body>.*?)cueValueData\.push", re.DOTALL)
_ENTRY_SECONDS = re.compile(r"\.seconds\s*=\s*(\d+)")
_ENTRY_ID = re.compile(r"\.ids\[(\d+)\]\s*=\s*'([^']+)'")


def clean(text: str | None) -> str:
    """Collapse all whitespace (&nbsp; included) to single spaces."""
    return " ".join(text.split()) if text else ""


def parse_iso_duration(text: str) -> float | None:
    m = _ISO_DURATION.match(text.strip())
    if not m or not any(m.groups()):
        return None
    h, mi, s = (int(g or 0) for g in m.groups())
    return float(h * 3600 + mi * 60 + s)


def parse_words_duration(text: str) -> float | None:
    """'1 hour 28 minutes 6 seconds' → 5286; '2h 8m' → 7680."""
    total = 0
    found = False
    for amount, unit in _WORDS_DURATION.findall(text.lower()):
        found = True
        scale = 3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1
        total += int(amount) * scale
    return float(total) if found else None


def _strip_parens(text: str) -> str:
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        return text[1:-1].strip()
    return text


def _split_track_text(value: Any) -> tuple[str, str, str | None]:
    """Artist, title and remix from a `span.trackValue`, by its " - " separator span."""
    parts: list[str] = []
    sep = -1
    for child in value.iter(include_text=True):
        text = clean(child.text())
        if not text:
            continue
        if sep < 0 and text == "-" and child.tag != "-text":
            sep = len(parts)
        parts.append(text)
    if sep > 0 and sep + 1 < len(parts):
        artist = clean(" ".join(parts[:sep]))
        title = parts[sep + 1]
        rest = clean(" ".join(parts[sep + 2 :]))
        return artist, title, _strip_parens(rest) or None
    whole = clean(value.text())
    artist, _, title = whole.partition(" - ")
    return artist.strip(), title.strip() or UNIDENTIFIED, None


def _tight(text: str) -> str:
    """'RCA (SONY )' → 'RCA (SONY)': link icons between words leave spaces inside brackets."""
    return _INNER_SPACE_CLOSE.sub(r"\1", _INNER_SPACE_OPEN.sub(r"\1", text))


# Everything a row holds, fetched with one selector per row (a third of the cost of six).
_ROW_PARTS = (
    "span.trackValue, span.trackStatus, span.trackLabel, span[id$=_tracknumber_value], "
    "div.cue, input[id$=_cue_seconds], div[id$=_content]"
)


def _row_parts(row: Any) -> dict[str, list[Any]]:
    parts: dict[str, list[Any]] = {}
    for node in row.css(_ROW_PARTS):
        if node.tag == "input":
            kind = "seconds"
        elif node.tag == "div":
            kind = "content" if (node.attributes.get("id") or "").endswith("_content") else "cue"
        elif (node.attributes.get("id") or "").endswith("_tracknumber_value"):
            kind = "number"
        else:
            classes = (node.attributes.get("class") or "").split()
            kind = "value" if "trackValue" in classes else "status" if "trackStatus" in classes else "label"
        parts.setdefault(kind, []).append(node)
    return parts


def _labels(parts: dict[str, list[Any]]) -> str | None:
    names = [_tight(clean(n.text())) for n in parts.get("label", [])]
    names = [n for n in names if n]
    return " / ".join(dict.fromkeys(names)) if names else None


def _row_track_text(parts: dict[str, list[Any]]) -> tuple[str, str, str | None] | None:
    if "value" not in parts:
        return None
    artist, title, remix = _split_track_text(parts["value"][0])
    if "status" in parts and remix is None:
        # e.g. "(ID Remix)": the version is known to exist but not identified.
        remix = _strip_parens(clean(parts["status"][0].text())) or None
    return artist or UNIDENTIFIED, title or UNIDENTIFIED, remix


def _cue_seconds(parts: dict[str, list[Any]], first: bool) -> float | None:
    cue = parts.get("cue")
    seconds = clock_time(clean(cue[0].text())) if cue else None
    if seconds is None:
        hidden = parts.get("seconds")
        raw = (hidden[0].attributes.get("value") or "").strip() if hidden else ""
        seconds = float(raw) if raw.isdigit() else None
    if seconds == 0 and not first:
        return None  # "0" is how the site says "no cue" on every row but the first
    return seconds


def shared_cue_entries(tree: Any) -> dict[str, float]:
    """Rows listed with the previous one under one cue entry: content id -> the entry's seconds."""
    found: dict[str, float] = {}
    for script in tree.css("script"):
        text = script.text() or ""
        if "cueValueData" not in text:
            continue
        for entry in _CUE_ENTRY.finditer(text):
            body = entry["body"]
            seconds = _ENTRY_SECONDS.search(body)
            if seconds is None:
                continue
            for index, content_id in _ENTRY_ID.findall(body):
                if int(index) > 0:
                    found.setdefault(content_id, float(seconds[1]))
    return found


def _tracks(tab: Any, shared: Any = None) -> list[Track]:
    """The page's rows; `shared` gives the cue entries' pairing when a w/ row has no cue."""
    tracks: list[Track] = []
    pairing: dict[str, float] | None = None
    for row in tab.css("div.tlpItem"):
        parts = _row_parts(row)
        text = _row_track_text(parts)
        if text is None:
            continue
        artist, title, remix = text
        attrs = row.attributes
        classes = (attrs.get("class") or "").split()
        if "tlpSubTog" in classes or attrs.get("data-mashpos") == "true":
            if tracks:
                ref = TrackRef(artist=artist, title=title, remix=remix, label=_labels(parts))
                tracks[-1].mashup.append(ref)
            continue
        number = parts.get("number")
        played_with_previous = clean(number[0].text()).lower() == "w/" if number else False
        position = len(tracks) + 1
        start = _cue_seconds(parts, first=position == 1)
        if start is None and played_with_previous and shared is not None and "content" in parts:
            pairing = shared() if pairing is None else pairing
            entry = pairing.get(parts["content"][0].attributes.get("id") or "")
            start = entry if entry else None  # the entry's time ("0" is no time after track 1)
        tracks.append(
            Track(
                position=position,
                artist=artist,
                title=title,
                remix=remix,
                label=_labels(parts),
                start_time=start,
                played_with_previous=played_with_previous and position > 1,
                is_unidentified=artist == UNIDENTIFIED
                or title == UNIDENTIFIED
                or attrs.get("data-isid") == "true",
                source_row_id=(attrs.get("data-id") or "").strip() or None,
            )
        )
    return tracks


# Every page-level part we read, fetched in one pass over the document.
_PAGE_PARTS = (
    "h1, div.fTab, div.sTab, [itemprop=video] > meta[itemprop=duration], li.tBtn, link[rel=canonical]"
)


def _page_parts(tree: Any) -> dict[str, list[Any]]:
    parts: dict[str, list[Any]] = {}
    for node in tree.css(_PAGE_PARTS):
        tag = node.tag
        if tag in ("h1", "meta", "li", "link"):
            kind = tag
        else:
            kind = "fTab" if "fTab" in (node.attributes.get("class") or "").split() else "sTab"
        parts.setdefault(kind, []).append(node)
    return parts


def _source_types(boxes: list[Any]) -> dict[str, tuple[str, str]]:
    """href → (name, type) from the side boxes describing each of the page's sources."""
    found: dict[str, tuple[str, str]] = {}
    for box in boxes:
        # A source's box starts with its name; other boxes (general info) may link it further down.
        head = box.css_first("div.h")
        link = head.css_first("a[href^='/source/']") if head is not None else None
        if link is not None:
            kind = box.css_first("div.mtb5")
            href = link.attributes.get("href") or ""
            found.setdefault(href, (clean(link.text()), clean(kind.text()) if kind is not None else ""))
    return found


def _place(boxes: list[Any], h1: Any) -> tuple[str | None, str | None, str | None]:
    """Event, venue and country from the title's source links and the site's source types."""
    if h1 is None:
        return None, None, None
    links = h1.css("a[href^='/source/']")
    types = _source_types(boxes) if links else {}
    event = venue = None
    for link in links:
        href = link.attributes.get("href") or ""
        name, kind = types.get(href, (clean(link.text()), ""))
        name = name or clean(link.text())
        if kind.lower() in VENUE_TYPES:
            venue = venue or name
        elif kind:
            event = event or name
    if links and not types:
        # No side boxes (a saved fragment): first source is the event, a second one the venue.
        event = clean(links[0].text())
        venue = clean(links[-1].text()) if len(links) > 1 else None
    country = None
    if links:
        heading = clean(h1.text())
        last = clean(links[-1].text())
        tail = heading[heading.rfind(last) + len(last) :] if last in heading else ""
        m = re.match(r"^\s*,\s*([^,()\d][^,()]*?)\s*(?:\d{4}-\d{2}-\d{2}|\)|$)", tail)
        country = m[1].strip() if m else None
    return event, venue, country


def _general_info(tables: list[Any]) -> dict[str, str]:
    info: dict[str, str] = {}
    for box in tables:
        cells = [clean(c.text()) for c in box.iter()]
        for label, value in zip(cells[::2], cells[1::2], strict=False):
            info.setdefault(label.lower(), value)
    return info


def _duration(parts: dict[str, list[Any]]) -> float | None:
    info = _general_info(parts.get("sTab", []))
    if "duration" in info and (seconds := parse_words_duration(info["duration"])):
        return seconds
    for meta in parts.get("meta", []):
        if seconds := parse_iso_duration(meta.attributes.get("content") or ""):
            return seconds
    for player in parts.get("li", []):
        m = _PLAYER.search(player.text())
        if m and (seconds := clock_time(m[1])):
            return seconds
    return None


def _tab_metas(tab: Any) -> dict[str, list[str]]:
    """The playlist's own microdata: the metas that are direct children of #tlTab."""
    metas: dict[str, list[str]] = {}
    for child in tab.iter():
        if child.tag == "meta" and (prop := child.attributes.get("itemprop")):
            metas.setdefault(prop, []).append(clean(child.attributes.get("content")))
    return metas


def _heading(parts: dict[str, list[Any]]) -> Any:
    headings = parts.get("h1", [])
    titled = [h for h in headings if h.attributes.get("id") == "pageTitle"]
    if titled:
        return titled[0]
    inside = [h for h in headings if h.parent is not None and h.parent.attributes.get("id") == "pageTitle"]
    return (inside or headings or [None])[0]


def parse_tree(tree: Any, url: str | None = None, tab: Any = None) -> Tracklist:
    tab = tab if tab is not None else tree.css_first("#tlTab")
    parts = _page_parts(tree)
    h1 = _heading(parts)
    heading = clean(h1.text()) if h1 is not None else ""
    metas = _tab_metas(tab)
    names = metas.get("name", [])
    title = names[0] if names and names[0] else heading
    djs: list[str] = []
    if h1 is not None:
        for link in h1.css("a[href^='/dj/'], a[href^='/artist/']"):
            name = clean(link.text())
            if name and name not in djs:
                djs.append(name)
    if not djs:
        djs = [a for a in metas.get("author", []) if a]
    dates = metas.get("datePublished") or _DATE.findall(heading)[-1:]
    genres = [g for g in metas.get("genre", []) if g]
    if not genres and (styles := tree.css_first("#tl_music_styles")) is not None:
        genres = [g.strip() for g in clean(styles.text()).split(",") if g.strip()]
    event, venue, country = _place(parts.get("fTab", []), h1)
    page_id = tab.attributes.get("data-id") or None
    canonical = parts.get("link", [])
    source_url = url or (canonical[0].attributes.get("href") if canonical else None)
    tracks = _tracks(tab, lambda: shared_cue_entries(tree))
    if not tracks:
        raise EmptyTracklist("The tracklist page has no tracks", details={"page_id": page_id})
    return Tracklist(
        owner_id="",
        title=title,
        djs=djs,
        event=event,
        venue=venue,
        country=country,
        date=dates[0] if dates else None,
        genres=genres,
        duration_seconds=_duration(parts),
        source="1001tracklists",
        source_url=source_url,
        source_page_id=page_id,
        source_key=f"1001tl:{page_id}" if page_id else None,
        tracks=tracks,
    )


def parse_tracklist(html: str, url: str | None = None) -> Tracklist:
    """The page's tracklist (owner_id empty: the importer sets it).

    Raises SourceBlocked for a challenge page, SourcePageNotFound for the site's missing page,
    EmptyTracklist for a real page without rows.
    """
    from selectolax.lexbor import LexborHTMLParser  # imported by the routes that parse only

    tree = LexborHTMLParser(html)
    tab = tree.css_first("#tlTab")
    if tab is None:
        ensure_content(tree, html, PageKind.TRACKLIST)  # raises: not found, or blocked
    return parse_tree(tree, url, tab)
