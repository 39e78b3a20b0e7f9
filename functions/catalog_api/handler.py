"""The Beatport catalog: GET /api/v1/catalog/beatport/... (search, details, catalogues, charts).

Answers are our typed models (tracktion.catalog.beatport_models), never Beatport's JSON: a
detail is the entity's fields with `cache_hit` beside them; a list is `results`, the
contract's `pagination` and `cache_hit` (search adds `query_info`). Beatport down, refusing or
limiting us is 503 CATALOG_UNAVAILABLE with `retry_after`; an unknown id is 404
RESOURCE_NOT_FOUND; a bad parameter 422. Every request to Beatport takes a turn of the one
request budget all functions share. docs/api-contract.md, "Beatport catalog".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import Field

from tracktion.api.resolver import correlation_id, make_app, serve
from tracktion.api.rules import rules
from tracktion.api.shapes import Out, PagePagination, error_responses
from tracktion.auth.weights import READ, SEARCH
from tracktion.catalog import beatport_models as bm
from tracktion.catalog.beatport_catalog import BeatportCatalog, SearchType
from tracktion.config import AuthSettings, CatalogSettings, CoreSettings, get, load
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, CatalogSettings)

app = make_app()
BASE = "/api/v1/catalog/beatport"

Id = Annotated[int, Path(ge=1, le=2_147_483_647, description="Beatport's numeric id")]
Page = Annotated[int, Query(ge=1, le=1000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Items per page (1-100)")]
GenreFilter = Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Beatport genre id")]
ERRORS = cast("dict[int, OpenAPIResponse]", error_responses(400, 401, 403, 404, 422, 429, 503))
LIST_ERRORS = ERRORS


# ---------------------------------------------------------------- answer models


class CatalogAnswer(Out):
    cache_hit: bool = Field(description="true when answered from our cache, without asking Beatport")
    correlation_id: str | None = None


class BeatportTrackAnswer(bm.BeatportTrack, CatalogAnswer):
    """A track: name, mix, artists, remixers, BPM, key and Camelot, genre, label, release (date,
    catalog number), ISRC, length, preview with its window, artwork."""


class BeatportReleaseAnswer(bm.BeatportRelease, CatalogAnswer):
    pass


class BeatportArtistAnswer(bm.BeatportArtist, CatalogAnswer):
    pass


class BeatportLabelAnswer(bm.BeatportLabel, CatalogAnswer):
    pass


class BeatportGenreAnswer(bm.BeatportGenre, CatalogAnswer):
    pass


class BeatportChartAnswer(bm.BeatportChart, CatalogAnswer):
    pass


class BeatportTrackList(CatalogAnswer):
    results: list[bm.BeatportTrack]
    pagination: PagePagination


class BeatportReleaseList(CatalogAnswer):
    results: list[bm.BeatportRelease]
    pagination: PagePagination


class BeatportGenreList(CatalogAnswer):
    results: list[bm.BeatportGenre]
    pagination: PagePagination


class CatalogQueryInfo(Out):
    query: str
    search_type: str
    filters_applied: list[str] = Field(default_factory=list, description='e.g. "genre_id=90"')


class CatalogSearchAnswer(CatalogAnswer):
    """`results` hold the searched type's entities (tracks, releases, artists or labels)."""

    results: list[
        Annotated[
            bm.BeatportTrack | bm.BeatportRelease | bm.BeatportArtist | bm.BeatportLabel,
            Field(discriminator="entity"),
        ]
    ]
    pagination: PagePagination
    query_info: CatalogQueryInfo


# ---------------------------------------------------------------- helpers


@lru_cache(maxsize=2)
def _catalog_for(settings: CatalogSettings) -> BeatportCatalog:
    """One catalog (its HTTP connection pool, its sign-in) per warm instance and settings."""
    return BeatportCatalog()


def _catalog() -> BeatportCatalog:
    return _catalog_for(get(CatalogSettings))


def _detail(found: dict[str, Any]) -> dict[str, Any]:
    return {**found["item"], "cache_hit": found["cache_hit"], "correlation_id": correlation_id(app)}


def _page(found: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "results": found["results"],
        "pagination": found["pagination"],
        **extra,
        "cache_hit": found["cache_hit"],
        "correlation_id": correlation_id(app),
    }


# ---------------------------------------------------------------- routes (literal paths first)


