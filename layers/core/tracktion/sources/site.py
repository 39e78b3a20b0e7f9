"""1001tracklists as our code reads it: cache first, then a polite guarded fetch, then a parse.

Every function that needs the site goes through here, so caching, the politeness budget,
backoff after a block and "never cache a block, a missing page or an empty tracklist" hold
everywhere. A block (HTTP 403/429/503 or a 200 challenge page) pushes the shared budget back
and answers SourceBlocked with `retry_after`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TypeVar

from pydantic import Field

from tracktion.cache.source_cache import SourceCache, page_key, query_key
from tracktion.errors import SourceBlocked
from tracktion.models import Model
from tracktion.sources.fetch import SourceFetcher
from tracktion.sources.listings import ResultPage, TracklistSummary, parse_results
from tracktion.sources.politeness import PolitenessBucket
from tracktion.sources.tracklists1001 import parse_tracklist
from tracktion.sources.urls import SEARCH_PATH, PageKind, SourcePage, event_page, tracklist_page
from tracktion.tracklists.model import Tracklist

SITE_PAGE_SIZE = 30  # rows per page of the site's own result lists
SEARCH_SELECTION_TRACKLISTS = "9"

T = TypeVar("T")


class ResultWindow(Model):
    """One page of our own pagination over the site's 30-row pages."""

    results: list[TracklistSummary] = Field(default_factory=list)
    page: int
    limit: int
    has_more: bool
    total_results: int | None = None
    cache_hit: bool = False


class Site:
    def __init__(
        self,
        fetcher: SourceFetcher | None = None,
        cache: SourceCache | None = None,
        bucket: PolitenessBucket | None = None,
    ) -> None:
        self.bucket = bucket or PolitenessBucket()
        self.fetcher = fetcher or SourceFetcher(bucket=self.bucket)
        self.cache = cache or SourceCache()

    def _guarded(self, read: Callable[[], T]) -> T:
        try:
            return read()
        except SourceBlocked as exc:
            if (exc.details or {}).get("reason") != "backoff":
                exc.retry_after = max(exc.retry_after or 0, self.bucket.record_block())
            raise

    def tracklist(
        self, url: str, *, force_refresh: bool = False, remember: bool = True
    ) -> tuple[Tracklist, bool]:
        """The parsed tracklist page at `url` and whether it came from the cache.

        `remember=False` reads the cache but does not write it: a batch stores every page it
        imports as a tracklist already, and its URLs are de-duplicated up front, so a cache
        write there would be a sixth DynamoDB write per URL that nobody reads.
        """
        page = tracklist_page(url)
        key = page_key("tracklist", page.page_id or page.path)
        if not force_refresh and (hit := self.cache.get(key)) is not None:
            return Tracklist.model_validate(hit), True
        fetched = self._guarded(lambda: self.fetcher.get(page.path))
        parsed = self._guarded(lambda: parse_tracklist(fetched.text, page.url))
        if remember:
            self.cache.put(key, parsed.model_dump(mode="json"), url=page.url)
        return parsed, False

    def forget_tracklist(self, url: str) -> bool:
        page = tracklist_page(url)
        return self.cache.delete(page_key("tracklist", page.page_id or page.path))

    def forget_all_tracklists(self) -> int:
        """Forget every cached tracklist page (all users share them); how many were live."""
        return self.cache.clear(page_key("tracklist", ""))

    def _result_page(
        self, kind: PageKind, params: dict[str, str], read: Callable[[], str], force_refresh: bool
    ) -> tuple[ResultPage, bool]:
        key = query_key(kind.value, params)
        if not force_refresh and (hit := self.cache.get(key)) is not None:
            return ResultPage.model_validate(hit), True
        html = self._guarded(read)
        parsed = self._guarded(lambda: parse_results(html, kind))
        self.cache.put(key, parsed.model_dump(mode="json"))
        return parsed, False

    def search_page(
        self, query: str, site_page: int, *, force_refresh: bool = False
    ) -> tuple[ResultPage, bool]:
        form = {"main_search": query, "search_selection": SEARCH_SELECTION_TRACKLISTS}
        if site_page > 1:
            form["page"] = str(site_page)
        return self._result_page(
            PageKind.SEARCH,
            {"query": query.casefold(), "page": str(site_page)},
            lambda: self.fetcher.post_form(SEARCH_PATH, form).text,
            force_refresh,
        )

    def listing_page(
        self, page: SourcePage, site_page: int, *, force_refresh: bool = False
    ) -> tuple[ResultPage, bool]:
        params = {"page": str(site_page)} if site_page > 1 else None
        return self._result_page(
            page.kind,
            {"path": page.path, "page": str(site_page)},
            lambda: self.fetcher.get(page.path, params).text,
            force_refresh,
        )

    def window(
        self,
        read_site_page: Callable[[int], tuple[ResultPage, bool]],
        page: int,
        limit: int,
        keep: Callable[[TracklistSummary], bool] | None = None,
    ) -> ResultWindow:
        """Our page `page` of `limit` rows, read from as few of the site's pages as needed."""
        start = (page - 1) * limit
        site_page = start // SITE_PAGE_SIZE + 1
        offset = start % SITE_PAGE_SIZE
        rows: list[TracklistSummary] = []
        all_hits = True
        total = None
        has_next = False
        while True:
            result, hit = read_site_page(site_page)
            all_hits = all_hits and hit
            total = result.total_results if total is None else total
            rows.extend(result.results[offset:])
            has_next = result.has_next
            if len(rows) >= limit or not has_next:
                break
            site_page, offset = site_page + 1, 0
        kept = [r for r in rows if keep is None or keep(r)]
        return ResultWindow(
            results=kept[:limit],
            page=page,
            limit=limit,
            has_more=len(rows) > limit or has_next,
            total_results=total,
            cache_hit=all_hits,
        )

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        limit: int = 20,
        force_refresh: bool = False,
        keep: Callable[[TracklistSummary], bool] | None = None,
    ) -> ResultWindow:
        return self.window(
            lambda p: self.search_page(query, p, force_refresh=force_refresh), page, limit, keep
        )

    def event(
        self, event_slug: str, *, page: int = 1, limit: int = 20, force_refresh: bool = False
    ) -> ResultWindow:
        target = event_page(event_slug)
        return self.window(lambda p: self.listing_page(target, p, force_refresh=force_refresh), page, limit)


def fold(text: str) -> str:
    """Case- and accent-insensitive form ("Sven Väth" → "sven vath") for local filters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
