"""The Beatport catalog as our API answers it: one page of a list, or one entity, cached.

Each method asks Beatport for exactly one page (or one entity) through the provider (its shared
request budget, backoff and sign-in), reads it into our typed models
(tracktion.catalog.beatport_models) and caches the answer in the cache table
(tracktion.cache.source_cache, keys `CATALOG#beatport#<kind>#<digest>`): details for
CATALOG_CACHE_DETAIL_TTL_SECONDS (a day), searches, charts and lists for
CATALOG_CACHE_LIST_TTL_SECONDS (an hour). `cache_hit` says which one a caller got.

Beatport's list envelope is `{"count", "next", "previous", "page": "N/M", "per_page",
"results"}` (search: items under the type's key, "tracks": [...], with "order"); it becomes the
contract's page pagination (page, limit, total_pages, total_items, has_next, has_previous),
computed from Beatport's own numbers: `page` "N/M" when readable, `count` and the `per_page` it
actually used (it clamps what it is asked), `next` for has_next.

Failures: Beatport unavailable, refusing or limiting us is 503 CATALOG_UNAVAILABLE with
`retry_after`; an unknown id (Beatport's 404 `{"detail": "Not found."}`) is 404
RESOURCE_NOT_FOUND.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from tracktion.catalog import beatport_models as bm
from tracktion.catalog.beatport import parse_page
from tracktion.catalog.transport import DEFAULT_RETRY_AFTER, ProviderUnavailable
from tracktion.config import CatalogSettings, get
from tracktion.errors import NotFound, ServiceUnavailable, ValidationFailed
from tracktion.observability import logger

if TYPE_CHECKING:
    from tracktion.cache.source_cache import SourceCache
    from tracktion.catalog.beatport import BeatportProvider

SearchType = Literal["tracks", "releases", "artists", "labels"]
SEARCH_TYPES: tuple[str, ...] = ("tracks", "releases", "artists", "labels")
MAX_PER_PAGE = 100  # Beatport answers at most 100 a page whatever is asked
TOP_SIZE = 100

_READERS: dict[str, Callable[[dict[str, Any]], bm.Out]] = {
    "tracks": bm.track,
    "releases": bm.release,
    "artists": bm.artist,
    "labels": bm.label,
    "genres": bm.genre,
    "charts": bm.chart,
}


class CatalogUnavailable(ServiceUnavailable):
    """Beatport cannot answer now (down, refusing, limiting us, or not configured here)."""

    error_code = "CATALOG_UNAVAILABLE"


def _unavailable(exc: ProviderUnavailable) -> CatalogUnavailable:
    return CatalogUnavailable(
        exc.message,
        details={"provider": exc.provider, "reason": exc.reason},
        retry_after=exc.retry_after or DEFAULT_RETRY_AFTER,
    )


def cache_key(kind: str, path: str, params: dict[str, Any]) -> str:
    canonical = json.dumps(
        [path, {k: v for k, v in sorted(params.items()) if v not in (None, "")}], default=str
    )
    return f"CATALOG#beatport#{kind}#{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


def pagination(data: dict[str, Any], page: int, per_page: int, returned: int) -> dict[str, Any]:
    """The contract's page pagination from Beatport's envelope (its numbers preferred)."""
    count = data.get("count")
    total_items = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else returned
    answered = data.get("per_page")
    limit = (
        answered
        if isinstance(answered, int) and not isinstance(answered, bool) and answered > 0
        else per_page
    )
    parsed = parse_page(data.get("page"))
    current, total_pages = parsed if parsed and parsed[0] >= 1 and parsed[1] >= 0 else (page, 0)
    if not parsed:
        total_pages = math.ceil(total_items / limit) if total_items else 0
    has_next = bool(data.get("next")) or current < total_pages
    return bm.BeatportPagination(
        page=current,
        limit=limit,
        total_pages=total_pages,
        total_items=total_items,
        has_next=has_next,
        has_previous=current > 1,
    ).model_dump(mode="json")


class BeatportCatalog:
    def __init__(self, provider: BeatportProvider | None = None, cache: SourceCache | None = None) -> None:
        if provider is None:
            from tracktion.catalog.beatport import BeatportProvider

            provider = BeatportProvider()
        self.provider = provider
        self._cache = cache

    def _store(self, ttl: int) -> SourceCache | None:
        if ttl <= 0:
            return None
        if self._cache is not None:
            return self._cache
        from tracktion.cache.source_cache import SourceCache

        return SourceCache(ttl=ttl)

    def _cached(
        self, kind: str, path: str, params: dict[str, Any], ttl: int, read: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        store = self._store(ttl)
        key = cache_key(kind, path, params)
        if store is not None:
            try:
                hit = store.get(key)
            except Exception:  # the cache is an optimisation: never fail an answer for it
                logger.exception("catalog cache read failed")
                hit = None
            if hit is not None:
                return {**hit, "cache_hit": True}
        answer = read()
        if store is not None:
            try:
                store.put(key, answer)
            except Exception:
                logger.exception("catalog cache write failed")
        return {**answer, "cache_hit": False}

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return self.provider.get(path, params)
        except ProviderUnavailable as exc:
            raise _unavailable(exc) from exc

    # ------------------------------------------------------------------ shapes
    def _detail(self, kind: str, ident: int, what: str) -> dict[str, Any]:
        path = f"catalog/{kind}/{int(ident)}/"

        def read() -> dict[str, Any]:
            data = self._get(path)
            if not isinstance(data, dict) or data.get("id") is None:
                raise NotFound(f"No Beatport {what} with id {ident}", details={"id": ident, "type": what})
            return {"item": _READERS[kind](data).model_dump(mode="json")}

        ttl = get(CatalogSettings).cache_detail_ttl_seconds
        return self._cached(kind, path, {}, ttl, read)

    def _list(
        self,
        kind: str,
        path: str,
        params: dict[str, Any],
        *,
        page: int,
        per_page: int,
        item_key: str = "results",
        missing: str | None = None,
    ) -> dict[str, Any]:
        """One page of a list; `missing` names what an unknown parent is (404), else an empty page."""
        query = {
            **{k: v for k, v in params.items() if v not in (None, "")},
            "page": page,
            "per_page": per_page,
        }

        def read() -> dict[str, Any]:
            data = self._get(path, query)
            if data is None:  # Beatport's 404: an unknown parent, or a page past the end
                if missing is not None and page == 1:
                    raise NotFound(f"No Beatport {missing}", details={"path": path})
                raise NotFound(f"Page {page} is past the end of this list", details={"page": page})
            if not isinstance(data, dict):
                raise _unavailable(
                    ProviderUnavailable("beatport", "error", "Beatport answered an unexpected shape")
                )
            raw = data.get(item_key)
            if raw is None and item_key != "results":
                raw = data.get("results")
            items = []
            for entry in raw if isinstance(raw, list) else []:
                if not isinstance(entry, dict):
                    continue
                try:
                    items.append(_READERS[kind](entry).model_dump(mode="json"))
                except KeyError:  # an entry without an id: not something a client can use
                    continue
            return {"results": items, "pagination": pagination(data, page, per_page, len(items))}

        ttl = get(CatalogSettings).cache_list_ttl_seconds
        return self._cached(f"{kind}-list", path, query, ttl, read)

    # ------------------------------------------------------------------ routes
    def search(
        self,
        q: str,
        type_: str,
        *,
        genre_id: int | None = None,
        label_id: int | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> dict[str, Any]:
        """GET /catalog/search/: items under the type's key ("tracks": [...])."""
        text = q.strip()
        if type_ not in SEARCH_TYPES:
            raise ValidationFailed(
                f"type must be one of {', '.join(SEARCH_TYPES)}", details={"field": "type"}
            )
        if not text and genre_id is None and label_id is None:
            raise ValidationFailed(
                "Give q (the words to search), or genre_id or label_id to list what they hold",
                error_code="REQUIRED_FIELD_MISSING",
                details={"field": "q"},
            )
        params = {"q": text, "type": type_, "genre_id": genre_id, "label_id": label_id}
        return self._list(type_, "catalog/search/", params, page=page, per_page=per_page, item_key=type_)

    def track(self, ident: int) -> dict[str, Any]:
        return self._detail("tracks", ident, "track")

    def release(self, ident: int) -> dict[str, Any]:
        return self._detail("releases", ident, "release")

    def artist(self, ident: int) -> dict[str, Any]:
        return self._detail("artists", ident, "artist")

    def label(self, ident: int) -> dict[str, Any]:
        return self._detail("labels", ident, "label")

    def genre(self, ident: int) -> dict[str, Any]:
        return self._detail("genres", ident, "genre")

    def chart(self, ident: int) -> dict[str, Any]:
        return self._detail("charts", ident, "chart")

    def release_tracks(self, ident: int, page: int, per_page: int) -> dict[str, Any]:
        path = f"catalog/releases/{int(ident)}/tracks/"
        return self._list(
            "tracks", path, {}, page=page, per_page=per_page, missing=f"release with id {ident}"
        )

    def artist_tracks(self, ident: int, page: int, per_page: int) -> dict[str, Any]:
        path = f"catalog/artists/{int(ident)}/tracks/"
        return self._list("tracks", path, {}, page=page, per_page=per_page, missing=f"artist with id {ident}")

    def label_releases(self, ident: int, page: int, per_page: int) -> dict[str, Any]:
        path = f"catalog/labels/{int(ident)}/releases/"
        return self._list(
            "releases", path, {}, page=page, per_page=per_page, missing=f"label with id {ident}"
        )

    def label_tracks(self, ident: int, page: int, per_page: int) -> dict[str, Any]:
        """Beatport has no /labels/{id}/tracks/: a label's tracks are the tracks filter."""
        params = {"label_id": int(ident)}
        return self._list("tracks", "catalog/tracks/", params, page=page, per_page=per_page)

    def chart_tracks(self, ident: int, page: int, per_page: int) -> dict[str, Any]:
        path = f"catalog/charts/{int(ident)}/tracks/"
        return self._list("tracks", path, {}, page=page, per_page=per_page, missing=f"chart with id {ident}")

    def genres(self, page: int, per_page: int) -> dict[str, Any]:
        return self._list("genres", "catalog/genres/", {}, page=page, per_page=per_page)

    def top(self, genre_id: int | None, page: int, per_page: int) -> dict[str, Any]:
        """The Top 100: a genre's (/genres/{id}/top/100/), or Beatport's overall (/tracks/top/100/)."""
        if genre_id is None:
            path = f"catalog/tracks/top/{TOP_SIZE}/"
            missing = None
        else:
            path = f"catalog/genres/{int(genre_id)}/top/{TOP_SIZE}/"
            missing = f"genre with id {genre_id}"
        return self._list("tracks", path, {}, page=page, per_page=per_page, missing=missing)

    def hype(self, genre_id: int | None, page: int, per_page: int) -> dict[str, Any]:
        """Hype tracks: Beatport has no hype endpoint; hype is the tracks filter `is_hype`."""
        params = {"is_hype": "true", "genre_id": genre_id}
        return self._list("tracks", "catalog/tracks/", params, page=page, per_page=per_page)
