"""The request bodies and answers of the CUE API (the reference's "CUE Generation API"
section, with our own fields beside), validated by Powertools and shown in OpenAPI."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, ConfigDict, Field, WithJsonSchema, model_validator

from tracktion.contract import MAX_POSITION, MAX_SET_SECONDS, Out
from tracktion.cue.dialects import DIALECTS, UnsupportedFormat
from tracktion.cue.options import CueOptions, GapHandling
from tracktion.models import Model
from tracktion.tracklists.model import Track, Tracklist

MAX_TRACKS = 500
MAX_FORMATS = 6
MAX_PATH = 1024
CUE_FORMATS: tuple[str, ...] = tuple(DIALECTS)


def known_format(name: str) -> str:
    """A format name exactly as the schema lists it; anything else is the reference's 400
    INVALID_FORMAT (the domain's answer, raised as is: pydantic passes it through)."""
    if name not in DIALECTS:
        raise UnsupportedFormat(name)
    return name


# A CUE format name: the schema's enum, checked exactly (lower case, as every example writes it).
CueFormatName = Annotated[
    str,
    AfterValidator(known_format),
    WithJsonSchema({"type": "string", "enum": list(CUE_FORMATS)}),
]
# Where no tracklist_id and no tracklist is given, the caller's latest tracklist is used; both
# at once are refused.
_NOT_BOTH_SOURCES: dict[str, Any] = {"not": {"required": ["tracklist_id", "tracklist"]}}


class InlineTrack(Track):
    """A track sent in a body: times and positions within physical bounds."""

    position: int = Field(ge=1, le=MAX_POSITION)
    start_time: float | None = Field(default=None, ge=0, le=MAX_SET_SECONDS)
    end_time: float | None = Field(default=None, ge=0, le=MAX_SET_SECONDS)


class TracklistData(Model):
    """A tracklist sent in the body: our model without the owner (the caller is the owner)."""

    model_config = ConfigDict(extra="ignore")

    tracklist_id: str | None = Field(default=None, max_length=100)
    title: str = Field(default="Tracklist", min_length=1, max_length=500)
    djs: list[str] = Field(default_factory=list, max_length=20)
    event: str | None = None
    venue: str | None = None
    date: str | None = Field(default=None, max_length=32)
    genres: list[str] = Field(default_factory=list, max_length=20)
    duration_seconds: float | None = Field(default=None, ge=0, le=MAX_SET_SECONDS)
    version: int = Field(default=1, ge=1)
    tracks: list[InlineTrack] = Field(min_length=1, max_length=MAX_TRACKS)

    def for_owner(self, owner_id: str) -> Tracklist:
        data = self.model_dump(exclude_none=True)
        return Tracklist.model_validate({**data, "owner_id": owner_id, "source": "json"})


class GenerationOptions(CueOptions):
    """The reference's `options`: ours plus the ones that choose nothing in a CUE sheet
    (`cdj_version`, `memory_cue_points`), accepted and answered with a warning."""

    gap_handling: GapHandling = Field(
        default="auto",
        description=(
            "Tracks without a start: 'auto' (default; = 'estimate') spreads them between their known "
            "neighbours, 'preserve' (= 'skip') keeps every given time and leaves them out, 'error' "
            "answers 422 listing them."
        ),
    )
    cdj_version: str | None = Field(
        default=None,
        max_length=40,
        description="Accepted; a CDJ plays the same burned audio CD whatever its model (named in warnings).",
    )
    memory_cue_points: bool | None = Field(
        default=None,
        description="Memory cues exist only in the rekordbox XML companion (named in warnings elsewhere).",
    )

    def cue_options(self) -> CueOptions:
        return CueOptions.model_validate(self.model_dump(include=set(CueOptions.model_fields)))


_OPTIONS_EXAMPLE: dict[str, Any] = {"include_metadata": True, "gap_handling": "auto"}


class _Audio(Model):
    validate_audio: bool = Field(
        default=False,
        description="Check the cue times against the audio's real length (audio in our storage only).",
    )
    audio_file_path: str | None = Field(
        default=None,
        max_length=MAX_PATH,
        description=(
            "The audio the sheet is for: its file name becomes the sheet's FILE. With validate_audio, "
            "an uploaded object (s3://<bucket>/<key>, incoming/<you>/... or audio/<you>/...) is read."
        ),
    )


class GenerateRequest(_Audio):
    model_config = ConfigDict(
        json_schema_extra={
            **_NOT_BOTH_SOURCES,
            "example": {
                "format": "standard",
                "options": _OPTIONS_EXAMPLE,
                "validate_audio": False,
                "audio_file_path": "/path/to/audio.wav",
            },
        }
    )

    tracklist_id: str | None = Field(default=None, max_length=100)
    tracklist: TracklistData | None = Field(
        default=None, validation_alias=AliasChoices("tracklist", "tracklist_data")
    )
    format: CueFormatName = "standard"
    options: GenerationOptions = Field(default_factory=GenerationOptions)

    @model_validator(mode="after")
    def _one_source(self) -> GenerateRequest:
        if self.tracklist_id is not None and self.tracklist is not None:
            raise ValueError("give tracklist_id or tracklist, not both")
        return self


class GenerateStoredRequest(_Audio):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "format": "cdj",
                "options": {"cdj_version": "3000", "memory_cue_points": True},
                "validate_audio": True,
                "audio_file_path": "/path/to/audio.wav",
            }
        }
    )

    format: CueFormatName | None = Field(default=None, description="The reference's one format.")
    formats: list[CueFormatName] | None = Field(
        default=None, min_length=1, max_length=MAX_FORMATS, description="Several formats at once (ours)."
    )
    options: GenerationOptions = Field(default_factory=GenerationOptions)

    def format_list(self) -> list[str]:
        """`format` first, then `formats`; neither is standard."""
        names = ([self.format] if self.format else []) + list(self.formats or [])
        return list(dict.fromkeys(names or ["standard"]))


