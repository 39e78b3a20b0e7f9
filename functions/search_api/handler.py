"""Search 1001tracklists: GET /api/v1/search, /api/v1/search/dj/{dj_slug} and /search/event/{event_slug}.

Every answer has the reference's shape (results, pagination, query_info, cache_hit,
response_time_ms, correlation_id), our earlier fields beside it; docs/api-contract.md, "Search".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, Literal, cast

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import ConfigDict, Field

from tracktion.api.resolver import correlation_id, make_app, serve
from tracktion.api.rules import rules
from tracktion.api.shapes import Out, PagePagination, Warning_, error_responses, page_pagination
from tracktion.auth.weights import SEARCH
from tracktion.config import AuthSettings, CoreSettings, SourceSettings, load
from tracktion.errors import UpstreamError
from tracktion.observability import logger
from tracktion.sources import search
from tracktion.sources.urls import EVENT_SLUG_PATTERN

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, SourceSettings)

app = make_app()

Page = Annotated[int, Query(ge=1, le=1000)]
Limit = Annotated[int, Query(ge=1, le=search.MAX_LIMIT, description="Results per page (1-100)")]
Refresh = Annotated[bool, Query(description="Read the source again instead of the cache")]
IsoDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]
Slug = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
# The site's source id, optionally with its slug (tracktion.sources.urls.event_page).
# Schema only: another slug is the code's 400 INVALID_URL.
EventSlug = Annotated[
    str, Path(min_length=4, max_length=120, json_schema_extra={"pattern": EVENT_SLUG_PATTERN})
]
SearchType = Annotated[
    Literal["dj", "event", "track", "tracklist"],
    Query(
        description="dj: DJ names match the query; event: event or venue names match; track: the "
        "source's tracklist search, which also matches track titles and artists (not checked); "
        "tracklist: every row the source matched"
    ),
]
# error_responses() is typed as plain dicts; Powertools' stub wants its OpenAPIResponse TypedDict.
ERRORS = cast("dict[int, OpenAPIResponse]", error_responses(400, 401, 403, 404, 422, 429, 502, 503))


# ---------------------------------------------------------------- answer models


class SearchResultOut(Out):
    """One tracklist found: the reference's fields, then ours."""

    dj_name: str | None = None
    event_name: str | None = None
    date: str | None = Field(default=None, description="YYYY-MM-DD")
    venue: str | None = None
    set_type: str | None = Field(default=None, description='"DJ Set" (played @ an event), "Mix" (a show)')
    url: str
    duration: str | None = Field(default=None, description='"H:MM:SS", e.g. "2:00:00"')
    track_count: int | None = None
    genre: str | None = Field(default=None, description="The source's music styles, comma-separated")
    scraped_at: str | None = Field(default=None, description="When we read the source page listing it")
    source_url: str | None = Field(default=None, description="The source page the row was read from")
    # additions
    page_id: str
    title: str
    djs: list[str] = Field(default_factory=list)
    event: str | None = None
    country: str | None = None
    genres: list[str] = Field(default_factory=list)
    identified_count: int | None = None
    duration_seconds: float | None = None
    views: str | None = None
    creator: str | None = None


class SearchPagination(PagePagination):
    """The reference's pagination, plus our earlier keys and how the total was counted."""

    has_more: bool
    total_results: int | None = Field(description="The source's own count of rows for the words")
    total_exact: bool = Field(
        description="false when total_items counts the matches found so far (more pages remain unread)"
    )


class QueryInfo(Out):
    query: str
    search_type: str
    filters_applied: list[str] = Field(default_factory=list, description='e.g. "start_date=2024-01-01"')


