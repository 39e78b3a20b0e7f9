"""Import a DJ-software history or a CUE sheet file as a tracklist (POST /tracklists/import/file).

Read (detect.read_history), assemble (model.assemble: drops, merges, offsets), then stored
like every other import (tracktion.tracklists.importer: created or updated in place, CUE file
on request). Nothing is stored unless the whole file was read: every parser raises before the
store is touched. The same file's bytes (and draft flag) are the same tracklist: importing it
again with other options updates that tracklist (a new version) instead of adding another.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from tracktion.errors import ValidationFailed
from tracktion.histories.detect import read_history
from tracktion.histories.model import Assembled, HistoryOptions, assemble
from tracktion.tracklists.importer import ImportResult, _finish
from tracktion.tracklists.model import Tracklist


class NoTracksInFile(ValidationFailed):
    """The file was read, but nothing in it is a track (all dropped, or none at all)."""

    error_code = "NO_TRACKS_FOUND"


@dataclass(frozen=True)
class FileImport:
    result: ImportResult
    format: str
    assembled: Assembled

    def dropped(self) -> list[dict[str, Any]]:
        return [d.out() for d in self.assembled.dropped]


def _title(filename: str | None, history_title: str | None, fmt: str) -> str:
    if history_title:
        return history_title[:300]
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0].strip()
    return (stem or f"Imported {fmt} history")[:300]


def import_from_file(
    owner_id: str,
    data: bytes,
    options: HistoryOptions,
    *,
    filename: str | None = None,
    title: str | None = None,
    djs: list[str] | None = None,
    event: str | None = None,
    venue: str | None = None,
    date: str | None = None,
    is_draft: bool = False,
    audio_file_id: str | None = None,
    cue_format: str | None = None,
) -> FileImport:
    started = time.perf_counter()
    history = read_history(data, options, filename)
    assembled = assemble(history, options)
    if not assembled.tracks:
        raise NoTracksInFile(
            "No track is left in the file after dropping",
            details={"format": history.format, "dropped": [d.out() for d in assembled.dropped[:100]]},
        )
    digest = hashlib.sha256(data + (b"\x00draft" if is_draft else b"")).hexdigest()[:24]
    parsed = Tracklist(
        owner_id=owner_id,
        title=(title or "").strip() or _title(filename, history.title, history.format),
        djs=djs or ([history.performer] if history.performer else []),
        event=event,
        venue=venue,
        date=date or (assembled.started_on.isoformat() if assembled.started_on else None),
        source="file",
        source_key=f"file:{digest}",
        tracks=assembled.tracks,
        status="draft" if is_draft else "published",
        draft_version=1 if is_draft else None,
    )
    result = _finish(
        owner_id, parsed, started, cache_hit=False, audio_file_id=audio_file_id, cue_format=cue_format
    )
    return FileImport(result=result, format=history.format, assembled=assembled)
