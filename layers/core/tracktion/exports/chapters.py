"""What every export target starts from: the tracklist's slots as chapters, times estimated
where missing (`tracktion.tracklists.estimates`), each chapter saying whether its start is an
estimate."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tracktion.errors import ValidationFailed
from tracktion.tracklists.estimates import Estimated, estimate
from tracktion.tracklists.model import Track, Tracklist


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


def estimated_tracklist(tracklist: Tracklist) -> Estimated:
    if not tracklist.tracks:
        raise NothingToExport()
    return estimate(tracklist)


def chapters(est: Estimated) -> list[Chapter]:
    """One chapter per slot, each ending where the next begins (the last at the set's end)."""
    out: list[Chapter] = []
    for group in est.groups:
        start = group[0].start_time
        if start is None:  # estimate() fills every lead; kept for the type checker
            continue
        out.append(Chapter(start, None, list(group), est.is_estimated(group[0].position)))
    for a, b in itertools.pairwise(out):
        a.end = b.start
    if out and est.end is not None and est.end > out[-1].start:
        out[-1].end = est.end
    return out


def clock(seconds: float, *, hours: bool = False) -> str:
    """`M:SS` (or `H:MM:SS` from an hour on, or always with `hours`), as YouTube reads them."""
    whole = int(seconds + 0.5) if seconds > 0 else 0
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h or hours else f"{m}:{s:02d}"


def chapter_view(c: Chapter, **extra: Any) -> dict[str, Any]:
    return {
        "start_seconds": round(c.start, 3),
        "end_seconds": None if c.end is None else round(c.end, 3),
        "title": c.title,
        "positions": c.positions,
        "start_time_estimated": c.estimated,
        **extra,
    }
