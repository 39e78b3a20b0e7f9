"""Typed times, and what validation, suggestions and auto end times say about a tracklist."""

from __future__ import annotations

import pytest

from tracktion.timeparse import InvalidTime, parse_time
from tracktion.tracklists.model import Track
from tracktion.tracklists.timing import (
    auto_end_times,
    format_time,
    timing_suggestions,
    validate_timing,
)


def track(position: int, start: float | None, end: float | None = None, **kw) -> Track:
    return Track(
        position=position,
        artist=f"Artist {position}",
        title=f"Title {position}",
        start_time=start,
        end_time=end,
        **kw,
    )


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("1:02:03", 3723.0),
        ("01:02:03.5", 3723.5),
        ("4:05", 245.0),
        ("75:30", 4530.0),  # MM:SS in a long mix
        ("93.25", 93.25),
        ("0", 0.0),
        (93.25, 93.25),
        (12, 12.0),
        ("  2:00  ", 120.0),
    ],
)
def test_accepted_time_forms_become_seconds(typed, seconds):
    assert parse_time(typed, position=1, field="start_time") == seconds


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_time_stays_unknown_rather_than_zero(empty):
    assert parse_time(empty) is None


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("-0:05", "negative"),
        (-1.0, "negative"),
        ("49:00:00.5", "beyond 48 hours"),
        (172800.5, "beyond 48 hours"),
        ("1:61:00", "out of range"),
        ("4:75", "out of range"),
        ("abc", "not a time"),
        ("1:2:3:4", "not a time"),
    ],
)
def test_impossible_times_are_refused_naming_the_track(typed, why):
    with pytest.raises(InvalidTime) as err:
        parse_time(typed, position=7, field="start_time")
    assert err.value.status == 422
    assert "Track 7" in err.value.message and why in err.value.message
    assert err.value.details["position"] == 7


def test_format_time_keeps_fractions():
    assert format_time(3723.5) == "1:02:03.5"
    assert format_time(245) == "0:04:05"


def test_overlap_is_reported_with_the_amount_and_both_tracks():
    tracks = [track(1, 0, 300), track(2, 300, 605), track(3, 600, 900)]

    report = validate_timing(tracks)

    assert not report.valid
    assert [i.message for i in report.issues if i.type == "overlap"] == [
        "Track 2 overlaps with track 3 by 5.0 seconds"
    ]


def test_gap_missing_start_and_order_problems_are_explained():
    tracks = [track(1, 0, 100), track(2, 160, 200), track(3, 150), track(4, None)]

    report = validate_timing(tracks)
    messages = [i.message for i in report.issues]

    assert "Gap of 60.0 seconds between track 1 and track 2" in messages
    assert any(m.startswith("Track 3 starts before track 2") for m in messages)
    assert "Track 4 has no start time" in messages


def test_a_track_played_over_the_previous_one_is_not_an_overlap():
    tracks = [track(1, 0, 300), track(2, 250, 400, played_with_previous=True)]

    assert validate_timing(tracks).valid


def test_times_past_the_audio_end_are_errors():
    report = validate_timing([track(1, 0, 100), track(2, 100, 700)], audio_duration=600)

    assert not report.valid
    assert report.issues[0].type == "beyond_duration"


def test_auto_end_times_use_the_next_start_and_the_audio_duration():
    tracks = [track(1, 0), track(2, 240.5), track(3, 480)]

    result, changed = auto_end_times(tracks, audio_duration=720)

    assert [t.end_time for t in result] == [240.5, 480, 720]
    assert changed == [1, 2, 3]
    assert validate_timing(result).valid


def test_auto_end_times_keep_existing_ends_unless_asked():
    tracks = [track(1, 0, 200), track(2, 240)]

    result, changed = auto_end_times(tracks, audio_duration=None, overwrite=False)

    assert [t.end_time for t in result] == [200, None]
    assert changed == []


def test_suggestions_fix_overlaps_and_gaps_with_reasons():
    tracks = [track(1, 0, 305), track(2, 300, 500), track(3, 560, 800)]

    suggestions = timing_suggestions(tracks)
    by_type = {s.type: s for s in suggestions}

    assert by_type["fix_overlap"].changes == {"position": 1, "end_time": 300}
    assert "Track 1 overlaps with track 2 by 5.0 seconds" in by_type["fix_overlap"].reason
    assert by_type["close_gap"].changes == {"position": 2, "end_time": 560}


