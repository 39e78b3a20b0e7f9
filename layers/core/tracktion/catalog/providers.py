"""The one interface every catalog source implements, and which sources run (CATALOG_PROVIDERS).

CATALOG_PROVIDERS is a comma-separated, ordered list of `own`, `beatport`, `musicbrainz`.
Order matters twice: providers are asked in that order, and when two answer the same track the
earlier one's data wins.
"""

from __future__ import annotations

from typing import Protocol

from tracktion.catalog.model import CatalogTrack
from tracktion.config import CatalogSettings, get
from tracktion.observability import logger


class CatalogProvider(Protocol):
    name: str

    def search(
        self, text: str | None, limit: int = 20, artist: str | None = None, title: str | None = None
    ) -> list[CatalogTrack]:
        """Candidate tracks for a free text and/or an artist and title; raises ProviderUnavailable."""
        ...


def configured_names() -> list[str]:
    names = [n.strip().lower() for n in get(CatalogSettings).providers.split(",") if n.strip()]
    return list(dict.fromkeys(names))


def build(name: str) -> CatalogProvider | None:
    if name == "own":
        from tracktion.catalog.own_catalog import OwnCatalog

        return OwnCatalog()
    if name == "beatport":
        from tracktion.catalog.beatport import BeatportProvider

        return BeatportProvider()
    if name == "musicbrainz":
        from tracktion.catalog.musicbrainz import MusicBrainzProvider

        return MusicBrainzProvider()
    logger.warning("unknown catalog provider in CATALOG_PROVIDERS", extra={"provider": name})
    return None


def providers_from_config() -> list[CatalogProvider]:
    return [p for p in (build(n) for n in configured_names()) if p is not None]
