"""The options of POST /tracklists/import/file, as multipart form fields or JSON members.

Validated with one model whichever way they came (form fields are strings: pydantic's lax
mode reads "true", "30", an ISO instant); a bad option is the usual 422 VALIDATION_ERROR
naming it, before the file is read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, ConfigDict, Field, ValidationError, field_validator

from tracktion.cue.contract import CueFormatName
from tracktion.errors import ValidationFailed
from tracktion.histories.detect import FORMATS
from tracktion.histories.model import HistoryOptions
from tracktion.models import Model

FormatName = Literal[
    "serato_csv",
    "serato_txt",
    "serato_session",
    "traktor_nml",
    "rekordbox_txt",
    "virtualdj_m3u",
    "virtualdj_tracklist",
    "mixxx_text",
    "mixxx_csv",
    "cue",
]
assert set(FormatName.__args__) == set(FORMATS)  # type: ignore[attr-defined]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class FileImportOptions(Model):
    """How to read the file and what to store (every field optional)."""

    model_config = ConfigDict(extra="ignore")

    format: FormatName | None = Field(
        default=None, description="Skip detection: read the file as this format"
    )
    title: str | None = Field(default=None, max_length=300)
    djs: list[Name] = Field(default_factory=list, max_length=20)
    event: str | None = Field(default=None, max_length=300)
    venue: str | None = Field(default=None, max_length=300)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    recording_start: AwareDatetime | None = Field(
        default=None,
        description="The recording's start, an ISO 8601 instant with its offset; "
        "omitted: the first track starts at 0",
    )
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA zone of wall-clock times the file stores without one (Traktor, VirtualDJ <time>)",
    )
    min_play_seconds: float = Field(
        default=0,
        ge=0,
        le=3600,
        description="A play shorter than this is a deck load, not a track (0: keep all)",
    )
    include_unplayed: bool = Field(
        default=False,
        description="Keep entries the software marks unplayed (Serato played=0, PLAYEDPUBLIC=0)",
    )
    merge_duplicates: bool = Field(default=True, description="Merge the same track played back to back")
    is_draft: bool = False
    audio_file_id: str | None = Field(default=None, max_length=100)
    cue_format: CueFormatName | None = None

    @field_validator("djs", mode="before")
    @classmethod
    def _one_dj(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Unknown IANA time zone {value[:64]!r}") from exc
        return value

    def history_options(self) -> HistoryOptions:
        return HistoryOptions(
            recording_start=self.recording_start,
            timezone=ZoneInfo(self.timezone) if self.timezone else None,
            min_play_seconds=self.min_play_seconds,
            include_unplayed=self.include_unplayed,
            merge_duplicates=self.merge_duplicates,
            format=self.format,
        )


def read_options(fields: dict[str, Any]) -> FileImportOptions:
    """The options from the form fields or JSON members; 422 VALIDATION_ERROR naming a bad one."""
    try:
        return FileImportOptions.model_validate(fields)
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()[:20]
        ]
        raise ValidationFailed("Request validation failed", details={"errors": errors}) from exc


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without its `null` alternative (`anyOf: [X, {"type": "null"}]` → X)."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) != 1 or len(schema.get("anyOf", [])) != 2:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**branches[0], **rest}


def request_body() -> dict[str, Any]:
    """The route's OpenAPI requestBody: the file as multipart/form-data or as JSON, options beside.

    The route reads its body itself (two content types, a binary file), so the document states
    it here instead of from a body parameter.
    """
    options = FileImportOptions.model_json_schema()
    properties = dict(options.get("properties", {}))
    filename = {"type": "string", "maxLength": 255, "description": "The file's name (breaks detection ties)"}
    as_json = {
        "type": "object",
        "properties": {
            "filename": filename,
            "content_base64": {
                "type": "string",
                "contentEncoding": "base64",
                "description": "The file's bytes, base64 (at most 5 MiB decoded)",
            },
            "text": {"type": "string", "description": "The file as text (at most 5 MiB as UTF-8)"},
            **properties,
        },
        "oneOf": [{"required": ["content_base64"]}, {"required": ["text"]}],
    }
    as_form = {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "The file (at most 5 MiB)"},
            # A form field is there or not: it cannot be null (a client would send "null" or "").
            **{name: _not_null(schema) for name, schema in properties.items()},
        },
        "required": ["file"],
    }
    return {
        "required": True,
        "content": {"application/json": {"schema": as_json}, "multipart/form-data": {"schema": as_form}},
    }
