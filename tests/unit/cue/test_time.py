"""CueTime: mm:ss:ff at 75 frames per second, minutes past 99 for long mixes."""

from __future__ import annotations

import pytest

from tracktion.cue.time import CueTime


def test_seconds_round_to_the_nearest_frame():
    assert str(CueTime.from_seconds(95.5)) == "01:35:38"  # 0.5 s = 37.5 frames: halves go up
    assert str(CueTime.from_seconds(59.99)) == "00:59:74"
    assert CueTime.from_seconds(60.0).frames == 4500


def test_minutes_pass_99_for_long_mixes():
    assert str(CueTime.from_seconds(150 * 60 + 1)) == "150:01:00"
    assert CueTime.parse("150:01:00").seconds == 9001


@pytest.mark.parametrize("bad", ["1:2:3", "00:60:00", "00:00:75", "-1:00:00", "ab:cd:ef", ""])
def test_invalid_times_are_refused(bad):
    with pytest.raises(ValueError):
        CueTime.parse(bad)


def test_parse_and_format_are_inverse():
    for frames in (0, 1, 74, 75, 4499, 4500, 450_000, 675_074):
        assert CueTime.parse(str(CueTime(frames))).frames == frames
