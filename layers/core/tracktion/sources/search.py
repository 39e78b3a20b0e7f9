"""Searching 1001tracklists: the site's tracklist search plus our type, date and genre filters.

The site's tracklist search matches the words anywhere (DJ, event, track names in the set,
media URLs) and has no type filter we can send. So `search_type` is applied here, on the
rows the site ranked: `dj` keeps rows whose DJ names contain a word of the query, `event`
rows whose event/venue part does; `track` keeps the site's rows as they are (the rows do not
list their tracks, so a warning says they are not checked); `tracklist` (ours) keeps all.

Pages: without a filter, our page is a window over the site's 30-row pages and the total is
the site's own count. With a filter, we read the site's pages from the first, keep the
matching rows and page over those; reading stops once the asked page is full and one more
match shows there is a next page, when the site has no more pages, or after
SEARCH_MAX_SCAN_PAGES pages (default 5: the first 150 rows the site ranks). `total_items` is
then exact when the site ran out of rows, and otherwise the matches counted so far
(`total_exact` false). See docs/api-contract.md, "Search".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import Field

from tracktion.config import SourceSettings, get
from tracktion.contract import hms, warning
from tracktion.errors import BadRequest, ValidationFailed
from tracktion.sources.listings import ResultPage, TracklistSummary, title_parts
from tracktion.sources.site import SEARCH_SELECTION_TRACKLISTS, SITE_PAGE_SIZE, ResultWindow, Site, fold
from tracktion.sources.urls import SEARCH_PATH, SITE, SourcePage, dj_page, event_page

SearchType = Literal["dj", "event", "track", "tracklist"]
MAX_LIMIT = 100
MIN_QUERY = 2


def max_scan_pages() -> int:
    """SEARCH_MAX_SCAN_PAGES, default 5: each unread page costs one polite fetch (3 s apart)."""
    return get(SourceSettings).search_max_scan_pages


Keep = Callable[[TracklistSummary], bool]
ReadPage = Callable[[int], tuple[ResultPage, bool]]


class SearchWindow(ResultWindow):
    """One page of results, with how its total was counted and what the filters did.

    `total_results` (inherited) stays the site's own count of rows for the words.
    """

    total_items: int = 0
    total_exact: bool = True
    source_total: int | None = None
    rows_examined: int = 0
    filters_applied: list[str] = Field(default_factory=list)
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    source_urls: list[str | None] = Field(default_factory=list)  # the site page of each result


# ---------------------------------------------------------------- filters


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"\w+", fold(text or "")))


def _type_filter(search_type: str | None, query: str) -> Keep | None:
    wanted = _words(query)
    if search_type == "dj":
        return lambda row: bool(wanted & _words(title_parts(row.title).who))
    if search_type == "event":

        def at_event(row: TracklistSummary) -> bool:
            parts = title_parts(row.title)
            return bool(wanted & _words(" ".join(p for p in (parts.event, parts.venue) if p)))

        return at_event
    return None


def _date_genre_filter(
    date_from: str | None, date_to: str | None, genre: str | None, names: tuple[str, str]
) -> Keep | None:
    if not (date_from or date_to or genre):
        return None
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(
            f"{names[0]} is after {names[1]}",
            details={
                "field": names[0],
                "reason": "INVALID_DATE_RANGE",
                names[0]: date_from,
                names[1]: date_to,
            },
        )
    wanted = fold(genre) if genre else None

    def keep(row: TracklistSummary) -> bool:
        if date_from and (not row.date or row.date < date_from):
            return False
        if date_to and (not row.date or row.date > date_to):
            return False
        return not wanted or any(wanted == fold(g) for g in row.genres)

    return keep


def _both(*keeps: Keep | None) -> Keep | None:
    chosen = [k for k in keeps if k is not None]
    if not chosen:
        return None
    return lambda row: all(k(row) for k in chosen)


# ---------------------------------------------------------------- paging


def _window(read: ReadPage, url_of: Callable[[int], str], page: int, limit: int) -> SearchWindow:
    """Our page `page` of `limit` rows, read from as few of the site's 30-row pages as needed."""
    start = (page - 1) * limit
    site_page = start // SITE_PAGE_SIZE + 1
    offset = start % SITE_PAGE_SIZE
    rows: list[TracklistSummary] = []
    urls: list[str | None] = []
    all_hits = True
    source_total: int | None = None
    has_next = False
    while True:
        result, hit = read(site_page)
        all_hits = all_hits and hit
        source_total = result.total_results if source_total is None else source_total
        taken = result.results[offset:]
        rows.extend(taken)
        urls.extend([url_of(site_page)] * len(taken))
        has_next = result.has_next
        last_rows = len(result.results)
        if len(rows) >= limit or not has_next:
            break
        site_page, offset = site_page + 1, 0
    seen_through = (site_page - 1) * SITE_PAGE_SIZE + last_rows
    if has_next:
        # The site has another page: at least one row more than we have seen.
        total, exact = max(source_total or 0, seen_through + 1), source_total is not None
    elif last_rows or site_page == 1:
        total, exact = seen_through, True
    else:  # a page past the end: the count is the site's, or unknown beyond what lies before
        total, exact = source_total or 0, source_total is not None
    return SearchWindow(
        results=rows[:limit],
        source_urls=urls[:limit],
        page=page,
        limit=limit,
        has_more=len(rows) > limit or has_next,
        total_results=source_total,
        total_items=total,
        total_exact=exact,
        source_total=source_total,
        rows_examined=len(rows),
        cache_hit=all_hits,
    )


