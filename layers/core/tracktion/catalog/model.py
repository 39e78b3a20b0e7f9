"""What every catalog provider answers: one track shape, whatever the source.

Ids are `<source>:<source id>` so a stored match says where it came from. Fields a source
does not know stay `None` (MusicBrainz has no BPM or key; nobody guesses them).
"""

from __future__ import annotations

from pydantic import Field

from tracktion.models import Model


class CatalogTrack(Model):
    id: str
    source: str
    source_id: str
    title: str
    mix_name: str | None = None
    artist: str
    artists: list[str] = Field(default_factory=list)
    remixers: list[str] = Field(default_factory=list)
    label: str | None = None
    genre: str | None = None
    bpm: float | None = None
    key: str | None = None
    camelot: str | None = None
    duration: float | None = None  # seconds
    preview_url: str | None = None
    isrc: str | None = None
    release: str | None = None
    release_date: str | None = None
    catalog_number: str | None = None
    url: str | None = None

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.mix_name})" if self.mix_name else self.title

    def public(self) -> dict[str, object]:
        """The shape /api/v1/search/tracks promises (plus a few extra fields)."""
        return {
            "id": self.id,
            "title": self.title,
            "mix_name": self.mix_name,
            "artist": self.artist,
            "remixers": self.remixers,
            "label": self.label,
            "genre": self.genre,
            "bpm": self.bpm,
            "key": self.key,
            "camelot": self.camelot,
            "duration": self.duration,
            "preview_url": self.preview_url,
            "isrc": self.isrc,
            "source": self.source,
            "release": self.release,
            "release_date": self.release_date,
            "catalog_number": self.catalog_number,
        }


class TrackQuery(Model):
    """A track to look up, as a tracklist states it."""

    artist: str
    title: str
    remix: str | None = None
    position: int | None = None


class ProviderNote(Model):
    """Why a provider contributed nothing (absent, refusing, slow): shown to the user, not hidden."""

    provider: str
    status: str  # "not_configured" | "unavailable" | "rate_limited" | "error"
    message: str
