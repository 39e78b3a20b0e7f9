"""CueOptions: what a caller may choose about a generated sheet.

The options are part of the cache key and of a file's identity (a retried generation with
the same tracklist version, format and options returns the same file), so `fingerprint()`
is stable across processes, and across releases: options added later count only when they
differ from their default, so the files and cache entries made before keep their identity.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import ConfigDict, Field

from tracktion.models import Model

# "auto" (the reference's) reads as "estimate"; "preserve" keeps every given time exactly as it
# is and invents none, so tracks without a start are left out, as with "skip".
GapHandling = Literal["error", "estimate", "skip", "auto", "preserve"]
AudioFormat = Literal["wav", "flac", "mp3", "aiff"]

_GAP_MODES = {"auto": "estimate", "preserve": "skip"}
_FIRST_FIELDS = ("audio_filename", "audio_format", "gap_handling", "include_comment")


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
            "Tracks without a start: 'error' answers 422 listing them, 'estimate' (or 'auto') "
            "spreads them between their known neighbours, 'skip' (or 'preserve', which keeps "
            "every given time as it is and invents none) leaves them out."
        ),
    )
    include_comment: bool = Field(default=True, description="Write REM COMMENT where the dialect has it.")
    include_metadata: bool = Field(
        default=True,
        description="Write the disc's metadata (REM GENRE, REM DATE, REM COMMENT); false leaves them out.",
    )

    @property
    def gap_mode(self) -> str:
        """What the planner does: error, estimate or skip."""
        return _GAP_MODES.get(self.gap_handling, self.gap_handling)

    def fingerprint(self) -> str:
        """A short stable hash of the options (part of cache keys and idempotency claims)."""
        canonical = self.model_dump_json(include=set(_FIRST_FIELDS))
        later = self.model_dump(mode="json", exclude=set(_FIRST_FIELDS), exclude_defaults=True)
        if later:
            canonical += json.dumps(later, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
