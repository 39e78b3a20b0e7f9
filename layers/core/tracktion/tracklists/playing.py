"""What is playing at minute X: the previous, current and next slot of a set at a time.

A slot is a track with the rows played with it (`w/`, or rows sharing its cue time): they count
as one (`tracktion.tracklists.estimates.groups`). Rows without a time get their estimated start
(flagged), so an uncued tail still answers. A slot runs from its start to the next slot's start;
the last one to the set's end when known. Times before the first slot, past the set's end, or
past the last slot of a set whose length is unknown each answer a clear `status`, never an error.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tracktion.contract import hms
from tracktion.tracklists.estimates import Estimated, estimate
from tracktion.tracklists.model import Track, Tracklist


def format_time(seconds: float) -> str:
    return hms(seconds, pad_hours=False) or "0:00:00"


Status = Literal["playing", "before_first", "after_end", "open_ended", "empty"]


@dataclass
class Slot:
    number: int  # 1-based slot number in the set
    start: float
    end: float | None
    tracks: list[Track]
    estimated: bool  # the slot's start is an estimate
    end_estimated: bool  # its end is the next slot's estimated start


@dataclass
class Playing:
    t: float
    status: Status
    message: str
    previous: Slot | None
    current: Slot | None
    next: Slot | None
    end: float | None
    estimated: set[int]  # positions whose start is an estimate
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uses_estimates(self) -> bool:
        return any(
            s is not None and (s.estimated or s.end_estimated)
            for s in (self.previous, self.current, self.next)
        )


def slots(est: Estimated) -> list[Slot]:
    out: list[Slot] = []
    for g in est.groups:
        start = g[0].start_time
        if start is None:
            continue
        out.append(Slot(len(out) + 1, start, None, list(g), est.is_estimated(g[0].position), False))
    for a, b in itertools.pairwise(out):
        a.end, a.end_estimated = b.start, b.estimated
    if out and est.end is not None:
        out[-1].end = max(est.end, out[-1].start)
    return out


def _name(s: Slot) -> str:
    lead = s.tracks[0]
    return f"track {lead.position} ({lead.artist} - {lead.display_title})"


def playing_at(tracklist: Tracklist, t: float, lengths: Mapping[int, float] | None = None) -> Playing:
    """The slots around time `t` (seconds from the start of the set); see the module docstring.

    `lengths`: catalog lengths of matched rows by position, where known (see `estimate`)."""
    est = estimate(tracklist, lengths=lengths)
    all_slots = slots(est)

    def answer(
        status: Status, message: str, prev: Slot | None, cur: Slot | None, nxt: Slot | None
    ) -> Playing:
        return Playing(t, status, message, prev, cur, nxt, est.end, est.estimated, est.warnings)

    if not all_slots:
        return answer("empty", "The tracklist has no tracks", None, None, None)
    at = format_time(t)
    if t < all_slots[0].start:
        first = all_slots[0]
        return answer(
            "before_first",
            f"Nothing listed plays at {at}: the first track starts at {format_time(first.start)}",
            None,
            None,
            first,
        )
    if est.end is not None and t >= est.end:
        return answer(
            "after_end",
            f"The set ends at {format_time(est.end)}; {at} is after its end",
            all_slots[-1],
            None,
            None,
        )
    index = max(i for i, s in enumerate(all_slots) if s.start <= t)
    current = all_slots[index]
    previous = all_slots[index - 1] if index > 0 else None
    following = all_slots[index + 1] if index + 1 < len(all_slots) else None
    if following is None and est.end is None:
        return answer(
            "open_ended",
            f"The set's length is unknown; {_name(current)} is the last listed and started at "
            f"{format_time(current.start)}",
            previous,
            current,
            None,
        )
    shown = "an estimated start" if current.estimated else "its cue"
    return answer(
        "playing",
        f"At {at}: {_name(current)}, since {format_time(current.start)} ({shown})",
        previous,
        current,
        following,
    )
