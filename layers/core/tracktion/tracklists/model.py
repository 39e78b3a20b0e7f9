"""The tracklist model every part of Tracktion speaks: sources produce it, CUE renders it.

Times are seconds from the start of the mix (floats, so that fractional input survives);
`None` means unknown, never zero-by-default: an unknown start must not become 0:00.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import ConfigDict, Field

from tracktion.clock import iso
from tracktion.models import Model

TracklistSource = Literal["1001tracklists", "manual", "html", "text", "json", "file"]
TracklistStatus = Literal["draft", "published"]

UNIDENTIFIED = "ID"


class TrackRef(Model):
    """A component of a mashup (or any reference to a track without a place in the mix)."""

    artist: str
    title: str
    remix: str | None = None
    label: str | None = None


class Track(Model):
    model_config = ConfigDict(extra="ignore")

    position: int = Field(ge=1)
    artist: str
    title: str
    remix: str | None = None
    label: str | None = None
    catalog_number: str | None = None  # the release's catalog number, when the source names it
    start_time: float | None = Field(default=None, ge=0)
    end_time: float | None = Field(default=None, ge=0)
    played_with_previous: bool = False
    is_unidentified: bool = False
    mashup: list[TrackRef] = Field(default_factory=list)
    # Catalog enrichment (filled by matching; never guessed).
    catalog_track_id: str | None = None
    catalog_source: str | None = None
    match_confidence: float | None = None
    bpm: float | None = None
    key: str | None = None
    genre: str | None = None
    is_manual_entry: bool = False
    # The source page's own id of the row (1001tracklists `data-id`), so a later capture of the
    # same page is matched row by row (tracktion.following); None for rows typed by a user.
    source_row_id: str | None = None

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.remix})" if self.remix else self.title


class Tracklist(Model):
    model_config = ConfigDict(extra="ignore")

    tracklist_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    owner_id: str
    title: str
    djs: list[str] = Field(default_factory=list)
    event: str | None = None
    venue: str | None = None
    country: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD as the source states it
    genres: list[str] = Field(default_factory=list)
    duration_seconds: float | None = None
    source: TracklistSource = "manual"
    source_url: str | None = None
    source_page_id: str | None = None
    # Identity of the source for idempotent re-import (e.g. "1001tl:2fvq1xk9"); one per owner.
    source_key: str | None = None
    tracks: list[Track] = Field(default_factory=list)
    version: int = 1
    status: TracklistStatus = "published"
    audio_file_id: str | None = None
    parent_tracklist_id: str | None = None
    draft_version: int | None = None
    is_manual_entry: bool = False
    created_at: str = Field(default_factory=iso)
    updated_at: str = Field(default_factory=iso)

    @property
    def performer(self) -> str:
        """The set's performer line: every DJ, in billing order."""
        return " & ".join(self.djs)