def test_suggestions_flag_a_track_far_longer_than_its_neighbours():
    tracks = [
        track(1, 0, 300),
        track(2, 300, 600),
        track(3, 600, 2400),
        track(4, 2400, 2700),
        track(5, 2700, 3000),
    ]

    suggestions = [s for s in timing_suggestions(tracks) if s.type == "check_length"]

    assert [s.positions for s in suggestions] == [[3]]
    assert "far longer than its neighbours" in suggestions[0].reason


def test_suggestions_say_when_the_list_runs_past_the_target():
    tracks = [track(1, 0, 1800), track(2, 1800, 3900)]

    suggestions = timing_suggestions(tracks, target_duration=3600)

    over = [s for s in suggestions if s.type == "over_target"]
    assert over and over[0].changes == {"over_by": 300.0}
    assert "300.0 seconds longer than the target" in over[0].reason


def test_a_clean_tracklist_gets_no_suggestions():
    tracks = [track(1, 0, 300), track(2, 300, 600), track(3, 600, 900)]

    assert timing_suggestions(tracks, target_duration=3600, audio_duration=900) == []


# ---------------------------------------------------------------- reading "A:B:C"


def test_three_part_times_read_as_mm_ss_ff_when_asked():
    from tracktion.timeparse import MSF

    assert parse_time("03:30:00", reading=MSF) == 210.0
    assert parse_time("75:30:15", reading=MSF) == 75 * 60 + 30.2
    assert parse_time("3:30", reading=MSF) == 210.0  # two parts are MM:SS either way
    with pytest.raises(InvalidTime, match="MM:SS:FF"):
        parse_time("03:30:75", reading=MSF, position=2, field="end_time")


def _read(requested, typed, duration=None):
    from tracktion.tracklists.timing import implausibility, read_times

    def build():
        out = []
        for i, (start, end) in enumerate(typed, 1):
            t = track(
                i,
                parse_time(start, position=i, field="start_time"),
                parse_time(end, position=i, field="end_time"),
            )
            from tracktion.tracklists.timing import check_track

            check_track(t)
            out.append(t)
        return out

    values = [v for pair in typed for v in pair]
    return read_times(requested, values, build, lambda ts: implausibility(ts, duration))


def test_auto_reading_keeps_hours_when_they_make_sense():
    tracks, warnings = _read(None, [("00:00:00", "00:03:30"), ("00:03:30", "00:07:00")])
    assert [t.end_time for t in tracks] == [210, 420] and warnings == []
    tracks, warnings = _read(None, [("00:00:00", None), ("01:05:00", None)])
    assert tracks[1].start_time == 3900 and warnings == []


def test_auto_reading_switches_to_minutes_when_hours_are_implausible_and_warns():
    tracks, warnings = _read(None, [("00:00:00", "03:30:00"), ("03:30:00", "07:00:00")])
    assert [(t.start_time, t.end_time) for t in tracks] == [(0, 210), (210, 420)]
    assert warnings[0]["type"] == "time_reading" and "'03:30:00'" in warnings[0]["message"]
    # Beyond the audio's known end as hours, inside it as minutes.
    tracks, warnings = _read(None, [("05:00:00", None)], duration=3600)
    assert tracks[0].start_time == 300 and warnings


def test_auto_reading_never_guesses_when_a_time_has_seconds_or_hours_are_forced():
    tracks, warnings = _read(None, [("00:00:00", "03:30:10")])
    assert tracks[0].end_time == 3 * 3600 + 30 * 60 + 10 and warnings == []
    tracks, warnings = _read("hh:mm:ss", [("00:00:00", "03:30:00")])
    assert tracks[0].end_time == 3.5 * 3600 and warnings == []


def test_validate_timing_with_gaps_refused_makes_a_gap_an_error():
    tracks = [track(1, 0, 240), track(2, 245, 500)]
    assert validate_timing(tracks).valid
    report = validate_timing(tracks, allow_gaps=False)
    assert not report.valid and report.issues[0].type == "gap"
