"""Track times: parsing what people type, and reasoning about a whole tracklist's timing.

Times are seconds from the start of the mix. People type them as `HH:MM:SS`, `MM:SS` (minutes
may pass 59 in long mixes, as DJs write `75:30`), or plain (fractional) seconds; every form may
carry a fraction. A time that cannot be meant (negative, beyond 24 h, seconds ≥ 60, end before
start) is refused with a 422 that names the track, never silently clamped.

`validate_timing` reports problems (errors and warnings, each with a sentence a DJ understands);
`timing_suggestions` proposes concrete changes with the reason; `auto_end_times` derives end
times from the next track's start and the audio's duration.
"""

from __future__ import annotations

import re
from itertools import pairwise
from statistics import median
from typing import Any, Literal

from tracktion.errors import ValidationFailed
from tracktion.models import Model
from tracktion.tracklists.model import Track

MAX_SECONDS = 24 * 3600
# A gap this long between one track's end and the next start is worth a warning.
GAP_WARNING_SECONDS = 10.0
# A track this many times longer (or shorter) than its neighbours' median looks mistyped.
OUTLIER_FACTOR = 2.5

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")


class InvalidTrackTime(ValidationFailed):
    """A time that cannot be meant; the message and details name the track."""

    def __init__(self, message: str, *, position: int | None, field: str, value: Any) -> None:
        super().__init__(
            message,
            error_code="INVALID_TRACK_TIME",
            details={"position": position, "field": field, "value": value},
        )


def _label(position: int | None) -> str:
    return f"Track {position}" if position is not None else "Track"


def parse_time(
    value: str | float | None, *, position: int | None = None, field: str = "time"
) -> float | None:
    """Seconds from a typed time (`1:02:03.5`, `75:30`, `93.25`, 93.25); `None`/"" stay unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidTrackTime(
            f"{_label(position)}: {field} must be a time, not a boolean",
            position=position,
            field=field,
            value=value,
        )
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        seconds = _parse_text(text, position=position, field=field)
    if seconds != seconds or seconds < 0:  # NaN or negative
        raise InvalidTrackTime(
            f"{_label(position)}: {field} {value!r} is negative", position=position, field=field, value=value
        )
    if seconds > MAX_SECONDS:
        raise InvalidTrackTime(
            f"{_label(position)}: {field} {value!r} is beyond 24 hours",
            position=position,
            field=field,
            value=value,
        )
    return round(seconds, 3)


def _parse_text(text: str, *, position: int | None, field: str) -> float:
    if text.startswith("-"):
        raise InvalidTrackTime(
            f"{_label(position)}: {field} {text!r} is negative", position=position, field=field, value=text
        )
    if _SECONDS.match(text):
        return float(text)
    m = _CLOCK.match(text)
    if not m:
        raise InvalidTrackTime(
            f"{_label(position)}: {field} {text!r} is not a time (use HH:MM:SS, MM:SS or seconds)",
            position=position,
            field=field,
            value=text,
        )
    hours_s, minutes_s, seconds_s = m.groups()
    hours, minutes, seconds = int(hours_s or 0), int(minutes_s), float(seconds_s)
    # In H:MM:SS the minutes are a clock field; in MM:SS they may run past 59 (a 90-minute mix).
    if seconds >= 60 or (hours_s is not None and minutes >= 60):
        raise InvalidTrackTime(
            f"{_label(position)}: {field} {text!r} has a field out of range",
            position=position,
            field=field,
            value=text,
        )
    return hours * 3600 + minutes * 60 + seconds


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
        raise InvalidTrackTime(
            f"Track {track.position}: end_time {format_time(track.end_time)} is before "
            f"start_time {format_time(track.start_time)}",
            position=track.position,
            field="end_time",
            value=track.end_time,
        )


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


def validate_timing(tracks: list[Track], audio_duration: float | None = None) -> TimingReport:
    """Every timing problem in a tracklist. Errors make a publish with validation refuse."""
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
        elif cur.start_time - prev.end_time > GAP_WARNING_SECONDS:
            gap = round(cur.start_time - prev.end_time, 3)
            issues.append(
                TimingIssue(
                    type="gap",
                    severity="warning",
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
