"""Track times: reasoning about a whole tracklist's timing (typed times are read by
`tracktion.timeparse`, the one parser of user-entered times).

A time that cannot be meant (negative, beyond 48 h, seconds ≥ 60, end before start) is refused
with a 422 that names the track and the field, never silently clamped.

Three-part times are ambiguous in the published reference: its import example writes
`"00:03:30"` for 3 min 30 s (HH:MM:SS) while its manual examples write `"03:30:00"` for the same
moment (MM:SS:00, the CUE sheet's MM:SS:FF with zero frames). `read_times` decides per request:
HH:MM:SS unless every three-part time of the request ends in `:00` and reading them as hours is
implausible (a track longer than an hour, a time after the audio's end, tracks out of order, an
end before its start) while reading them as MM:SS:FF is not; then MM:SS:FF, with a warning. A
client may also say which it means (`time_format`: "hh:mm:ss", "mm:ss:ff" or "auto").

`validate_timing` reports problems (errors and warnings, each with a sentence a DJ understands);
`timing_suggestions` proposes concrete changes with the reason; `auto_end_times` derives end
times from the next track's start and the audio's duration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise
from statistics import median
from typing import Any, Literal, TypeVar

from tracktion.models import Model
from tracktion.timeparse import HMS, MSF, InvalidTime, time_reading
from tracktion.tracklists.model import Track

# A single track longer than this, read as HH:MM:SS, suggests the client meant MM:SS:00.
PLAUSIBLE_TRACK_SECONDS = 3600.0
T = TypeVar("T")
# A gap this long between one track's end and the next start is worth a warning.
GAP_WARNING_SECONDS = 10.0
# With gaps refused, a hole shorter than this is rounding, not a gap.
GAP_TOLERANCE_SECONDS = 1.0
# A track this many times longer (or shorter) than its neighbours' median looks mistyped.
OUTLIER_FACTOR = 2.5

_THREE = re.compile(r"^\s*(\d+):(\d+):(\d+(?:\.\d+)?)\s*$")


def format_time(seconds: float | None) -> str | None:
    """`H:MM:SS` (with a fraction when there is one), the form validation messages use."""
    if seconds is None:
        return None
    whole = int(seconds)
    frac = round(seconds - whole, 3)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    text = f"{h}:{m:02d}:{s:02d}"
    if frac:
        text += f"{frac:.3f}"[1:].rstrip("0")
    return text


def check_track(track: Track) -> None:
    """A track's own times must make sense; relations between tracks are `validate_timing`'s job."""
    if track.start_time is not None and track.end_time is not None and track.end_time < track.start_time:
        raise InvalidTime(
            f"Track {track.position}: end_time {format_time(track.end_time)} is before "
            f"start_time {format_time(track.start_time)}",
            position=track.position,
            field="end_time",
            value=track.end_time,
            reason="end_before_start",
        )


def duration_reading(requested: str | None) -> str:
    """How a whole-mix length (audio_duration, target_duration) is read: HH:MM:SS unless told.

    `"01:30:00"` as an audio length is an hour and a half in every example of the reference.
    """
    return MSF if requested == MSF else HMS


def zero_frame_times(values: Iterable[Any]) -> list[str]:
    """The three-part times among `values` when every one of them ends in `:00`, else []."""
    three = [v for v in values if isinstance(v, str) and _THREE.match(v)]
    for v in three:
        m = _THREE.match(v)
        assert m is not None
        if "." in m.group(3) or int(m.group(3)) != 0:
            return []
    return three


def implausibility(tracks: Iterable[Track], audio_duration: float | None = None) -> int:
    """How many things in these tracks look mistyped: a track longer than an hour, a time
    after the audio's end, a start before the previous track's start."""
    ordered = sorted(tracks, key=lambda t: t.position)
    n = 0
    for t in ordered:
        length = _length(t)
        if length is not None and length > PLAUSIBLE_TRACK_SECONDS:
            n += 1
        if audio_duration is not None:
            n += sum(1 for v in (t.start_time, t.end_time) if v is not None and v > audio_duration + 1)
    for prev, cur in pairwise(ordered):
        if cur.played_with_previous or prev.start_time is None or cur.start_time is None:
            continue
        if cur.start_time < prev.start_time:
            n += 1
    return n


def reading_warning(examples: list[str]) -> dict[str, Any]:
    from tracktion.contract import warning

    sample = next((e for e in examples if e.strip().strip("0:")), examples[0])
    m = _THREE.match(sample)
    assert m is not None
    minutes, seconds = int(m.group(1)), int(m.group(2))
    return warning(
        "time_reading",
        f"Three-part times such as {sample.strip()!r} were read as MM:SS:FF ({minutes} min {seconds} s): "
        "read as HH:MM:SS they would make a track longer than an hour, put a time after the end of "
        "the audio or tracks out of order. Send time_format='hh:mm:ss' to have them read as hours.",
        field="time_format",
    )


def read_times(
    requested: str | None,
    values: Iterable[Any],
    run: Callable[[], T],
    implausible: Callable[[T], int],
) -> tuple[T, list[dict[str, Any]]]:
    """Run `run` (pure: it may be run twice) under the reading this request's times call for.

    `values` are the request's typed track times; `implausible(result)` counts what looks
    mistyped in a result (relative to what was there before the request). Returns the result
    and the warnings to show (one when three-part times were read as MM:SS:FF on our own).
    """
    if requested in (HMS, MSF):
        with time_reading(str(requested)):
            return run(), []
    candidates = zero_frame_times(values)
    if not candidates:
        with time_reading(HMS):
            return run(), []
    first: T | None = None
    refused: InvalidTime | None = None
    try:
        with time_reading(HMS):
            first = run()
        as_hours = implausible(first)
        if as_hours <= 0:
            return first, []
    except InvalidTime as exc:
        refused = exc
    try:
        with time_reading(MSF):
            second = run()
        as_minutes = implausible(second)
    except InvalidTime:
        if refused is not None:
            raise refused from None
        assert first is not None
        return first, []
    if refused is not None or as_minutes < as_hours:
        return second, [reading_warning(candidates)]
    assert first is not None
    return first, []


class TimingIssue(Model):
    type: Literal["overlap", "order", "gap", "missing_start", "beyond_duration", "zero_length"]
    severity: Literal["error", "warning"]
    positions: list[int]
    message: str
    seconds: float | None = None


class TimingReport(Model):
    valid: bool
    issues: list[TimingIssue]
    total_duration: float | None = None


def _fmt(seconds: float) -> str:
    return f"{seconds:.1f}"


def validate_timing(
    tracks: list[Track], audio_duration: float | None = None, *, allow_gaps: bool = True
) -> TimingReport:
    """Every timing problem in a tracklist. Errors make a publish with validation refuse.

    A gap between one track's end and the next start is a warning; with `allow_gaps=False` it
    is an error (the tracks must cover the mix without holes).
    """
    issues: list[TimingIssue] = []
    ordered = sorted(tracks, key=lambda t: t.position)
    for t in ordered:
        if t.start_time is None and not t.played_with_previous:
            issues.append(
                TimingIssue(
                    type="missing_start",
                    severity="warning",
                    positions=[t.position],
                    message=f"Track {t.position} has no start time",
                )
            )
        if t.start_time is not None and t.end_time is not None and t.end_time == t.start_time:
            issues.append(
                TimingIssue(
                    type="zero_length",
                    severity="warning",
                    positions=[t.position],
                    message=f"Track {t.position} ends when it starts",
                )
            )
        if audio_duration is not None:
            for field in ("start_time", "end_time"):
                value = getattr(t, field)
                if value is not None and value > audio_duration:
                    issues.append(
                        TimingIssue(
                            type="beyond_duration",
                            severity="error",
                            positions=[t.position],
                            message=f"Track {t.position} {field.replace('_', ' ')} {format_time(value)} "
                            f"is after the end of the audio ({format_time(audio_duration)})",
                            seconds=round(value - audio_duration, 3),
                        )
                    )
    for prev, cur in pairwise(ordered):
        if cur.played_with_previous or prev.start_time is None or cur.start_time is None:
            continue
        if cur.start_time < prev.start_time:
            issues.append(
                TimingIssue(
                    type="order",
                    severity="error",
                    positions=[prev.position, cur.position],
                    message=f"Track {cur.position} starts before track {prev.position} "
                    f"({format_time(cur.start_time)} < {format_time(prev.start_time)})",
                    seconds=round(prev.start_time - cur.start_time, 3),
                )
            )
            continue
        if prev.end_time is None:
            continue
        if prev.end_time > cur.start_time:
            by = round(prev.end_time - cur.start_time, 3)
            issues.append(
                TimingIssue(
                    type="overlap",
                    severity="error",
                    positions=[prev.position, cur.position],
                    message=f"Track {prev.position} overlaps with track {cur.position} by {_fmt(by)} seconds",
                    seconds=by,
                )
            )
        elif cur.start_time - prev.end_time > (GAP_WARNING_SECONDS if allow_gaps else GAP_TOLERANCE_SECONDS):
            gap = round(cur.start_time - prev.end_time, 3)
            issues.append(
                TimingIssue(
                    type="gap",
                    severity="warning" if allow_gaps else "error",
                    positions=[prev.position, cur.position],
                    message=f"Gap of {_fmt(gap)} seconds between track {prev.position} "
                    f"and track {cur.position}",
                    seconds=gap,
                )
            )
    return TimingReport(
        valid=not any(i.severity == "error" for i in issues),
        issues=issues,
        total_duration=_total_duration(ordered, audio_duration),
    )


def _total_duration(ordered: list[Track], audio_duration: float | None) -> float | None:
    if audio_duration is not None:
        return audio_duration
    ends = [t.end_time for t in ordered if t.end_time is not None]
    starts = [t.start_time for t in ordered if t.start_time is not None]
    return max(ends + starts) if ends or starts else None


def _next_start(ordered: list[Track], index: int) -> float | None:
    """The start of the next track that begins later (a track played over this one does not end it)."""
    own = ordered[index].start_time
    for t in ordered[index + 1 :]:
        if t.played_with_previous or t.start_time is None:
            continue
        if own is None or t.start_time > own:
            return t.start_time
    return None


def auto_end_times(
    tracks: list[Track], audio_duration: float | None, *, overwrite: bool = True
) -> tuple[list[Track], list[int]]:
    """Tracks whose end is the next start (the last one's: the audio's end); and which changed."""
    ordered = sorted(tracks, key=lambda t: t.position)
    changed: list[int] = []
    result: list[Track] = []
    for i, t in enumerate(ordered):
        if t.start_time is None or (t.end_time is not None and not overwrite):
            result.append(t)
            continue
        end = _next_start(ordered, i)
        if end is None and audio_duration is not None and audio_duration >= t.start_time:
            end = audio_duration
        if end is None or end == t.end_time:
            result.append(t)
            continue
        result.append(t.model_copy(update={"end_time": end}))
        changed.append(t.position)
    return result, changed


class TimingSuggestion(Model):
    type: Literal["fix_overlap", "close_gap", "check_length", "over_target", "set_end_time", "fix_order"]
    positions: list[int]
    reason: str
    changes: dict[str, Any] = {}


def _amount(seconds: float) -> str:
    seconds = round(abs(seconds), 1)
    return str(int(seconds)) if seconds == int(seconds) else str(seconds)


def suggestion_view(s: TimingSuggestion, tracks: list[Track]) -> dict[str, Any]:
    """A suggestion as the reference shows it (track_position, suggestion, current_duration,
    suggested_duration, reason; durations "HH:MM:SS"), with ours (type, positions, changes) beside."""
    from tracktion.contract import hms

    by_pos = {t.position: t for t in tracks}
    position = int(
        s.changes.get("position") or (s.positions[-1] if s.type == "over_target" else s.positions[0])
    )
    track = by_pos.get(position)
    current = _length(track) if track is not None else None
    suggested = current
    new_end = s.changes.get("end_time")
    if track is not None and track.start_time is not None and new_end is not None:
        suggested = round(float(new_end) - track.start_time, 3)
    if s.type == "over_target" and current is not None:
        suggested = max(0.0, round(current - float(s.changes.get("over_by", 0)), 3))
    if s.type == "over_target":
        slug = f"reduce_by_{_amount(float(s.changes.get('over_by', 0)))}_seconds"
    elif current is not None and suggested is not None and suggested < current:
        slug = f"reduce_by_{_amount(current - suggested)}_seconds"
    elif current is not None and suggested is not None and suggested > current:
        slug = f"extend_by_{_amount(suggested - current)}_seconds"
    else:
        slug = {"check_length": "check_timing"}.get(s.type, s.type)
    return {
        "track_position": position,
        "suggestion": slug,
        "current_duration": hms(current),
        "suggested_duration": hms(suggested),
        "reason": s.reason,
        "type": s.type,
        "positions": s.positions,
        "changes": s.changes,
        "current_duration_seconds": current,
        "suggested_duration_seconds": suggested,
    }


def _length(t: Track) -> float | None:
    if t.start_time is None or t.end_time is None:
        return None
    return t.end_time - t.start_time


def timing_suggestions(
    tracks: list[Track], target_duration: float | None = None, audio_duration: float | None = None
) -> list[TimingSuggestion]:
    """Concrete changes that would fix or improve the timing, each with why it is suggested."""
    ordered = sorted(tracks, key=lambda t: t.position)
    out: list[TimingSuggestion] = []
    for issue in validate_timing(ordered, audio_duration).issues:
        if issue.type == "overlap":
            prev_pos, cur_pos = issue.positions
            cur = next(t for t in ordered if t.position == cur_pos)
            out.append(
                TimingSuggestion(
                    type="fix_overlap",
                    positions=issue.positions,
                    reason=f"{issue.message}; end track {prev_pos} when track {cur_pos} starts",
                    changes={"position": prev_pos, "end_time": cur.start_time},
                )
            )
        elif issue.type == "gap":
            prev_pos, cur_pos = issue.positions
            cur = next(t for t in ordered if t.position == cur_pos)
            out.append(
                TimingSuggestion(
                    type="close_gap",
                    positions=issue.positions,
                    reason=f"{issue.message}; extend track {prev_pos} to the start of track {cur_pos}",
                    changes={"position": prev_pos, "end_time": cur.start_time},
                )
            )
        elif issue.type == "order":
            out.append(
                TimingSuggestion(
                    type="fix_order",
                    positions=issue.positions,
                    reason=f"{issue.message}; reorder the tracks or correct the start time",
                )
            )
    ends, changed = auto_end_times(ordered, audio_duration, overwrite=False)
    for pos in changed:
        t = next(t for t in ends if t.position == pos)
        out.append(
            TimingSuggestion(
                type="set_end_time",
                positions=[pos],
                reason=f"Track {pos} has no end time; the next start (or the end of the audio) gives "
                f"{format_time(t.end_time)}",
                changes={"position": pos, "end_time": t.end_time},
            )
        )
    out.extend(_length_outliers(ends))
    total = _total_duration(ends, None)
    if target_duration is not None and total is not None and total > target_duration:
        over = round(total - target_duration, 3)
        out.append(
            TimingSuggestion(
                type="over_target",
                positions=[t.position for t in ends][-1:],
                reason=f"The tracklist runs {format_time(total)}, {_fmt(over)} seconds longer than the "
                f"target {format_time(target_duration)}; shorten or drop tracks near the end",
                changes={"over_by": over},
            )
        )
    return out


def _length_outliers(ordered: list[Track]) -> list[TimingSuggestion]:
    out: list[TimingSuggestion] = []
    lengths = [_length(t) for t in ordered]
    for i, t in enumerate(ordered):
        own = lengths[i]
        neighbours = [x for x in lengths[max(0, i - 3) : i] + lengths[i + 1 : i + 4] if x]
        if own is None or len(neighbours) < 2:
            continue
        typical = median(neighbours)
        if typical <= 0:
            continue
        if own > typical * OUTLIER_FACTOR:
            out.append(
                TimingSuggestion(
                    type="check_length",
                    positions=[t.position],
                    reason=f"Track {t.position} plays {_fmt(own)} seconds, far longer than its neighbours "
                    f"(typically {_fmt(typical)} seconds); check its start and end times",
                )
            )
        elif own * OUTLIER_FACTOR < typical:
            out.append(
                TimingSuggestion(
                    type="check_length",
                    positions=[t.position],
                    reason=f"Track {t.position} plays {_fmt(own)} seconds, far shorter than its neighbours "
                    f"(typically {_fmt(typical)} seconds); check its start and end times",
                )
            )
    return out
