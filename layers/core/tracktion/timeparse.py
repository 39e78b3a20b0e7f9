"""User-entered times: the one reader of a time someone typed, pasted or published.

Times are seconds from the start of the mix. The forms read:
- `HH:MM:SS` / `H:MM:SS` (`1:02:03`), minutes and seconds below 60;
- `MM:SS` (`4:05`, `75:30`: minutes may pass 59 in a long mix), seconds below 60;
- plain seconds (`93`, `93.25`) and numbers (93.25);
every clock form may carry a fraction of a second (`1:02:03.5`). Surrounding spaces are ignored;
`None` and blank text are "unknown", never zero.

Three-part times are HH:MM:SS unless the reading says MM:SS:FF, the CUE sheet's minutes,
seconds and frames (75 a second): `reading=MSF`, or a `time_reading(MSF)` block around the call
(`tracktion.tracklists.timing.read_times` decides per request which reading its times call for).

`parse_time` refuses a time that cannot be meant (negative, beyond 48 hours, a field out of
range, not a time at all) with `InvalidTime`, a 422 INVALID_TRACK_TIME naming the track and the
field. `clock_time` reads the clock forms found in text a person wrote (pasted tracklists, source
pages) where a time that cannot be meant is simply unknown: None, never an error.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Literal

from tracktion.errors import ValidationFailed

# The physical bound of a user-entered time (tracktion.api.shapes.MAX_SET_SECONDS).
MAX_SECONDS = 48 * 3600
MAX_HOURS = MAX_SECONDS // 3600
HMS = "hh:mm:ss"
MSF = "mm:ss:ff"
TimeFormat = Literal["auto", "hh:mm:ss", "mm:ss:ff"]
FRAMES_PER_SECOND = 75

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")
_reading: ContextVar[str] = ContextVar("time_reading", default=HMS)


class InvalidTime(ValidationFailed):
    """A time that cannot be meant; the message and details name the track and the field.

    `reason` says why, for callers that branch on it: negative, beyond, out_of_range,
    not_a_time, boolean (or end_before_start, from `timing.check_track`).
    """

    def __init__(
        self, message: str, *, position: int | None, field: str, value: Any, reason: str = "not_a_time"
    ) -> None:
        super().__init__(
            message,
            error_code="INVALID_TRACK_TIME",
            details={"position": position, "field": field, "value": value},
        )
        self.reason = reason


def _label(position: int | None) -> str:
    return f"Track {position}" if position is not None else "Track"


@contextlib.contextmanager
def time_reading(reading: str) -> Iterator[None]:
    """Within the block, three-part times are read as `reading` (HMS or MSF)."""
    token = _reading.set(reading)
    try:
        yield
    finally:
        _reading.reset(token)


def parse_time(
    value: str | float | None,
    *,
    position: int | None = None,
    field: str = "time",
    reading: str | None = None,
    max_seconds: float | None = MAX_SECONDS,
) -> float | None:
    """Seconds from a typed time (`1:02:03.5`, `75:30`, `93.25`, 93.25); `None`/"" stay unknown.

    Three-part text is HH:MM:SS, or MM:SS:FF (75 frames a second) when `reading` (default: the
    enclosing `time_reading`) is MSF. The result is rounded to the millisecond. `max_seconds`
    (48 hours unless given; None: no bound) refuses a time beyond it.
    """
    if value is None:
        return None

    def refuse(why: str, reason: str) -> InvalidTime:
        return InvalidTime(
            f"{_label(position)}: {field} {why}", position=position, field=field, value=value, reason=reason
        )

    if isinstance(value, bool):
        raise refuse("must be a time, not a boolean", "boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        seconds = _parse_text(text, refuse, reading or _reading.get())
    if seconds != seconds or seconds < 0:  # NaN or negative
        raise refuse(f"{value!r} is negative", "negative")
    if max_seconds is not None and seconds > max_seconds:
        limit = f"{MAX_HOURS} hours" if max_seconds == MAX_SECONDS else f"{max_seconds:g} seconds"
        raise refuse(f"{value!r} is beyond {limit}", "beyond")
    if math.isinf(seconds):
        raise refuse(f"{value!r} is not a time", "not_a_time")
    return round(seconds, 3)


def _parse_text(text: str, refuse: Any, reading: str) -> float:
    if text.startswith("-"):
        raise refuse(f"{text!r} is negative", "negative")
    if _SECONDS.match(text):
        return float(text)
    m = _CLOCK.match(text)
    if not m:
        raise refuse(f"{text!r} is not a time (use HH:MM:SS, MM:SS or seconds)", "not_a_time")
    try:
        return _clock_seconds(*m.groups(), text=text, refuse=refuse, reading=reading)
    except (OverflowError, ValueError):  # more digits than a number holds (int's 4300-digit limit)
        raise refuse("is beyond any time (more digits than a number holds)", "beyond") from None


def _clock_seconds(
    hours_s: str | None, minutes_s: str, seconds_s: str, *, text: str, refuse: Any, reading: str
) -> float:
    if hours_s is not None and reading == MSF:
        # MM:SS:FF, the CUE sheet's form: minutes may pass 59, frames are 1/75 s.
        minutes, whole, frames_s = int(hours_s), int(minutes_s), seconds_s
        if whole >= 60 or "." in frames_s or int(frames_s) >= FRAMES_PER_SECOND:
            raise refuse(f"{text!r} has a field out of range (read as MM:SS:FF)", "out_of_range")
        return minutes * 60 + whole + int(frames_s) / FRAMES_PER_SECOND
    hours, minutes, seconds = int(hours_s or 0), int(minutes_s), float(seconds_s)
    # In H:MM:SS the minutes are a clock field; in MM:SS they may run past 59 (a 90-minute mix).
    if seconds >= 60 or (hours_s is not None and minutes >= 60):
        raise refuse(f"{text!r} has a field out of range", "out_of_range")
    if "." not in seconds_s:  # whole seconds: exact in integers, however many hours
        return float(hours * 3600 + minutes * 60 + int(seconds_s))
    return hours * 3600 + minutes * 60 + seconds


def clock_time(text: str | None) -> float | None:
    """A clock-form time (`2:24`, `02:30`, `1:01:10`, `75:30`) in text someone wrote, or None.

    What pasted tracklists and source pages carry: always HH:MM:SS / MM:SS (whatever reading the
    request is under), with no 48-hour bound, and a time that cannot be meant (`4:75`, `1:61:00`)
    or text without a colon is unknown rather than an error.
    """
    if not text or ":" not in text:
        return None
    try:
        return parse_time(text, reading=HMS, max_seconds=None)
    except InvalidTime:
        return None