def _scan(read: ReadPage, url_of: Callable[[int], str], page: int, limit: int, keep: Keep) -> SearchWindow:
    """Our page of the rows that pass `keep`, reading the site's pages from the first."""
    wanted = page * limit + 1  # one more than this page needs tells whether a next page exists
    matches: list[tuple[TracklistSummary, str]] = []
    all_hits = True
    source_total: int | None = None
    examined = 0
    site_page = 0
    has_next = True
    most = max_scan_pages()
    while has_next and len(matches) < wanted and site_page < most:
        site_page += 1
        result, hit = read(site_page)
        all_hits = all_hits and hit
        source_total = result.total_results if source_total is None else source_total
        examined += len(result.results)
        matches.extend((row, url_of(site_page)) for row in result.results if keep(row))
        has_next = result.has_next
    capped = has_next and len(matches) < wanted
    window = matches[(page - 1) * limit : page * limit]
    warnings: list[dict[str, Any]] = []
    if capped:
        warnings.append(
            warning(
                "scan_limit",
                f"Filters are applied to the first {examined} rows the source ranks for these words "
                f"(at most {most * SITE_PAGE_SIZE}); the source has "
                f"{source_total if source_total is not None else 'more'} rows in all, and the rest "
                "were not examined. Narrow the query to reach them.",
                severity="info",
            )
        )
    return SearchWindow(
        results=[row for row, _ in window],
        source_urls=[url for _, url in window],
        page=page,
        limit=limit,
        has_more=len(matches) > page * limit,
        total_results=source_total,
        total_items=len(matches),
        total_exact=not has_next,
        source_total=source_total,
        rows_examined=examined,
        cache_hit=all_hits,
        warnings=warnings,
    )


def _search_url(words: str, site_page: int) -> str:
    form = {"main_search": words, "search_selection": SEARCH_SELECTION_TRACKLISTS}
    if site_page > 1:
        form["page"] = str(site_page)
    return f"{SITE}{SEARCH_PATH}?{urlencode(form)}"


def _listing_url(target: SourcePage) -> Callable[[int], str]:
    return lambda n: target.url if n == 1 else f"{target.url}?{urlencode({'page': n})}"


# ---------------------------------------------------------------- entry points


def search_tracklists(
    query: str,
    *,
    page: int = 1,
    limit: int = 20,
    date_from: str | None = None,
    date_to: str | None = None,
    genre: str | None = None,
    force_refresh: bool = False,
    search_type: SearchType | None = None,
    date_names: tuple[str, str] = ("date_from", "date_to"),
) -> SearchWindow:
    """The site's tracklist search for `query`, filtered by type, dates and genre, paged."""
    words = " ".join(query.split())
    if len(words) < MIN_QUERY:
        raise BadRequest(
            "The search query is too short", error_code="QUERY_TOO_SHORT", details={"min": MIN_QUERY}
        )
    limit = min(limit, MAX_LIMIT)
    keep = _both(_type_filter(search_type, words), _date_genre_filter(date_from, date_to, genre, date_names))
    site = Site()

    def read(n: int) -> tuple[ResultPage, bool]:
        return site.search_page(words, n, force_refresh=force_refresh)

    def url_of(n: int) -> str:  # the site's search ignores case, and so does our cache
        return _search_url(words.casefold(), n)

    answer = _window(read, url_of, page, limit) if keep is None else _scan(read, url_of, page, limit, keep)
    answer.filters_applied = [
        f"{name}={value}"
        for name, value in ((date_names[0], date_from), (date_names[1], date_to), ("genre", genre))
        if value
    ]
    if search_type == "track":
        answer.warnings.append(
            warning(
                "search_type_partial",
                "The source's tracklist search matches track titles and artists inside the sets, "
                "but its result rows do not list tracks: these are the tracklists the source "
                "matched for the words, not checked here to contain the track.",
                field="search_type",
                severity="info",
            )
        )
    return answer


def dj_tracklists(
    dj_slug: str, *, page: int = 1, limit: int = 20, force_refresh: bool = False
) -> SearchWindow:
    return _listing(dj_page(dj_slug), page, limit, force_refresh)


def event_tracklists(
    event_slug: str, *, page: int = 1, limit: int = 20, force_refresh: bool = False
) -> SearchWindow:
    return _listing(event_page(event_slug), page, limit, force_refresh)


def _listing(target: SourcePage, page: int, limit: int, force_refresh: bool) -> SearchWindow:
    """A DJ's or an event's tracklists, a page of the site's own listing at a time."""
    site = Site()
    return _window(
        lambda n: site.listing_page(target, n, force_refresh=force_refresh),
        _listing_url(target),
        page,
        min(limit, MAX_LIMIT),
    )


# ---------------------------------------------------------------- the documented row


def hmm_ss(seconds: float | None) -> str | None:
    """'H:MM:SS' as the reference writes durations ('2:00:00'); hours are not padded."""
    return hms(seconds, pad_hours=False)


def result_item(row: TracklistSummary, source_url: str | None = None) -> dict[str, Any]:
    """A result row as the reference shows it (dj_name, event_name, venue, ...), plus ours."""
    parts = title_parts(row.title)
    return {
        "dj_name": parts.who or (row.djs[0] if row.djs else None),
        "event_name": parts.event or row.event,
        "date": row.date,
        "venue": parts.venue,
        "set_type": {"@": "DJ Set", "-": "Mix"}.get(parts.separator or ""),
        "url": row.url,
        "duration": hmm_ss(row.duration_seconds),
        "track_count": row.track_count,
        "genre": ", ".join(row.genres) or None,
        "scraped_at": row.scraped_at,
        "source_url": source_url,
        # additions
        **row.model_dump(mode="json", exclude={"scraped_at"}),
        "country": parts.country,
    }
