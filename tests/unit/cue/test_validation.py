"""Validation reports name the tracks: past the audio's end, gaps, overlaps, dialect limits."""

from __future__ import annotations

from tests.unit.cue.conftest import make_tracklist
from tracktion.cue.audio import AudioInfo
from tracktion.cue.render import render
from tracktion.cue.validation import validate_sheet, validate_tracklist


def audio(seconds: float) -> AudioInfo:
    return AudioInfo("audio/u/mix.wav", seconds, "wave", 44100, 2, 1000, 100)


def test_gaps_overlaps_and_tracks_past_the_end_are_warnings_with_track_numbers():
    t = make_tracklist(5)  # starts 0, 300, 600, 900, 1200
    t.tracks[0].end_time = 290  # 10 s of silence before track 2
    t.tracks[1].end_time = 610  # runs 10 s into track 3

    report = validate_tracklist(t, "standard", audio=audio(1000))

    assert report["valid"] is True
    found = {w["code"]: w for w in report["warnings"]}
    assert found["GAP"]["tracks"] == [1]
    assert found["OVERLAP"]["tracks"] == [2]
    assert found["TRACKS_PAST_AUDIO_END"]["tracks"] == [5]
    assert found["DURATION_MISMATCH"]
    assert report["audio"]["duration_seconds"] == 1000


def test_a_tracklist_that_cannot_be_rendered_is_invalid_with_the_reason():
    t = make_tracklist(3)
    t.tracks[1].start_time = None

    report = validate_tracklist(t, "kodi")

    assert report["valid"] is False
    assert report["errors"][0]["code"] == "CUE_TIMES_MISSING" and report["errors"][0]["tracks"] == [2]


def test_a_stored_sheet_is_held_to_its_dialects_limits():
    long_titles = make_tracklist(3)
    long_titles.tracks[0].title = "y" * 120
    standard_text = render(long_titles, "standard").text

    assert validate_sheet(standard_text, "standard")["valid"] is True
    as_cdj = validate_sheet(standard_text, "cdj")
    assert as_cdj["valid"] is False and as_cdj["errors"][0]["tracks"] == [1]
    assert validate_sheet(render(long_titles, "cdj").data.decode("latin-1"), "cdj")["valid"] is True