class BatchGenerateRequest(_Audio):
    model_config = ConfigDict(
        json_schema_extra={
            **_NOT_BOTH_SOURCES,
            "example": {
                "formats": ["standard", "cdj", "traktor"],
                "options": {"include_metadata": True},
                "validate_audio": False,
                "audio_file_path": "/path/to/audio.wav",
            },
        }
    )

    tracklist_id: str | None = Field(default=None, max_length=100)
    tracklist: TracklistData | None = Field(
        default=None, validation_alias=AliasChoices("tracklist", "tracklist_data")
    )
    formats: list[CueFormatName] = Field(min_length=1, max_length=MAX_FORMATS)
    options: GenerationOptions = Field(default_factory=GenerationOptions)

    @model_validator(mode="after")
    def _one_source(self) -> BatchGenerateRequest:
        if self.tracklist_id is not None and self.tracklist is not None:
            raise ValueError("give tracklist_id or tracklist, not both")
        return self


class TracklistValidationOptions(Model):
    model_config = ConfigDict(extra="forbid")

    strict_mode: bool = Field(default=False, description="Every warning counts as an error.")
    strict_timing: bool = Field(default=False, description="Timing warnings count as errors.")
    check_file_references: bool = Field(
        default=False, description="The sheet's FILE must be the audio named in audio_file_path."
    )


class ValidateRequest(Model):
    model_config = ConfigDict(
        json_schema_extra={
            **_NOT_BOTH_SOURCES,
            "example": {
                "tracklist_id": "123e4567-e89b-12d3-a456-426614174000",
                "format": "standard",
                "audio_file_path": "/path/to/audio.wav",
                "validation_options": {"strict_mode": False},
            },
        }
    )

    tracklist_id: str | None = Field(default=None, max_length=100)
    tracklist: TracklistData | None = Field(
        default=None, validation_alias=AliasChoices("tracklist", "tracklist_data")
    )
    format: CueFormatName = "standard"
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    audio_file_path: str | None = Field(default=None, max_length=MAX_PATH)
    audio_file: str | None = Field(
        default=None, max_length=MAX_PATH, description="A key in our bucket or s3://<bucket>/<key> (ours)"
    )
    validation_options: TracklistValidationOptions = Field(default_factory=TracklistValidationOptions)

    @model_validator(mode="after")
    def _one_source(self) -> ValidateRequest:
        if self.tracklist_id is not None and self.tracklist is not None:
            raise ValueError("give tracklist_id or tracklist, not both")
        return self


