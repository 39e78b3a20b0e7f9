"""MusicBrainz WS/2 recording search: free, keyless, slow on purpose.

MusicBrainz asks every client for a meaningful User-Agent (MUSICBRAINZ_USER_AGENT) and about
one request per second per client; this process never sends faster than that (a 503 from
MusicBrainz means we did, and is retried with backoff). It has no BPM or key: those fields stay
empty, never guessed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx

from tracktion.catalog.model import CatalogTrack
from tracktion.catalog.transport import request_json, timeout
from tracktion.config import CatalogSettings, get, settings

NAME = "musicbrainz"
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


class Throttle:
    """At most one call per `interval` seconds in this process (a clock and sleep can be given)."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            if now < self._next:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


@cache
def shared_throttle(interval: float) -> Throttle:
    """One throttle per process (per interval), shared by every provider instance."""
    return Throttle(interval)


def lucene_escape(text: str) -> str:
    return _LUCENE_SPECIAL.sub(r"\\\1", text)


def build_query(text: str | None, artist: str | None, title: str | None) -> str:
    parts = []
    if title:
        parts.append(f'recording:"{lucene_escape(title)}"')
    if artist:
        parts.append(f'artist:"{lucene_escape(artist)}"')
    if text:
        parts.append(lucene_escape(text))
    return " AND ".join(parts)


def _artist_line(credit: list[dict[str, Any]]) -> tuple[str, list[str]]:
    line = "".join(f"{c.get('name', '')}{c.get('joinphrase', '')}" for c in credit)
    names = [str(c.get("name")) for c in credit if c.get("name")]
    return (line or ", ".join(names)).strip(), names


def to_catalog_track(rec: dict[str, Any]) -> CatalogTrack:
    line, names = _artist_line(rec.get("artist-credit") or [])
    releases = rec.get("releases") or []
    first = releases[0] if releases else {}
    length = rec.get("length")
    return CatalogTrack(
        id=f"{NAME}:{rec['id']}",
        source=NAME,
        source_id=str(rec["id"]),
        title=str(rec.get("title") or ""),
        mix_name=rec.get("disambiguation") or None,
        artist=line,
        artists=names,
        duration=round(length / 1000, 3) if isinstance(length, int | float) else None,
        isrc=(rec.get("isrcs") or [None])[0],
        release=first.get("title"),
        release_date=rec.get("first-release-date"),
        url=f"https://musicbrainz.org/recording/{rec['id']}",
    )


class MusicBrainzProvider:
    name = NAME

    def __init__(self, base_url: str | None = None, http: httpx.Client | None = None) -> None:
        configured = get(CatalogSettings)
        self.base_url = (base_url or configured.musicbrainz_base_url).rstrip("/")
        agent = (
            configured.musicbrainz_user_agent
            or f"Tracktion/{settings().version} ( https://github.com/tracktion )"
        )
        self.http = http or httpx.Client(
            timeout=timeout(), headers={"User-Agent": agent, "Accept": "application/json"}
        )
        self.throttle = shared_throttle(configured.musicbrainz_min_interval_seconds)

    def search(
        self, text: str | None, limit: int = 20, artist: str | None = None, title: str | None = None
    ) -> list[CatalogTrack]:
        query = build_query(text, artist, title)
        if not query:
            return []
        self.throttle.wait()
        data = request_json(
            self.http,
            "GET",
            f"{self.base_url}/recording",
            provider=NAME,
            params={"query": query, "fmt": "json", "limit": max(1, min(limit, 100))},
            sleep=lambda s: time.sleep(max(s, self.throttle.interval)),
        )
        return [to_catalog_track(r) for r in (data or {}).get("recordings") or []][:limit]
