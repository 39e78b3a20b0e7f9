"""What every export target starts from: the tracklist's slots as chapters, times estimated
where missing (`tracktion.tracklists.estimates`), each chapter saying whether its start is an
estimate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from tracktion.catalog.model import CatalogTrack
from tracktion.config import settings
from tracktion.contract import hms
from tracktion.errors import ValidationFailed
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client
from tracktion.tracklists.estimates import Estimated, estimate
from tracktion.tracklists.model import Track, Tracklist
from tracktion.tracklists.playing import slots

# Catalog entries read for track lengths per answer (two BatchGetItem calls at most).
MAX_CATALOG_LOOKUPS = 200
_ROUNDS = 5


class NothingToExport(ValidationFailed):
    error_code = "EMPTY_TRACKLIST"

    def __init__(self) -> None:
        super().__init__("The tracklist has no tracks to export")


def track_name(track: Track) -> str:
    """`Artist - Title (Remix)`, as every target writes a track ("ID - ID" stays what it is)."""
    return f"{track.artist} - {track.display_title}"


@dataclass
class Chapter:
    """A slot of the mix: a track with the rows played with it, from `start` to `end`."""

    start: float
    end: float | None
    tracks: list[Track]
    estimated: bool
    extra_titles: list[str] = field(default_factory=list)  # chapters merged into this one
    absorbed: list[int] = field(default_factory=list)  # their positions

    @property
    def positions(self) -> list[int]:
        return [t.position for t in self.tracks] + self.absorbed

    @property
    def title(self) -> str:
        names = []
        if self.tracks:
            lead, *rest = self.tracks
            names.append(track_name(lead) + "".join(f" w/ {track_name(t)}" for t in rest))
        return " / ".join([*names, *self.extra_titles])

    @property
    def length(self) -> float | None:
        return None if self.end is None else self.end - self.start


def catalog_lengths(tracklist: Tracklist) -> dict[int, float]:
    """The catalog length (seconds) of each matched row whose catalog entry knows it.

    Read from our own catalog (tracktion.catalog.own_catalog: every confident match is kept
    there), by exact key, at most MAX_CATALOG_LOOKUPS entries; a read that fails only means no
    lengths (the estimate falls back to the set's pace), never a failed answer.
    """
    positions: dict[str, list[int]] = {}
    for t in tracklist.tracks:
        if t.catalog_track_id:
            positions.setdefault(t.catalog_track_id, []).append(t.position)
    if len(positions) < 2:  # lengths only count relative to each other
        return {}
    name = settings().tracklists_table
    wanted = list(positions)[:MAX_CATALOG_LOOKUPS]
    found: dict[int, float] = {}
    keys = [{"pk": {"S": f"CAT#TRACK#{i}"}, "sk": {"S": "TRACK"}} for i in wanted]
    try:
        read = client("dynamodb").batch_get_item
        for item in ddb.batch_get(read, name, keys, max_rounds=_ROUNDS, ProjectionExpression="body"):
            entry = CatalogTrack.model_validate_json(item["body"]["S"])
            if entry.duration and entry.duration > 0:
                for p in positions.get(entry.id, []):
                    found[p] = float(entry.duration)
    except (BotoCoreError, ClientError, ValidationError) as exc:
        logger.warning("catalog lengths not read", extra={"error": type(exc).__name__})
        return {}
    return found


def estimated_tracklist(tracklist: Tracklist) -> Estimated:
    if not tracklist.tracks:
        raise NothingToExport()
    return estimate(tracklist, lengths=catalog_lengths(tracklist))


def chapters(est: Estimated) -> list[Chapter]:
    """One chapter per slot of the mix (`tracktion.tracklists.playing.slots`, what at?t= answers
    from), each ending where the next begins; the last at the set's end when that is after it."""
    out = [Chapter(s.start, s.end, s.tracks, s.estimated) for s in slots(est)]
    if out and out[-1].end is not None and out[-1].end <= out[-1].start:
        out[-1].end = None
    return out


def clock(seconds: float, *, hours: bool = False) -> str:
    """`M:SS` (or `H:MM:SS` from an hour on, or always with `hours`), as YouTube reads them:
    `tracktion.contract.hms` (its rounding), the hour dropped under an hour."""
    text = hms(seconds, pad_hours=False) or "0:00:00"
    if hours or not text.startswith("0:"):
        return text
    return text[3:] if text[2] == "0" else text[2:]


def chapter_view(c: Chapter, **extra: Any) -> dict[str, Any]:
    return {
        "start_seconds": round(c.start, 3),
        "end_seconds": None if c.end is None else round(c.end, 3),
        "title": c.title,
        "positions": c.positions,
        "start_time_estimated": c.estimated,
        **extra,
    }
