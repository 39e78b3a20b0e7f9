"""tracktion.timeparse, the one parser of user-entered times, property-tested.

The four parsers it replaced are kept here, frozen as they were, as oracles: every form one of
them accepted is still accepted with the same value (and the request parser refuses exactly what
it refused, with the same message).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tracktion.cue.time import CueTime
from tracktion.timeparse import HMS, MAX_SECONDS, MSF, InvalidTime, clock_time, parse_time, time_reading
from tracktion.tracklists.timing import format_time

# ---------------------------------------------------------------- the old parsers, frozen

# tracklists/text_format.py: the line patterns let through `_TEXT_TIME`; out of range is None.
_TEXT_TIME = r"(?:\d{1,2}:)?\d{1,3}:\d{2}"


def old_text_format(text: str) -> float | None:
    parts = [int(p) for p in text.split(":")]
    if len(parts) == 2:
        minutes, seconds = parts
        return float(minutes * 60 + seconds) if seconds < 60 else None
    hours, minutes, seconds = parts
    return float(hours * 3600 + minutes * 60 + seconds) if minutes < 60 and seconds < 60 else None


# sources/tracklists1001.py parse_clock: cue texts and the player's [h:mm:ss].
_OLD_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def old_parse_clock(text: str) -> float | None:
    m = _OLD_CLOCK.match(text.strip())
    if not m:
        return None
    hours, minutes, seconds = int(m[1] or 0), int(m[2]), int(m[3])
    if seconds >= 60 or (m[1] is not None and minutes >= 60):
        return None
    return float(hours * 3600 + minutes * 60 + seconds)


# cue/incoming.py _seconds (behind `_TEXT_TIME` too): it never checked ranges ("4:75" was 315 s).
# It served only a fallback for when text_format could not be imported, which never happened;
# its in-range forms are checked below, its out-of-range readings were never reached.
def old_incoming_seconds(text: str) -> float:
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return float(total)


# tracklists/timing.py parse_time, the request parser (moved whole into timeparse).
_T_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_T_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")


def old_timing(value: Any, position: int | None = None, field: str = "time", reading: str = HMS) -> Any:
    """The value, or ("refused", message)."""
    label = f"Track {position}" if position is not None else "Track"
    if value is None:
        return None
    if isinstance(value, bool):
        return ("refused", f"{label}: {field} must be a time, not a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.startswith("-"):
            return ("refused", f"{label}: {field} {text!r} is negative")
        if _T_SECONDS.match(text):
            seconds = float(text)
        else:
            m = _T_CLOCK.match(text)
            if not m:
                return (
                    "refused",
                    f"{label}: {field} {text!r} is not a time (use HH:MM:SS, MM:SS or seconds)",
                )
            h, mi, s = m.groups()
            if h is not None and reading == MSF:
                if int(mi) >= 60 or "." in s or int(s) >= 75:
                    return (
                        "refused",
                        f"{label}: {field} {text!r} has a field out of range (read as MM:SS:FF)",
                    )
                seconds = int(h) * 60 + int(mi) + int(s) / 75
            else:
                if float(s) >= 60 or (h is not None and int(mi) >= 60):
                    return ("refused", f"{label}: {field} {text!r} has a field out of range")
                seconds = int(h or 0) * 3600 + int(mi) * 60 + float(s)
    if seconds != seconds or seconds < 0:
        return ("refused", f"{label}: {field} {value!r} is negative")
    if seconds > MAX_SECONDS:
        return ("refused", f"{label}: {field} {value!r} is beyond 48 hours")
    return round(seconds, 3)


def new_timing(value: Any, position: int | None = None, field: str = "time", reading: str = HMS) -> Any:
    try:
        return parse_time(value, position=position, field=field, reading=reading)
    except InvalidTime as exc:
        assert exc.status == 422 and exc.error_code == "INVALID_TRACK_TIME"
        assert exc.details == {"position": position, "field": field, "value": value}
        return ("refused", exc.message)


# ---------------------------------------------------------------- every old form, same value


@settings(max_examples=400, deadline=None)
@given(st.from_regex(rf"\A{_TEXT_TIME}\Z") | st.from_regex(r"\A(?:\d{1,2}:)?\d{1,3}:[0-5]\d\Z"))
@example("00:00")
@example("1:02:03")
@example("4:75")
@example("99:59:59")
def test_every_pasted_text_time_reads_as_text_format_read_it(text):
    assert clock_time(text) == old_text_format(text)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\A\s*(?:\d+:)?\d{1,2}:\d{2}\s*\Z") | st.text(max_size=12))
@example("2:24")
@example("02:30")
@example("1:01:10")
@example(" 1:61:10 ")
@example("0")
@example("")
def test_every_cue_the_1001_page_parser_read_is_read_alike(text):
    old = old_parse_clock(text)
    if old is not None:
        assert clock_time(text) == old


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59), st.booleans())
def test_the_incoming_fallbacks_in_range_times_read_alike(hours, minutes, seconds, with_hours):
    text = f"{hours}:{minutes:02d}:{seconds:02d}" if with_hours else f"{minutes}:{seconds:02d}"
    assert clock_time(text) == old_incoming_seconds(text)


request_texts = st.from_regex(r"\A\s?-?\d{1,3}(?::\d{1,3}){0,3}(?:\.\d{1,4})?\s?\Z", fullmatch=True)
request_values = (
    request_texts
    | st.text(max_size=10)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-10, 10**7)
    | st.booleans()
    | st.none()
)


@settings(max_examples=600, deadline=None)
@given(request_values, st.sampled_from([HMS, MSF]), st.sampled_from([None, 3]))
@example("49:00:00.5", HMS, 7)
@example("03:30:75", MSF, 2)
@example("1:2:3:4", HMS, None)
def test_the_request_parser_accepts_and_refuses_exactly_as_before(value, reading, position):
    assert new_timing(value, position, "start_time", reading) == old_timing(
        value, position, "start_time", reading
    )


def test_the_enclosing_reading_applies_and_the_lenient_reader_ignores_it():
    with time_reading(MSF):
        assert parse_time("03:30:00") == 210.0
        assert clock_time("03:30:00") == 3 * 3600 + 30 * 60  # text people wrote is HH:MM:SS
    assert parse_time("03:30:00") == 3 * 3600 + 30 * 60


def test_more_digits_than_a_number_holds_is_refused_not_a_crash():
    huge = "9" * 5000 + ":00"
    with pytest.raises(InvalidTime, match="beyond any time"):
        parse_time(huge, position=1, field="start_time")
    assert clock_time(huge) is None
    assert clock_time("9" * 400 + ":00:00") is None  # beyond any float: the old parsers raised OverflowError


@pytest.mark.parametrize("text", [None, "", "   ", "93", "abc", "4:75", "1:61:00", "-1:00"])
def test_the_lenient_reader_says_unknown_rather_than_refusing(text):
    assert clock_time(text) is None


# ---------------------------------------------------------------- round trips and order

millis = st.integers(0, MAX_SECONDS * 1000).map(lambda ms: ms / 1000)


@settings(max_examples=500, deadline=None)
@given(millis)
def test_a_formatted_time_reads_back_as_itself(seconds):
    assert parse_time(format_time(seconds)) == seconds
    assert parse_time(seconds) == seconds
    assert parse_time(f"{seconds:.3f}") == seconds
    minutes, rest = divmod(seconds, 60)
    assert parse_time(f"{int(minutes)}:{rest:06.3f}") == pytest.approx(seconds, abs=1e-9)  # MM:SS


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9999 * 60 * 75))
def test_a_cue_sheets_mm_ss_ff_reads_back_with_the_msf_reading(frames):
    text = str(CueTime(frames))
    assert parse_time(text, reading=MSF, max_seconds=None) == round(frames / 75, 3)


@settings(max_examples=500, deadline=None)
@given(millis, millis, st.sampled_from(["hms", "seconds", "mmss"]))
def test_later_times_never_read_as_earlier_ones(a, b, form):
    def typed(seconds: float) -> str:
        if form == "hms":
            return str(format_time(seconds))
        if form == "seconds":
            return f"{seconds:.3f}"
        minutes, rest = divmod(round(seconds * 1000), 60_000)
        return f"{minutes}:{rest / 1000:06.3f}"

    assume(a != b)
    low, high = sorted((a, b))
    assert parse_time(typed(low)) < parse_time(typed(high))


@settings(max_examples=300, deadline=None)
@given(st.tuples(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59)), st.data())
def test_clock_fields_order_as_their_readings(first, data):
    second = data.draw(st.tuples(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59)))
    read = [clock_time(f"{h}:{m:02d}:{s:02d}") for h, m, s in (first, second)]
    assert (read[0] < read[1]) == (first < second)
