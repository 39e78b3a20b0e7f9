"""Search 1001tracklists: GET /api/v1/search, /api/v1/search/dj/{dj_slug} and /search/event/{event_slug}."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from tracktion.api.principal import current_principal
from tracktion.api.resolver import correlation_id, make_app, serve
from tracktion.observability import logger
from tracktion.sources import search

app = make_app("search")

Page = Annotated[int, Query(ge=1, le=1000)]
Limit = Annotated[int, Query(ge=1, le=search.MAX_LIMIT)]
Refresh = Annotated[bool, Query()]
IsoDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Slug = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]


def _answer(window: search.ResultWindow, started: float, **echo: Any) -> dict[str, Any]:
    return {
        "success": True,
        **echo,
        "results": [r.model_dump(mode="json") for r in window.results],
        "pagination": {
            "page": window.page,
            "limit": window.limit,
            "has_more": window.has_more,
            "total_results": window.total_results,
        },
        "cache_hit": window.cache_hit,
        "cached": window.cache_hit,
        "response_time_ms": round((time.perf_counter() - started) * 1000, 2),
        "correlation_id": correlation_id(app),
    }


@app.get("/api/v1/search")
def search_all(
    query: Annotated[str, Query(min_length=search.MIN_QUERY, max_length=200)],
    search_type: Annotated[Literal["dj", "event", "track", "tracklist"], Query()] = "tracklist",
    page: Page = 1,
    limit: Limit = 20,
    start_date: IsoDate = None,
    end_date: IsoDate = None,
    force_refresh: Refresh = False,
) -> dict[str, Any]:
    started = time.perf_counter()
    current_principal(app)
    window = search.search_tracklists(
        query, page=page, limit=limit, date_from=start_date, date_to=end_date, force_refresh=force_refresh
    )
    return _answer(window, started, query=query, search_type=search_type)


@app.get("/api/v1/search/dj/<dj_slug>")
def search_dj(
    dj_slug: Slug, page: Page = 1, limit: Limit = 20, force_refresh: Refresh = False
) -> dict[str, Any]:
    started = time.perf_counter()
    current_principal(app)
    window = search.dj_tracklists(dj_slug, page=page, limit=limit, force_refresh=force_refresh)
    return _answer(window, started, dj_slug=dj_slug)


@app.get("/api/v1/search/event/<event_slug>")
def search_event(
    event_slug: Slug, page: Page = 1, limit: Limit = 20, force_refresh: Refresh = False
) -> dict[str, Any]:
    started = time.perf_counter()
    current_principal(app)
    window = search.event_tracklists(event_slug, page=page, limit=limit, force_refresh=force_refresh)
    return _answer(window, started, event_slug=event_slug)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