class SearchAnswer(Out):
    model_config = ConfigDict(
        defer_build=True,
        extra="allow",
        json_schema_extra={
            "example": {
                "results": [
                    {
                        "dj_name": "Armin van Buuren",
                        "event_name": "A State of Trance 1000",
                        "date": "2024-01-15",
                        "venue": "Club Example",
                        "set_type": "DJ Set",
                        "url": "https://1001tracklists.com/tracklist/12345/armin-asot-1000",
                        "duration": "2:00:00",
                        "track_count": 30,
                        "genre": "Trance",
                        "scraped_at": "2024-01-15T10:00:00Z",
                        "source_url": "https://1001tracklists.com/search?query=armin",
                    }
                ],
                "pagination": {
                    "page": 1,
                    "limit": 10,
                    "total_pages": 5,
                    "total_items": 50,
                    "has_next": True,
                    "has_previous": False,
                },
                "query_info": {"query": "Armin van Buuren", "search_type": "dj", "filters_applied": []},
                "cache_hit": False,
                "response_time_ms": 250.5,
                "correlation_id": "123e4567-e89b-12d3-a456-426614174000",
            }
        },
    )

    results: list[SearchResultOut]
    pagination: SearchPagination
    query_info: QueryInfo
    cache_hit: bool
    response_time_ms: float
    correlation_id: str | None = None
    # additions
    success: bool = True
    cached: bool
    warnings: list[Warning_] = Field(default_factory=list)


# ---------------------------------------------------------------- routes


def _run(read: Callable[[], search.SearchWindow]) -> search.SearchWindow:
    """A failure of the source while searching is the reference's SEARCH_FAILED (502)."""
    try:
        return read()
    except UpstreamError as exc:
        raise UpstreamError(
            exc.message,
            error_code="SEARCH_FAILED",
            details={**(exc.details or {}), "reason": exc.error_code},
        ) from exc


def _answer(
    window: search.SearchWindow, started: float, shown_query: str, shown_type: str, /, **echo: Any
) -> SearchAnswer:
    pagination = page_pagination(window.page, window.limit, window.total_items)
    pagination.update(
        has_next=window.has_more,
        has_more=window.has_more,
        total_results=window.total_results,
        total_exact=window.total_exact,
    )
    return SearchAnswer.model_validate(
        {
            "success": True,
            **echo,
            "results": [
                search.result_item(row, url)
                for row, url in zip(window.results, window.source_urls, strict=True)
            ],
            "pagination": pagination,
            "query_info": {
                "query": shown_query,
                "search_type": shown_type,
                "filters_applied": window.filters_applied,
            },
            "warnings": window.warnings,
            "cache_hit": window.cache_hit,
            "cached": window.cache_hit,
            "response_time_ms": round((time.perf_counter() - started) * 1000, 2),
            "correlation_id": correlation_id(app),
        }
    )


@app.get("/api/v1/search", responses=ERRORS)
@rules(permission="read", scope="search", cost=SEARCH)
def search_all(
    query: Annotated[str, Query(min_length=search.MIN_QUERY, max_length=200)],
    search_type: SearchType = "dj",
    page: Page = 1,
    limit: Limit = 20,
    start_date: IsoDate = None,
    end_date: IsoDate = None,
    force_refresh: Refresh = False,
) -> SearchAnswer:
    started = time.perf_counter()
    window = _run(
        lambda: search.search_tracklists(
            query,
            page=page,
            limit=limit,
            date_from=start_date,
            date_to=end_date,
            force_refresh=force_refresh,
            search_type=search_type,
            date_names=("start_date", "end_date"),
        )
    )
    return _answer(window, started, query, search_type, query=query, search_type=search_type)


@app.get("/api/v1/search/dj/<dj_slug>", responses=ERRORS)
@rules(permission="read", scope="search", cost=SEARCH)
def search_dj(
    dj_slug: Slug, page: Page = 1, limit: Limit = 20, force_refresh: Refresh = False
) -> SearchAnswer:
    started = time.perf_counter()
    window = _run(lambda: search.dj_tracklists(dj_slug, page=page, limit=limit, force_refresh=force_refresh))
    return _answer(window, started, dj_slug, "dj", dj_slug=dj_slug)


@app.get("/api/v1/search/event/<event_slug>", responses=ERRORS)
@rules(permission="read", scope="search", cost=SEARCH)
def search_event(
    event_slug: EventSlug, page: Page = 1, limit: Limit = 20, force_refresh: Refresh = False
) -> SearchAnswer:
    started = time.perf_counter()
    window = _run(
        lambda: search.event_tracklists(event_slug, page=page, limit=limit, force_refresh=force_refresh)
    )
    return _answer(window, started, event_slug, "event", event_slug=event_slug)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