@app.get(f"{BASE}/search", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=SEARCH)
def search(
    q: Annotated[str, Query(max_length=200, description="Words to search; may be empty with a filter")] = "",
    type: Annotated[SearchType, Query(description="What to search")] = "tracks",
    genre_id: GenreFilter = None,
    label_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Beatport label id")] = None,
    page: Page = 1,
    per_page: PerPage = 20,
) -> CatalogSearchAnswer:
    found = _catalog().search(q, type, genre_id=genre_id, label_id=label_id, page=page, per_page=per_page)
    filters = [f"{k}={v}" for k, v in (("genre_id", genre_id), ("label_id", label_id)) if v is not None]
    info = {"query": q.strip(), "search_type": type, "filters_applied": filters}
    return CatalogSearchAnswer.model_validate(_page(found, query_info=info))


@app.get(f"{BASE}/genres", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def genres(page: Page = 1, per_page: PerPage = 100) -> BeatportGenreList:
    return BeatportGenreList.model_validate(_page(_catalog().genres(page, per_page)))


@app.get(f"{BASE}/charts/top-100", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def top_100(genre_id: GenreFilter = None, page: Page = 1, per_page: PerPage = 100) -> BeatportTrackList:
    """Beatport's Top 100 tracks: overall, or a genre's."""
    return BeatportTrackList.model_validate(_page(_catalog().top(genre_id, page, per_page)))


@app.get(f"{BASE}/charts/hype", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def hype(genre_id: GenreFilter = None, page: Page = 1, per_page: PerPage = 100) -> BeatportTrackList:
    """Hype tracks (Beatport's hype filter): overall, or a genre's."""
    return BeatportTrackList.model_validate(_page(_catalog().hype(genre_id, page, per_page)))


@app.get(f"{BASE}/tracks/<track_id>", responses=ERRORS)
@rules(permission="read", scope="search", cost=READ)
def track(track_id: Id) -> BeatportTrackAnswer:
    return BeatportTrackAnswer.model_validate(_detail(_catalog().track(track_id)))


@app.get(f"{BASE}/releases/<release_id>", responses=ERRORS)
@rules(permission="read", scope="search", cost=READ)
def release(release_id: Id) -> BeatportReleaseAnswer:
    return BeatportReleaseAnswer.model_validate(_detail(_catalog().release(release_id)))


@app.get(f"{BASE}/releases/<release_id>/tracks", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def release_tracks(release_id: Id, page: Page = 1, per_page: PerPage = 20) -> BeatportTrackList:
    return BeatportTrackList.model_validate(_page(_catalog().release_tracks(release_id, page, per_page)))


@app.get(f"{BASE}/artists/<artist_id>", responses=ERRORS)
@rules(permission="read", scope="search", cost=READ)
def artist(artist_id: Id) -> BeatportArtistAnswer:
    return BeatportArtistAnswer.model_validate(_detail(_catalog().artist(artist_id)))


@app.get(f"{BASE}/artists/<artist_id>/tracks", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def artist_tracks(artist_id: Id, page: Page = 1, per_page: PerPage = 20) -> BeatportTrackList:
    return BeatportTrackList.model_validate(_page(_catalog().artist_tracks(artist_id, page, per_page)))


@app.get(f"{BASE}/labels/<label_id>", responses=ERRORS)
@rules(permission="read", scope="search", cost=READ)
def label(label_id: Id) -> BeatportLabelAnswer:
    return BeatportLabelAnswer.model_validate(_detail(_catalog().label(label_id)))


@app.get(f"{BASE}/labels/<label_id>/releases", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def label_releases(label_id: Id, page: Page = 1, per_page: PerPage = 20) -> BeatportReleaseList:
    return BeatportReleaseList.model_validate(_page(_catalog().label_releases(label_id, page, per_page)))


@app.get(f"{BASE}/labels/<label_id>/tracks", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def label_tracks(label_id: Id, page: Page = 1, per_page: PerPage = 20) -> BeatportTrackList:
    return BeatportTrackList.model_validate(_page(_catalog().label_tracks(label_id, page, per_page)))


@app.get(f"{BASE}/genres/<genre_id>", responses=ERRORS)
@rules(permission="read", scope="search", cost=READ)
def genre(genre_id: Id) -> BeatportGenreAnswer:
    return BeatportGenreAnswer.model_validate(_detail(_catalog().genre(genre_id)))


@app.get(f"{BASE}/charts/<chart_id>", responses=ERRORS)
@rules(permission="read", scope="search", cost=READ)
def chart(chart_id: Id) -> BeatportChartAnswer:
    """A DJ chart (Beatport's curated charts)."""
    return BeatportChartAnswer.model_validate(_detail(_catalog().chart(chart_id)))


@app.get(f"{BASE}/charts/<chart_id>/tracks", responses=LIST_ERRORS)
@rules(permission="read", scope="search", cost=READ)
def chart_tracks(chart_id: Id, page: Page = 1, per_page: PerPage = 20) -> BeatportTrackList:
    return BeatportTrackList.model_validate(_page(_catalog().chart_tracks(chart_id, page, per_page)))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
