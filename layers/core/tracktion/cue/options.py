"""CueOptions: what a caller may choose about a generated sheet.

The options are part of the cache key and of a file's identity (a retried generation with
the same tracklist version, format and options returns the same file), so `fingerprint()`
is stable across processes.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import ConfigDict, Field

from tracktion.models import Model

GapHandling = Literal["error", "estimate", "skip"]
AudioFormat = Literal["wav", "flac", "mp3", "aiff"]


class CueOptions(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    audio_filename: str | None = Field(
        default=None,
        max_length=255,
        description="The FILE the sheet points at; default '<performer> - <title>.<ext>'.",
    )
    audio_format: AudioFormat | None = Field(
        default=None, description="wav, flac, mp3 or aiff; default the dialect's own."
    )
    gap_handling: GapHandling = Field(
        default="error",
        description=(
            "Tracks without a start: 'error' answers 422 listing them, 'estimate' spreads them "
            "between their known neighbours, 'skip' leaves them out."
        ),
    )
    include_comment: bool = Field(default=True, description="Write REM COMMENT where the dialect has it.")

    def fingerprint(self) -> str:
        """A short stable hash of the options (part of cache keys and idempotency claims)."""
        canonical = self.model_dump_json(exclude_none=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
