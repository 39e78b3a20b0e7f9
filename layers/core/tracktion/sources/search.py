"""Searching 1001tracklists: the site's tracklist search plus our own date and genre filters.

The site matches the words itself (DJ, event, track and media URL alike), so `search_type`
only shapes the query we send (e.g. a DJ search is the DJ's name); dates and genres are
filtered here on the result rows. Pages of ours are windows over the site's 30-row pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from tracktion.errors import BadRequest
from tracktion.sources.listings import TracklistSummary
from tracktion.sources.site import ResultWindow, Site, fold

SearchType = Literal["dj", "event", "track", "tracklist"]
MAX_LIMIT = 50
MIN_QUERY = 2


def _keep(
    date_from: str | None, date_to: str | None, genre: str | None
) -> Callable[[TracklistSummary], bool] | None:
    if not (date_from or date_to or genre):
        return None
    if date_from and date_to and date_from > date_to:
        raise BadRequest("date_from is after date_to", error_code="INVALID_DATE_RANGE")
    wanted = fold(genre) if genre else None

    def keep(row: TracklistSummary) -> bool:
        if date_from and (not row.date or row.date < date_from):
            return False
        if date_to and (not row.date or row.date > date_to):
            return False
        return not wanted or any(wanted == fold(g) for g in row.genres)

    return keep


def search_tracklists(
    query: str,
    *,
    page: int = 1,
    limit: int = 20,
    date_from: str | None = None,
    date_to: str | None = None,
    genre: str | None = None,
    force_refresh: bool = False,
) -> ResultWindow:
    words = " ".join(query.split())
    if len(words) < MIN_QUERY:
        raise BadRequest(
            "The search query is too short", error_code="QUERY_TOO_SHORT", details={"min": MIN_QUERY}
        )
    return Site().search(
        words,
        page=page,
        limit=min(limit, MAX_LIMIT),
        force_refresh=force_refresh,
        keep=_keep(date_from, date_to, genre),
    )


def dj_tracklists(
    dj_slug: str, *, page: int = 1, limit: int = 20, force_refresh: bool = False
) -> ResultWindow:
    return Site().dj(dj_slug, page=page, limit=min(limit, MAX_LIMIT), force_refresh=force_refresh)


def event_tracklists(
    event_slug: str, *, page: int = 1, limit: int = 20, force_refresh: bool = False
) -> ResultWindow:
    return Site().event(event_slug, page=page, limit=min(limit, MAX_LIMIT), force_refresh=force_refresh)
