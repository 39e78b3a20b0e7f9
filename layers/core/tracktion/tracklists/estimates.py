"""Cue-time estimates for rows without a time, never passed off as facts.

A tracklist is read as *groups*: a track and the rows played with it (`w/`, or a row sharing its
cue time) start together and count as one slot of the mix. Groups whose start is unknown get
an estimate from what is known around them:

- the timed neighbours: the run of untimed groups between two timed ones (or between the last
  timed one and the set's end) fills exactly that gap;
- the expected length of each slot: the local pace of the set (the cued slots nearest the gap on either side,
  interpolated across it; a DJ's pace drifts through a set; with cues on one side only, as in
  an uncued tail, that side's pace half-way to the median cued slot), a slot of rows played
  together counting longer (`together_factor`), and the median cued slot when nothing is near;
  where the catalog length of matched tracks is known, a track longer than the typical one
  here gets a proportionally longer slot (a DJ plays part of a track, so only the ratio counts);
- how the gap is shared: the expected slots are scaled into it, pulled half-way towards the
  even split (single slot lengths vary a lot; the pace is half the answer). The benchmark
  (`benchmarks/bench_estimates.py`, docs/performance.md) measures this against the plain even
  split on real cue times;
- never past the set's end: estimates stay before `duration_seconds` (or the last end time);
  after the last timed row the set's end is the far anchor; without one, slots step forward.

A row with no time on the first slot starts at 0:00 (estimated). Every estimated start is
flagged (`start_time_estimated`), and answers built on these say so in a warning.

Lists given with durations instead of start times (every value short and not rising) are
recognised by `looks_like_durations` and turned into starts by `durations_to_starts`.
`benchmarks/bench_estimates.py` measures the error against real cue times (docs/performance.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Literal

from tracktion.contract import warning
from tracktion.tracklists.model import Track, Tracklist

# A slot length when nothing in the set says better (a typical club track as mixed).
DEFAULT_SLOT_SECONDS = 300.0
# "Small": a value longer than this cannot be one track's length in a DJ set.
MAX_TRACK_SECONDS = 20 * 60.0
# A slot with rows played together (w/) runs this much longer than one track, unless the set
# itself says otherwise (`together_factor`).
TOGETHER_FACTOR = 1.25
# How far the local pace moves a boundary away from the even split (0 = even split, 1 = pace
# alone): slot lengths vary a lot from one track to the next, so the pace is half the answer.
SHRINK = 0.5
# Durations are only recognised in lists at least this long (two values prove nothing).
MIN_DURATION_ROWS = 3

Method = Literal["neighbours", "even"]


# ---------------------------------------------------------------- durations given as times


def looks_like_durations(values: Sequence[float | None]) -> bool:
    """Whether a list's times read as each track's length rather than its start.

    Start times rise through a set and begin near 0:00; lengths are all short (at most
    `MAX_TRACK_SECONDS`), the first is not zero, and somewhere a value is lower than the one
    before. Every value must be present (a partly timed list is a list of starts).
    """
    if len(values) < MIN_DURATION_ROWS or any(v is None for v in values):
        return False
    known = [float(v) for v in values if v is not None]
    if known[0] <= 0 or any(v <= 0 or v > MAX_TRACK_SECONDS for v in known):
        return False
    return any(b < a for a, b in itertools.pairwise(known))


def durations_to_starts(values: Sequence[float]) -> list[float]:
    """Each row's start when `values` are the rows' lengths: 0:00, then the running sum."""
    starts, at = [], 0.0
    for v in values:
        starts.append(at)
        at += float(v)
    return starts


# ---------------------------------------------------------------- groups


def groups(tracks: Sequence[Track]) -> list[list[Track]]:
    """The slots of the mix, in order: a track with the rows played with it (`w/`) and the rows
    that share its cue time (same start as the group's first row)."""
    out: list[list[Track]] = []
    for t in sorted(tracks, key=lambda x: x.position):
        lead_start = out[-1][0].start_time if out else None
        shares_cue = t.start_time is not None and lead_start is not None and t.start_time == lead_start
        if out and (t.played_with_previous or shares_cue):
            out[-1].append(t)
        else:
            out.append([t])
    return out


def set_end(tracklist: Tracklist) -> float | None:
    """Where the set ends: its duration, else the latest end time a track states."""
    if tracklist.duration_seconds:
        return float(tracklist.duration_seconds)
    ends = [t.end_time for t in tracklist.tracks if t.end_time is not None]
    return max(ends) if ends else None


def median_slot(starts: Sequence[float | None], end: float | None = None) -> float:
    """The typical time between two cues of this set (adjacent timed slots only)."""
    slots = [b - a for a, b in itertools.pairwise(starts) if a is not None and b is not None and b > a]
    if slots:
        return float(median(slots))
    known = [(i, s) for i, s in enumerate(starts) if s is not None]
    if end is not None and known and end > known[0][1]:
        first_i, first_s = known[0]
        return (end - first_s) / max(1, len(starts) - first_i)
    if end is not None and end > 0 and starts:
        return end / len(starts)
    return DEFAULT_SLOT_SECONDS


def together_factor(slots: Sequence[Sequence[Track]]) -> float:
    """How much longer a slot holding rows played together (w/) runs than a single track.

    From this set's own timed slots when it has at least two of each, else
    `TOGETHER_FACTOR` (what the real sets with cues measure: two tracks layered stay longer).
    """
    single: list[float] = []
    together: list[float] = []
    for g, nxt in itertools.pairwise(slots):
        a, b = g[0].start_time, nxt[0].start_time
        if a is not None and b is not None and b > a:
            (together if len(g) > 1 else single).append(b - a)
    if len(single) >= 2 and len(together) >= 2:
        return max(0.5, min(2.0, median(together) / median(single)))
    return TOGETHER_FACTOR


def _mean_spacing(starts: Sequence[float | None], typical: float) -> float:
    known = [(i, v) for i, v in enumerate(starts) if v is not None]
    if len(known) >= 2 and known[-1][0] > known[0][0] and known[-1][1] > known[0][1]:
        return (known[-1][1] - known[0][1]) / (known[-1][0] - known[0][0])
    return typical


def _expected(starts: Sequence[float | None], typical: float, weights: Sequence[float]) -> list[float]:
    """The expected length of each slot: the local pace of the set around it.

    A timed slot's own length is known (its start to the next start). An untimed slot takes
    the pace of the timed slots nearest it on either side, interpolated by distance (a DJ's
    pace drifts through a set, so a gap's slots look more like their neighbours than like the
    set's median), times its weight (a slot of rows played together runs longer).
    """
    n = len(starts)
    pace: list[float | None] = [None] * n
    for k in range(n - 1):
        a, b = starts[k], starts[k + 1]
        if a is not None and b is not None and b > a:
            pace[k] = (b - a) / weights[k]
    out: list[float] = []
    for k in range(n):
        known = pace[k]
        if known is not None:
            out.append(known * weights[k])
            continue
        li = next((i for i in range(k - 1, -1, -1) if pace[i] is not None), None)
        ri = next((i for i in range(k + 1, n) if pace[i] is not None), None)
        if li is None and ri is None:
            local = typical
        elif li is None or ri is None:  # one side only (a tail): its pace, half-way to the median
            side = float(pace[li if ri is None else ri])  # type: ignore[index,arg-type]
            local = SHRINK * side + (1 - SHRINK) * typical
        else:
            w = (k - li) / (ri - li)
            local = float(pace[li]) * (1 - w) + float(pace[ri]) * w  # type: ignore[arg-type]
        out.append(local * weights[k])
    return out


def _fill_run(a: float, b: float | None, lengths: Sequence[float], method: Method) -> list[float]:
    """Starts of the boundaries inside a run of slots from anchor `a` to anchor `b`.

    `lengths` are the expected lengths of the run's slots (the first belongs to the timed group
    at `a`); the answer has len(lengths) - 1 starts. `b` None: no anchor after (forward steps).
    """
    n = len(lengths)
    cum = [sum(lengths[:k]) for k in range(1, n)]
    if b is None:
        return [a + c for c in cum]
    gap = b - a
    total = sum(lengths)
    if gap <= 0:
        return [a] * (n - 1)
    if method == "even":
        return [a + gap * k / n for k in range(1, n)]
    # The expected slots scaled into the gap, pulled half-way towards the even split.
    return [a + gap * (SHRINK * c / total + (1 - SHRINK) * k / n) for k, c in enumerate(cum, start=1)]


# ---------------------------------------------------------------- estimating a tracklist


@dataclass
class Estimated:
    """A tracklist's rows with every start known or estimated."""

    tracks: list[Track]  # by position; start_time filled where it could be estimated
    estimated: set[int]  # positions whose start is an estimate
    end: float | None  # the set's end, when known
    groups: list[list[Track]]  # the slots, over `tracks`
    warnings: list[dict[str, Any]] = field(default_factory=list)
    durations_converted: bool = False

    def is_estimated(self, position: int) -> bool:
        return position in self.estimated


def estimate(
    tracklist: Tracklist,
    *,
    lengths: Mapping[int, float] | None = None,
    method: Method = "neighbours",
) -> Estimated:
    """Every row's start, estimated where unknown (see the module docstring).

    `lengths` maps a row's position to its catalog length in seconds where known (used
    relative to the others: a longer track gets a longer slot). `method`
    "even" is the plain even split of each gap (the baseline the benchmark compares with).
    """
    lengths = lengths or {}
    end = set_end(tracklist)
    tracks = sorted(tracklist.tracks, key=lambda t: t.position)
    warnings: list[dict[str, Any]] = []
    converted = False
    starts_given = [t.start_time for t in tracks]
    if not any(t.played_with_previous for t in tracks) and looks_like_durations(starts_given):
        starts = durations_to_starts([float(v) for v in starts_given if v is not None])
        tracks = [
            t.model_copy(update={"start_time": s, "end_time": None})
            for t, s in zip(tracks, starts, strict=True)
        ]
        converted = True
        warnings.append(
            warning(
                "durations_converted",
                "The times given read as each track's length, not its start (every value is short "
                "and they do not rise); they were added up into start times.",
                field="start_time",
            )
        )
    slots = groups(tracks)
    if not slots:
        return Estimated(tracks=[], estimated=set(), end=end, groups=[], warnings=warnings)
    lead_starts: list[float | None] = [g[0].start_time for g in slots]
    typical = median_slot(lead_starts, end)
    if method == "even":  # the CUE engine's former estimate: the mean cued spacing, evenly
        expected = [_mean_spacing(lead_starts, typical)] * len(slots)
    else:
        factor = together_factor(slots)
        expected = _expected(lead_starts, typical, [factor if len(g) > 1 else 1.0 for g in slots])
    known_lengths = [float(v) for v in lengths.values() if v and v > 0]
    if method == "neighbours" and len(known_lengths) >= 2:
        # A DJ plays part of a track: catalog lengths say which slot runs longer than another,
        # relative to the typical catalog length here, not how long it ran.
        typical_length = median(known_lengths)
        for k, g in enumerate(slots):
            own_length = lengths.get(g[0].position)
            if own_length and own_length > 0:
                expected[k] *= float(own_length) / typical_length
    filled: list[float | None] = list(lead_starts)
    guessed: set[int] = set()
    if filled[0] is None:
        filled[0] = 0.0
        guessed.add(0)
    i = 0
    n = len(slots)
    while i < n:
        if filled[i] is not None and (i + 1 >= n or filled[i + 1] is not None):
            i += 1
            continue
        # filled[i] is the anchor; i+1 .. j-1 are unknown
        j = i + 1
        while j < n and filled[j] is None:
            j += 1
        a = filled[i]
        assert a is not None
        b = filled[j] if j < n else end
        inner = _fill_run(a, b, expected[i:j], method)
        for k, s in enumerate(inner, start=i + 1):
            filled[k] = s
            guessed.add(k)
        i = j
    if end is not None:
        late = [slots[k][0].position for k in sorted(guessed) if (filled[k] or 0) >= end and k > 0]
        if late:
            warnings.append(
                warning(
                    "estimate_at_set_end",
                    f"No room was left before the set's end for the estimated start of track(s) "
                    f"{', '.join(map(str, late))}; they were placed at the last known time.",
                    field="start_time",
                )
            )
    estimated: set[int] = set()
    out: list[Track] = []
    for k, g in enumerate(slots):
        start = filled[k]
        for row in g:
            if row.start_time is None and start is not None:
                out.append(row.model_copy(update={"start_time": start}))
                estimated.add(row.position)
            else:
                out.append(row)
    if estimated:
        warnings.append(
            warning(
                "start_time_estimated",
                f"Start times of track(s) {position_ranges(sorted(estimated))} are estimates (from the timed "
                "neighbours, known track lengths and this set's typical slot), not cue times.",
                field="start_time",
            )
        )
    return Estimated(
        tracks=out,
        estimated=estimated,
        end=end,
        groups=groups_of(out, slots),
        warnings=warnings,
        durations_converted=converted,
    )


def groups_of(tracks: list[Track], shape: list[list[Track]]) -> list[list[Track]]:
    """`tracks` cut into the same slots as `shape` (estimates may not merge or split slots)."""
    by_pos = {t.position: t for t in tracks}
    return [[by_pos[t.position] for t in g] for g in shape]


def position_ranges(positions: list[int]) -> str:
    """1, 2, 3, 7 -> "1-3, 7" (a long list of estimated rows stays one readable line)."""
    parts: list[str] = []
    start = prev = None
    for p in positions:
        if start is None:
            start = prev = p
        elif p == (prev or 0) + 1:
            prev = p
        else:
            parts.append(f"{start}-{prev}" if start != prev else f"{start}")
            start = prev = p
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else f"{start}")
    return ", ".join(parts)
