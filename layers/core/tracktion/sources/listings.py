"""Parse lists of tracklists: search result pages, DJ pages and event ("source") pages.

All three render each tracklist as a `div.bItm.oItm` row (data-id = page id) with a title link
and a `div.mediaRow` of small facts, each identified by its `title` attribute ("tracklist
date", "IDed tracks / total tracks", "play time", "musicstyle(s)"...). Search pages add a
result-count badge and a Prev/1/Next pagination list whose "Next" item carries an onclick
with the next page number.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from tracktion import clock
from tracktion.models import Model
from tracktion.sources.blocks import ensure_content
from tracktion.sources.tracklists1001 import clean, parse_words_duration
from tracktion.sources.urls import SITE, PageKind

_NEXT_PAGE = re.compile(r"page:\s*(\d+)")
_COUNTS = re.compile(r"(\d+|all)\s*/\s*(\d+)", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


class TracklistSummary(Model):
    """One row of a result list: enough to choose a tracklist and import it by `url`."""

    page_id: str
    url: str
    title: str
    date: str | None = None
    djs: list[str] = Field(default_factory=list)
    event: str | None = None
    genres: list[str] = Field(default_factory=list)
    track_count: int | None = None
    identified_count: int | None = None
    duration_seconds: float | None = None
    views: str | None = None
    creator: str | None = None
    scraped_at: str | None = None  # when we read the page that listed this row (kept in the cache)


class TitleParts(Model):
    """What a result row's title says: 'DJs @ Event, Venue, Country' or 'DJ - Show'."""

    who: str | None = None
    event: str | None = None
    venue: str | None = None
    country: str | None = None
    separator: str | None = None  # "@" (played at an event or venue), "-" (a show, podcast or mix)


class ResultPage(Model):
    results: list[TracklistSummary] = Field(default_factory=list)
    page: int = 1
    has_next: bool = False
    total_results: int | None = None
    heading: str | None = None


def _facts(row: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for cell in row.css("div.mediaRow > div[title]"):
        facts[(cell.attributes.get("title") or "").lower()] = cell
    return facts


def _summary(row: Any) -> TracklistSummary | None:
    link = row.css_first("div.bTitle a[href^='/tracklist/']") or row.css_first("a[href^='/tracklist/']")
    page_id = row.attributes.get("data-id")
    if link is None or not page_id:
        return None
    href = (link.attributes.get("href") or "").split("?")[0]
    title = clean(link.text())
    facts = _facts(row)
    date = None
    if (cell := facts.get("tracklist date")) is not None:
        m = _DATE.search(cell.text())
        date = m[0] if m else None
    identified = total = None
    if (cell := facts.get("ided tracks / total tracks")) is not None and (
        m := _COUNTS.search(clean(cell.text()))
    ):
        total = int(m[2])
        identified = total if m[1].lower() == "all" else int(m[1])
    duration = None
    if (cell := facts.get("play time")) is not None:
        duration = parse_words_duration(clean(cell.text()))
    genres: list[str] = []
    if (cell := facts.get("musicstyle(s)")) is not None:
        genres = [g.strip() for g in clean(cell.text()).split(",") if g.strip()]
    views = facts.get("tracklist views")
    creator = facts.get("creator")
    creator_link = creator.css_first("a") if creator is not None else None
    djs, event = _title_parts(title)
    return TracklistSummary(
        page_id=page_id,
        url=SITE + href if href.startswith("/") else href,
        title=title,
        date=date,
        djs=djs,
        event=event,
        genres=genres,
        track_count=total,
        identified_count=identified,
        duration_seconds=duration,
        views=(views.attributes.get("data-count") or None) if views is not None else None,
        creator=clean(creator_link.text()) or None if creator_link is not None else None,
    )


def _title_parts(title: str) -> tuple[list[str], str | None]:
    """'A & B @ Event, Venue, Country' → (['A & B'], 'Event'); '-' instead of '@' for shows."""
    parts = title_parts(title)
    return ([parts.who] if parts.who else []), parts.event


def title_parts(title: str) -> TitleParts:
    """Split a row title the way the site writes it.

    'Kölsch & Ann Clue @ Sónar Festival, Fira Montjuïc, Spain' → who, event, venue, country;
    'Carl Cox @ POWER 137 (Terrace, Space Ibiza, Spain)' → event 'POWER 137', venue
    'Terrace, Space Ibiza', country 'Spain'; 'Bicep - NTS Radio' → who and event (a show).
    """
    for sep in (" @ ", " - "):
        if sep not in title:
            continue
        who, _, where = title.partition(sep)
        where = where.strip()
        if sep == " - ":
            return TitleParts(who=who.strip() or None, event=where or None, separator="-")
        event, paren, inner = where.partition("(")
        if paren and "," not in event:  # 'Show (Stage, Venue, Country)': the place in brackets
            event, places = event.strip(), [p.strip() for p in inner.rstrip(") ").split(",")]
        else:  # 'Event, Venue, Country (Be-At TV)': a trailing note in brackets is not a place
            event, *places = [p.strip() for p in _NOTE.sub("", where).split(",")]
        places = [p for p in places if p]
        # a re-broadcast names the original date after the country: '(..., Germany 2024-04-06)'
        country = _DATE.sub("", places.pop()).strip() or None if places else None
        return TitleParts(
            who=who.strip() or None,
            event=event or None,
            venue=", ".join(places) or None,
            country=country,
            separator="@",
        )
    return TitleParts()


def parse_result_tree(tree: Any) -> ResultPage:
    rows = [s for row in tree.css("div.bItm.oItm") if (s := _summary(row)) is not None]
    page = 1
    has_next = False
    for pagination in tree.css("ul.pagination")[:1]:
        active = pagination.css_first("li.active")
        if active is not None and clean(active.text()).isdigit():
            page = int(clean(active.text()))
        for item in pagination.css("li"):
            if clean(item.text()).lower() == "next" and "disabled" not in (
                item.attributes.get("class") or ""
            ):
                m = _NEXT_PAGE.search(item.attributes.get("onclick") or "")
                has_next = bool(m and int(m[1]) > page)
    total = None
    heading = None
    for head in tree.css("div.bItmH"):
        text = clean(head.text())
        if "search result for" in text.lower():
            badge = head.css_first("span.badge")
            heading = clean(text[: len(text) - len(clean(badge.text()))]) if badge is not None else text
            if badge is not None and clean(badge.text()).isdigit():
                total = int(clean(badge.text()))
            break
    if total is None and not rows:
        total = 0
    return ResultPage(results=rows, page=page, has_next=has_next, total_results=total, heading=heading)


def parse_results(html: str, kind: PageKind = PageKind.SEARCH) -> ResultPage:
    """Rows of a search/DJ/event page; SourceBlocked/SourcePageNotFound when it is not one."""
    from selectolax.lexbor import LexborHTMLParser  # imported by the routes that parse only

    tree = LexborHTMLParser(html)
    ensure_content(tree, html, kind)
    page = parse_result_tree(tree)
    read_at = clock.iso(clock.now().replace(microsecond=0))
    for row in page.results:
        row.scraped_at = read_at
    return page
