"""Beatport API v4: tracks with BPM, key, genre, label, remixers and previews.

Signing in is tracktion.catalog.beatport_auth (partner client credentials or a Beatport
account, chosen by BEATPORT_AUTH_MODE; the token sealed in the cache table and shared by every
function instance): this client asks it for `headers()` and calls `after_unauthorized()` once
on a 401.

Facts from the recorded answers that shape this code:
- lists are `{"next", "previous", "count", "page": "N/M", "per_page", "results"}`, except
  /catalog/search/ which nests items under the entity key (`"tracks": [...]`);
- `next` may lack its scheme ("api.beatport.com/v4/..."); it is re-based onto the configured
  base URL, so we never follow a link to a host we were not configured for;
- the label is `release.label`, remixers are artist objects, the preview is `sample_url`;
- `key` carries a name ("Ab Minor"); Camelot is computed from it (tracktion.catalog.keys);
- a path without its trailing slash answers 301 to the slashed one: paths are always sent with
  it, and a same-origin redirect is followed (tracktion.catalog.transport);
- an unknown id answers 404 `{"detail": "Not found."}`, read as "no such entity" (None).

Every request takes a turn of the one Beatport budget shared by all functions
(BEATPORT_MIN_INTERVAL_SECONDS, 0.5 s as the integration document says; transport.SharedBudget).
The typed entities the catalog routes answer are tracktion.catalog.beatport_models; the routes'
paging and caching are tracktion.catalog.beatport_catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from tracktion.catalog.beatport_auth import BeatportAuth, from_settings
from tracktion.catalog.keys import camelot
from tracktion.catalog.model import CatalogTrack
from tracktion.catalog.transport import SharedBudget, request_json, timeout
from tracktion.config import CatalogSettings, get

NAME = "beatport"
REFRESH_MARGIN_SECONDS = 300
MAX_PAGES = 10


def parse_page(page: Any) -> tuple[int, int] | None:
    """Beatport's page string "N/M" as (N, M)."""
    try:
        current, total = str(page).split("/", 1)
        return int(current), int(total)
    except ValueError:
        return None


def rebase_next(next_url: str | None, base_url: str) -> str | None:
    """The path+query of `next` (with or without scheme) joined onto our base URL."""
    if not next_url:
        return None
    link = next_url if "://" in next_url else f"https://{next_url}"
    parts = urlsplit(link)
    base_path = urlsplit(base_url).path.rstrip("/")  # e.g. /v4
    path = parts.path
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path) :]
    return f"{base_url.rstrip('/')}{path}" + (f"?{parts.query}" if parts.query else "")


def slashed(url: str) -> str:
    """The URL with its path ending in "/" (Beatport answers 301 to that form otherwise)."""
    parts = urlsplit(url)
    if parts.path.endswith("/"):
        return url
    return parts._replace(path=f"{parts.path}/").geturl()


def to_catalog_track(item: dict[str, Any]) -> CatalogTrack:
    """A Beatport track (list item or detail) in our shape."""
    artists = [a.get("name", "") for a in item.get("artists") or [] if a.get("name")]
    remixers = [a.get("name", "") for a in item.get("remixers") or [] if a.get("name")]
    key = (item.get("key") or {}).get("name")
    release = item.get("release") or {}
    label = (release.get("label") or {}).get("name")
    length_ms = item.get("length_ms")
    track_id = str(item["id"])
    return CatalogTrack(
        id=f"{NAME}:{track_id}",
        source=NAME,
        source_id=track_id,
        title=str(item.get("name") or "").strip(),
        mix_name=(item.get("mix_name") or None),
        artist=", ".join(artists),
        artists=artists,
        remixers=remixers,
        label=label,
        genre=(item.get("genre") or {}).get("name"),
        bpm=float(item["bpm"]) if item.get("bpm") is not None else None,
        key=key,
        camelot=camelot(key),
        duration=round(length_ms / 1000, 3) if isinstance(length_ms, int | float) else None,
        preview_url=item.get("sample_url"),
        isrc=item.get("isrc"),
        release=release.get("name"),
        release_date=item.get("new_release_date") or item.get("publish_date"),
        catalog_number=item.get("catalog_number") or None,
        url=f"https://www.beatport.com/track/{item.get('slug') or 'track'}/{track_id}",
    )