class FileValidationOptions(Model):
    model_config = ConfigDict(extra="forbid")

    strict_timing: bool = Field(default=False, description="Timing warnings count as errors.")
    check_file_references: bool = Field(
        default=False, description="The sheet names a FILE, and it is the audio named in audio_file_path."
    )
    strict_mode: bool = Field(default=False, description="Every warning counts as an error.")


class FileValidateRequest(Model):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "audio_file_path": "/path/to/audio.wav",
                "validation_options": {"strict_timing": False, "check_file_references": True},
            }
        }
    )

    audio_file_path: str | None = Field(default=None, max_length=MAX_PATH)
    audio_file: str | None = Field(default=None, max_length=MAX_PATH, description="Ours: an uploaded key.")
    validation_options: FileValidationOptions = Field(default_factory=FileValidationOptions)


class RegenerateRequest(Model):
    model_config = ConfigDict(
        json_schema_extra={"example": {"include_metadata": True, "gap_handling": "preserve"}}
    )

    include_metadata: bool | None = None
    gap_handling: GapHandling | None = None
    options: GenerationOptions | None = None

    def merged(self, stored: dict[str, Any]) -> GenerationOptions:
        """The file's own options, then `options`, then the top-level fields."""
        data = {**stored, **(self.options.model_dump(exclude_unset=True) if self.options else {})}
        for name in ("include_metadata", "gap_handling"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return GenerationOptions.model_validate(data)


class ConversionOptions(Model):
    model_config = ConfigDict(extra="forbid")

    cdj_version: str | None = Field(default=None, max_length=40)
    generate_memory_cues: bool | None = None


class ConvertRequest(Model):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "target_format": "cdj",
                "preserve_metadata": True,
                "conversion_options": {"cdj_version": "3000", "generate_memory_cues": True},
            }
        }
    )

    target_format: CueFormatName
    preserve_metadata: bool = Field(
        default=True, description="Keep the disc metadata (REM GENRE/DATE/COMMENT); false leaves it out."
    )
    conversion_options: ConversionOptions = Field(default_factory=ConversionOptions)
    options: GenerationOptions | None = None


class WarmRequest(Model):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "tracklist_ids": [
                    "123e4567-e89b-12d3-a456-426614174000",
                    "234e5678-e89b-12d3-a456-426614174000",
                ],
                "formats": ["standard", "cdj"],
            }
        }
    )

    tracklist_ids: list[str] = Field(min_length=1, max_length=25)
    formats: list[CueFormatName] = Field(
        default_factory=lambda: ["standard"], min_length=1, max_length=MAX_FORMATS
    )
    options: GenerationOptions = Field(
        default_factory=GenerationOptions,
        description="The options of the generations to warm for (generate's defaults when left out).",
    )


class UploadRequest(Model):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(default="text/plain", pattern=r"^(text/plain|application/json)$")
    formats: list[CueFormatName] = Field(
        default_factory=lambda: ["standard"], min_length=1, max_length=MAX_FORMATS
    )
    gap_handling: str = Field(default="error", pattern=r"^(error|estimate|skip)$")


# ---------------------------------------------------------------- answers


class WarningOut(Out):
    type: str
    message: str
    severity: str


class ValidationReportOut(Out):
    valid: bool
    error: str | None = None
    warnings: list[WarningOut] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class MetadataOut(Out):
    total_tracks: int | None = None
    total_duration: str | None = Field(default=None, description='"HH:MM:SS"')


class StorageInfoOut(Out):
    backend: str
    accessible: bool


