"""Dialect definitions drive capabilities and previews; our reader reports problems by line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion.cue.dialects import DIALECTS, UnsupportedFormat, conversion_preview, dialect
from tracktion.cue.incoming import owner_of
from tracktion.cue.options import CueOptions
from tracktion.cue.parse import parse
from tracktion.cue.text import all_plain, clean


def test_every_dialect_states_what_it_carries_and_what_it_does_not():
    for d in DIALECTS.values():
        caps = d.capabilities()
        assert caps["carries"] and caps["does_not_carry"], d.name
        assert caps["byte_order_mark"] is False
        assert caps["limits"]["max_tracks_per_disc"] == 99


def test_only_cdj_is_latin1_with_disc_limits_and_only_rekordbox_has_an_xml_companion():
    assert [n for n, d in DIALECTS.items() if d.encoding == "latin-1"] == ["cdj"]
    assert [n for n, d in DIALECTS.items() if d.splits_discs] == ["cdj"]
    assert [n for n, d in DIALECTS.items() if "rekordbox.xml" in d.companions] == ["rekordbox"]
    assert not DIALECTS["traktor"].target_reads_cue and not DIALECTS["serato"].target_reads_cue


def test_conversion_preview_is_lossless_only_between_equivalent_dialects():
    assert conversion_preview("traktor", "serato")["lossless"] is True
    to_kodi = conversion_preview("standard", "kodi")
    assert to_kodi["lossless"] is False and "REM DATE written as year" in to_kodi["changes"]
    to_cdj = conversion_preview("rekordbox", "cdj")
    assert "memory cues and hot cues (companion rekordbox XML)" in to_cdj["lost"]
    with pytest.raises(UnsupportedFormat):
        dialect("winamp")


def test_options_fingerprint_is_stable_and_tells_options_apart():
    assert CueOptions().fingerprint() == CueOptions().fingerprint()
    assert CueOptions(gap_handling="estimate").fingerprint() != CueOptions().fingerprint()


def test_reader_reports_problems_with_their_lines():
    sheet = parse(
        '\ufeffTITLE "Mix"\nFILE "mix.wav" WAVE\n  TRACK 01 AUDIO\n    INDEX 01 00:10:00\n'
        '  TRACK 02 AUDIO\n    INDEX 01 00:05:00\n  TRACK 03 AUDIO\n    TITLE "No index"\nBOGUS x\n'
    )
    codes = {(e["code"], e["line"]) for e in sheet.errors}
    assert ("INDEX_NOT_RISING", 6) in codes
    assert ("NO_INDEX_01", 7) in codes
    assert {w["code"] for w in sheet.warnings} == {"BOM", "UNKNOWN_COMMAND"}


def test_reader_gives_back_a_tracklist():
    sheet = parse(
        'PERFORMER "DJ"\nTITLE "Set"\nREM GENRE "Techno"\nFILE "a.wav" WAVE\n  TRACK 01 AUDIO\n'
        '    TITLE "ID"\n    PERFORMER "ID"\n    INDEX 01 150:00:37\n'
    )
    t = sheet.to_tracklist("user-1")
    assert t.djs == ["DJ"] and t.genres == ["Techno"]
    assert t.tracks[0].is_unidentified and t.tracks[0].start_time == pytest.approx(9000 + 37 / 75)


def test_incoming_text_is_read_by_the_text_parser_times_w_and_id_rows():
    from tracktion.tracklists.text_format import parse_text_tracklist

    tracks = parse_text_tracklist(
        "Tracklist:\n00:00 A - One\n[4:30] B - Two\nw/ C - Three\n1:02:03 ID - ID\nno dash\n"
    )
    assert [(t.artist, t.start_time, t.played_with_previous) for t in tracks] == [
        ("A", 0.0, False),
        ("B", 270.0, False),
        ("C", None, True),
        ("ID", 3723.0, False),
    ]
    assert tracks[3].is_unidentified


def test_only_keys_under_an_owner_in_incoming_are_tracklist_uploads():
    assert owner_of("incoming/user-1/x/set.txt") == "user-1"
    assert owner_of("cue/user-1/x.cue") is None
    assert owner_of("incoming//set.txt") is None


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.text(max_size=90), min_size=1, max_size=6), name=st.sampled_from(sorted(DIALECTS)))
def test_the_one_pass_plain_check_never_skips_text_that_needs_cleaning(values, name):
    d = DIALECTS[name]
    if all_plain(values, d):
        assert [clean(v, d) for v in values] == values