class BeatportProvider:
    name = NAME

    def __init__(self, base_url: str | None = None, http: httpx.Client | None = None) -> None:
        self.base_url = (base_url or get(CatalogSettings).beatport_base_url).rstrip("/")
        self.http = http or httpx.Client(timeout=timeout(), headers={"Accept": "application/json"})
        catalog = get(CatalogSettings)
        self.budget = SharedBudget(
            NAME, catalog.beatport_min_interval_seconds, catalog.beatport_max_wait_seconds
        )
        self.auth: BeatportAuth = from_settings(
            catalog.model_copy(update={"beatport_base_url": self.base_url}) if base_url else catalog
        )

    # ------------------------------------------------------------------ auth
    def _reauthorize(self) -> dict[str, str]:
        """After a 401: renew once (tracktion.catalog.beatport_auth), then the new header."""
        self.auth.after_unauthorized()
        return self.auth.headers()

    def get(self, url_or_path: str, params: dict[str, Any] | None = None) -> Any:
        """Beatport's JSON for a path (or a re-based `next` URL); None for a 404."""
        url = url_or_path if "://" in url_or_path else f"{self.base_url}/{url_or_path.lstrip('/')}"
        return request_json(
            self.http,
            "GET",
            slashed(url),
            provider=NAME,
            budget=self.budget,
            params=params,
            headers=self.auth.headers(),
            reauthorize=self._reauthorize,
        )

    # ------------------------------------------------------------------ lists
    def pages(
        self, path: str, params: dict[str, Any] | None = None, *, item_key: str = "results", limit: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Up to `limit` items, following (re-based) `next` links for at most MAX_PAGES pages.

        The server may clamp `per_page` (it answered 100 to a request for 200), so pages are
        followed until enough items arrived rather than trusting the requested size.
        """
        url: str | None = f"{self.base_url}/{path.lstrip('/')}"
        query = params
        given = 0
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data = self.get(url, query) or {}
            for item in data.get(item_key) or data.get("results") or []:
                yield item
                given += 1
                if given >= limit:
                    return
            page = parse_page(data.get("page"))
            if page and page[0] >= page[1]:
                return
            url, query = rebase_next(data.get("next"), self.base_url), None

    def search(
        self, text: str | None, limit: int = 20, artist: str | None = None, title: str | None = None
    ) -> list[CatalogTrack]:
        text = " ".join(p for p in (text, artist, title) if p)
        if not text.strip():
            return []
        params = {"q": text, "type": "tracks", "per_page": max(1, min(limit, 100))}
        return [
            to_catalog_track(i) for i in self.pages("catalog/search/", params, item_key="tracks", limit=limit)
        ]

    def track(self, track_id: str | int) -> CatalogTrack | None:
        data = self.get(f"catalog/tracks/{int(track_id)}/")
        return to_catalog_track(data) if data else None

    def tracks_by_isrc(self, isrc: str) -> list[CatalogTrack]:
        return [to_catalog_track(i) for i in self.pages("catalog/tracks/", {"isrc": isrc}, limit=50)]

    def genres(self) -> list[dict[str, Any]]:
        return [
            {"id": g["id"], "name": g["name"], "slug": g.get("slug")}
            for g in self.pages("catalog/genres/", {"per_page": 100}, limit=500)
        ]

    def genre_tracks(self, genre_id: int, limit: int = 50) -> list[CatalogTrack]:
        params = {"per_page": max(1, min(limit, 100))}
        return [
            to_catalog_track(i)
            for i in self.pages(f"catalog/genres/{int(genre_id)}/tracks/", params, limit=limit)
        ]

    def chart(self, kind: str, genre_id: int) -> list[CatalogTrack]:
        """The genre's Top 100 (`top`, /genres/{id}/top/100/) or its hype tracks (`hype`: Beatport
        has no hype list endpoint; hype is the tracks filter `is_hype`)."""
        params: dict[str, Any]
        if kind == "top":
            path, params = f"catalog/genres/{int(genre_id)}/top/100/", {"per_page": 100}
        elif kind == "hype":
            path, params = "catalog/tracks/", {"is_hype": "true", "genre_id": int(genre_id), "per_page": 100}
        else:
            raise ValueError(kind)
        return [to_catalog_track(i) for i in self.pages(path, params, limit=100)]

    def chart_tracks(self, chart_id: int, limit: int = 100) -> list[CatalogTrack]:
        params = {"per_page": max(1, min(limit, 100))}
        return [
            to_catalog_track(i)
            for i in self.pages(f"catalog/charts/{int(chart_id)}/tracks/", params, limit=limit)
        ]