class CueFileOut(Out):
    """The reference's CUE file record; ours (cue_file_id, s3_key, sha256, ...) beside it."""

    id: str
    tracklist_id: str
    format: str
    file_path: str
    file_size: int
    checksum: str
    created_at: str
    updated_at: str
    version: int
    is_active: bool
    metadata: MetadataOut
    storage_info: StorageInfoOut
    cue_file_id: str


class GenerateOut(Out):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "success": True,
                "job_id": "123e4567-e89b-12d3-a456-426614174000",
                "cue_file_id": "456e7890-e89b-12d3-a456-426614174000",
                "file_path": "s3://tracktion-cue/cue/u/t/standard/v1.cue",
                "validation_report": {"valid": True, "error": None, "warnings": [], "metadata": {}},
                "error": None,
                "processing_time_ms": 1500,
            }
        }
    )

    success: bool
    job_id: str | None
    cue_file_id: str | None
    file_path: str | None
    validation_report: ValidationReportOut | None
    error: str | None = None
    processing_time_ms: int
    download_url: str | None = None
    cue_files: list[CueFileOut] = Field(default_factory=list)
    warnings: list[dict[str, Any]] = Field(default_factory=list)


class BatchResultOut(Out):
    format: str
    success: bool
    cue_file_id: str | None
    file_path: str | None
    error: str | None = None


class BatchOut(Out):
    success: bool
    results: list[BatchResultOut]
    total_files: int
    successful_files: int
    failed_files: int
    processing_time_ms: int


class JobResultOut(Out):
    cue_file_id: str | None = None
    file_path: str | None = None


class JobStatusOut(Out):
    job_id: str
    status: str
    job_type: str
    service_name: str
    progress: int
    total_items: int
    result: JobResultOut | None = None
    error_message: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    created_at: str
    timestamp: str


class JobAcceptedOut(JobStatusOut):
    """async_processing=true: 202 with the job, and the generate fields not known yet as null."""

    success: bool
    status_url: str


class CapabilitiesOut(Out):
    format: str
    features: list[str]
    limitations: list[str]
    metadata_support: dict[str, bool]


class PaginationOut(Out):
    limit: int
    offset: int
    total: int
    has_more: bool
    returned: int


class FileListOut(Out):
    files: list[CueFileOut]
    pagination: PaginationOut
    filters: dict[str, str | None]


class DeleteOut(Out):
    success: bool
    cue_file_id: str
    deletion_type: str
    deleted_at: str
    message: str


class IssueOut(Out):
    type: str
    message: str
    severity: str


class ValidationMetadataOut(Out):
    file_size: int | None = None
    checksum: str | None = None
    version: int | None = None
    audio_duration: int | None = Field(default=None, description="Whole seconds")
    tracklist_duration: int | None = Field(default=None, description="Whole seconds")


class ValidationOut(Out):
    cue_file_id: str | None
    format: str
    file_path: str | None
    validation_timestamp: str
    valid: bool
    errors: list[IssueOut]
    warnings: list[IssueOut]
    metadata: ValidationMetadataOut
    processing_time_ms: int
    recommendations: list[str]


class ConvertOut(Out):
    success: bool
    cue_file_id: str
    source_cue_file_id: str
    source_format: str
    target_format: str
    conversion_needed: bool
    warnings: list[IssueOut]
    errors: list[IssueOut]
    metadata: dict[str, Any]
    file_path: str
    file_size: int
    checksum: str
    version: int
    processing_time_ms: int
    recommendations: list[str]


class MemoryUsageOut(Out):
    used_mb: float
    available_mb: float
    utilization: float


class CacheStatsOut(Out):
    hit_rate: float
    total_requests: int
    cache_hits: int
    cache_misses: int
    cached_items: int
    cache_size_mb: float
    memory_usage: MemoryUsageOut
    popular_formats: dict[str, int]


class WarmOut(Out):
    success: bool
    tracklists_processed: int
    formats_cached: int
    total_entries_created: int
    processing_time_ms: int
    cache_hit_improvement: float


class ClearOut(Out):
    success: bool
    cleared_entries: int
    pattern: str
    message: str
    timestamp: str
