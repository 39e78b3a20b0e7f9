"""The request bodies of the CUE API (seed 002's shapes), validated by Powertools."""

from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator

from tracktion.cue.options import CueOptions
from tracktion.models import Model
from tracktion.tracklists.model import Track, Tracklist

MAX_TRACKS = 500
MAX_FORMATS = 6


class TracklistData(Model):
    """A tracklist sent in the body: our model without the owner (the caller is the owner)."""

    model_config = ConfigDict(extra="ignore")

    tracklist_id: str | None = Field(default=None, max_length=100)
    title: str = Field(min_length=1, max_length=500)
    djs: list[str] = Field(default_factory=list, max_length=20)
    event: str | None = None
    venue: str | None = None
    date: str | None = Field(default=None, max_length=32)
    genres: list[str] = Field(default_factory=list, max_length=20)
    duration_seconds: float | None = Field(default=None, ge=0)
    version: int = Field(default=1, ge=1)
    tracks: list[Track] = Field(min_length=1, max_length=MAX_TRACKS)

    def for_owner(self, owner_id: str) -> Tracklist:
        data = self.model_dump(exclude_none=True)
        return Tracklist.model_validate({**data, "owner_id": owner_id, "source": "json"})


class GenerateRequest(Model):
    tracklist: TracklistData
    format: str = Field(default="standard", max_length=20)
    options: CueOptions = Field(default_factory=CueOptions)


class GenerateStoredRequest(Model):
    formats: list[str] = Field(default_factory=lambda: ["standard"], min_length=1, max_length=MAX_FORMATS)
    options: CueOptions = Field(default_factory=CueOptions)


class BatchGenerateRequest(Model):
    tracklist_id: str | None = Field(default=None, max_length=100)
    tracklist: TracklistData | None = None
    formats: list[str] = Field(min_length=1, max_length=MAX_FORMATS)
    options: CueOptions = Field(default_factory=CueOptions)

    @model_validator(mode="after")
    def _one_source(self) -> BatchGenerateRequest:
        if (self.tracklist_id is None) == (self.tracklist is None):
            raise ValueError("give exactly one of tracklist_id or tracklist")
        return self


class ValidateRequest(Model):
    tracklist_id: str | None = Field(default=None, max_length=100)
    tracklist: TracklistData | None = None
    format: str = Field(default="standard", max_length=20)
    options: CueOptions = Field(default_factory=CueOptions)
    audio_file: str | None = Field(
        default=None, max_length=1024, description="A key in our bucket or s3://<bucket>/<key>"
    )

    @model_validator(mode="after")
    def _one_source(self) -> ValidateRequest:
        if (self.tracklist_id is None) == (self.tracklist is None):
            raise ValueError("give exactly one of tracklist_id or tracklist")
        return self


class FileValidateRequest(Model):
    audio_file: str | None = Field(default=None, max_length=1024)


class RegenerateRequest(Model):
    options: CueOptions | None = None


class ConvertRequest(Model):
    target_format: str = Field(max_length=20)
    options: CueOptions | None = None


class WarmRequest(Model):
    tracklist_ids: list[str] = Field(min_length=1, max_length=25)
    formats: list[str] = Field(default_factory=lambda: ["standard"], min_length=1, max_length=MAX_FORMATS)
    options: CueOptions = Field(default_factory=CueOptions)


class UploadRequest(Model):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(default="text/plain", pattern=r"^(text/plain|application/json)$")
    formats: list[str] = Field(default_factory=lambda: ["standard"], min_length=1, max_length=MAX_FORMATS)
    gap_handling: str = Field(default="error", pattern=r"^(error|estimate|skip)$")
