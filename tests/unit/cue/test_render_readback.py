"""Every sheet we generate is read the same way, to the frame, by three independent parsers
(deflacue, @gplane/cue, cue-parser), in every dialect, including the hard cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.unit.cue.conftest import make_tracklist
from tests.unit.cue.readers import global_starts, read_back
from tracktion.cue.dialects import CD_MAX_LENGTH, DIALECTS
from tracktion.cue.options import CueOptions
from tracktion.cue.render import render
from tracktion.cue.sheet import CueTimesMissing, CueTimesOutOfOrder
from tracktion.cue.time import CueTime
from tracktion.tracklists.model import Track

ALL = sorted(DIALECTS)


def frames(seconds: float) -> int:
    return CueTime.from_seconds(seconds).frames


@pytest.mark.parametrize("fmt", ALL)
def test_two_and_a_half_hour_mix_reads_back_to_the_frame(fmt, tmp_path):
    # 150 minutes, 40 tracks, odd fractional starts: minutes pass 99 except where discs split.
    t = make_tracklist(40, spacing=225.37, duration_seconds=150 * 60)
    expected = [frames(tr.start_time) for tr in t.tracks]

    rendered = render(t, fmt)
    got = read_back(rendered, tmp_path)

    assert global_starts(got["discs"], expected, rebased=fmt == "cdj") == expected
    assert [title for d in got["discs"] for title in d["titles"]] == [tr.title for tr in t.tracks]
    if fmt == "cdj":
        assert rendered.disc_count == 2
        assert all(len(d["starts"]) <= 99 for d in got["discs"])
        assert got["discs"][1]["starts"][0] == 0
    else:
        assert rendered.disc_count == 1
        assert "INDEX 01 146:" in rendered.text  # the last track starts past 99 minutes


@pytest.mark.parametrize("fmt", ALL)
def test_120_tracks_read_back_and_cdj_splits_at_99(fmt, tmp_path):
    t = make_tracklist(120, spacing=30.0)
    expected = [frames(tr.start_time) for tr in t.tracks]

    rendered = render(t, fmt)
    got = read_back(rendered, tmp_path)

    assert global_starts(got["discs"], expected, rebased=fmt == "cdj") == expected
    assert [len(d["starts"]) for d in got["discs"]] == [99, 21]  # CDRWIN numbers tracks 01-99
    assert rendered.companions[0].name.endswith("(Disc 2).cue" if fmt == "cdj" else "(Part 2).cue")


@pytest.mark.parametrize("fmt", ALL)
def test_quotes_and_non_ascii_titles_are_read_alike_by_every_parser(fmt, tmp_path):
    t = make_tracklist(3, title='Live at "Berghain" \u2013 Über Nacht', djs=["Sven Väth", "Ø"])
    t.tracks[0].title = 'The "Real" Thing'
    t.tracks[1].artist = "Ødd Økland"
    t.tracks[1].title = "Tōkyō 東京 Nights"
    t.tracks[2].title = "Tab\there\x07bell\nnewline"

    rendered = render(t, fmt)
    got = read_back(rendered, tmp_path)
    titles = got["discs"][0]["titles"]

    assert '"' not in "".join(titles)
    assert "\x07" not in rendered.text and "\t" not in rendered.text
    assert titles[2] == "Tab herebell newline"
    assert got["discs"][0]["performers"][1] == "Ødd Økland"
    if fmt == "cdj":
        assert titles[0] == "The 'Real' Thing"
        assert titles[1] == "Tokyo ?? Nights"  # ISO-8859-1: macrons dropped, CJK has no stand-in
        rendered.text.encode("latin-1")
    else:
        assert titles[0] == "The ″Real″ Thing"
        assert titles[1] == "Tōkyō 東京 Nights"
        assert not rendered.data.startswith(b"\xef\xbb\xbf")


def test_missing_cue_times_answer_422_listing_the_tracks_unless_estimating_is_allowed(tmp_path):
    t = make_tracklist(6)
    t.tracks[2].start_time = None
    t.tracks[3].start_time = None

    with pytest.raises(CueTimesMissing) as err:
        render(t, "standard")
    assert err.value.status == 422
    assert err.value.details["tracks"] == [3, 4]

    rendered = render(t, "standard", CueOptions(gap_handling="estimate"))
    got = read_back(rendered, tmp_path)
    assert got["discs"][0]["starts"] == [frames(s) for s in (0, 300, 600, 900, 1200, 1500)]
    assert {
        "code": "START_ESTIMATED",
        "tracks": [3, 4],
        "message": "Start times were estimated",
    } in rendered.warnings

    skipped = render(t, "standard", CueOptions(gap_handling="skip"))
    assert skipped.track_count == 4


def test_tracks_played_together_share_one_boundary(tmp_path):
    t = make_tracklist(4)
    t.tracks[2] = Track(position=3, artist="Guest", title="Acapella", played_with_previous=True)

    rendered = render(t, "standard")
    got = read_back(rendered, tmp_path)

    assert got["discs"][0]["starts"] == [frames(s) for s in (0, 300, 900)]
    assert got["discs"][0]["titles"][1] == "Track 2 w/ Guest - Acapella"


def test_unidentified_tracks_keep_id():
    t = make_tracklist(2)
    t.tracks[1] = Track(position=2, artist="ID", title="ID", is_unidentified=True, start_time=300)

    text = render(t, "kodi").text

    assert '    TITLE "ID"\n    PERFORMER "ID"' in text


def test_starts_that_do_not_rise_are_refused_with_the_tracks_named():
    t = make_tracklist(3)
    t.tracks[2].start_time = 100

    with pytest.raises(CueTimesOutOfOrder) as err:
        render(t, "standard")
    assert err.value.details["tracks"] == [3]


def test_cdj_discs_respect_79_57_and_4_second_tracks(tmp_path):
    t = make_tracklist(30, spacing=200.0)  # 100 minutes: two discs
    t.tracks[5].start_time = t.tracks[4].start_time + 2  # track 5 lasts 2 seconds

    rendered = render(t, "cdj")
    got = read_back(rendered, tmp_path)

    assert rendered.disc_count == 2
    assert sum(len(d["starts"]) for d in got["discs"]) == 29
    assert any(w["code"] == "TRACK_TOO_SHORT_MERGED" and w["tracks"] == [5] for w in rendered.warnings)
    disc1_end = got["discs"][1]["starts"][0]  # disc 2 restarts at 0; disc 1 ends where it begins
    assert disc1_end == 0
    assert rendered.companions[0].name.endswith("(Disc 2).cue")
    lengths = []
    starts = [frames(tr.start_time) for i, tr in enumerate(t.tracks) if i != 4]
    first_of_disc2 = starts[len(got["discs"][0]["starts"])]
    lengths.append(first_of_disc2)
    lengths.append(frames(t.duration_seconds) - first_of_disc2)
    assert all(length <= CD_MAX_LENGTH.frames for length in lengths)
    assert "REM DISCNUMBER 2" in rendered.companions[0].content


def test_cdj_cuts_text_at_80_characters():
    t = make_tracklist(2)
    t.tracks[0].title = "x" * 120

    rendered = render(t, "cdj")

    assert f'TITLE "{"x" * 80}"' in rendered.text
    assert any(w["code"] == "TEXT_ADAPTED" and w["tracks"] == [1] for w in rendered.warnings)


def test_kodi_sheet_holds_only_what_kodi_reads():
    t = make_tracklist(3)

    text = render(t, "kodi", CueOptions(audio_filename="sets/2024/mix.flac", audio_format="flac")).text

    rems = [line for line in text.splitlines() if line.startswith("REM")]
    assert rems == ['REM GENRE "Techno"', "REM DATE 2024"]
    assert 'FILE "sets 2024 mix.flac" WAVE' in text  # a bare basename, FLAC declared as WAVE
    assert text.count("FILE ") == 1 and text.index("FILE ") < text.index("TRACK 01")


def test_rekordbox_sheet_and_xml_read_back(tmp_path):
    from pyrekordbox import RekordboxXml

    t = make_tracklist(10, spacing=321.5)
    rendered = render(t, "rekordbox")
    read_back(rendered, tmp_path)
    assert 'REM RECORDED_BY "Tracktion"' in rendered.text
    assert rendered.text.count("FILE ") == 1
    xml_file = next(c for c in rendered.companions if c.role == "rekordbox_xml")
    path = tmp_path / "rekordbox.xml"
    path.write_text(xml_file.content, encoding="utf-8")

    xml = RekordboxXml(path)
    (track,) = xml.get_tracks()
    marks = track.marks

    memory = [m for m in marks if m.Num == -1]
    hot = [m for m in marks if m.Num >= 0]
    assert [round(m.Start * 75) for m in memory] == [frames(tr.start_time) for tr in t.tracks]
    assert [m.Num for m in hot] == list(range(8))
    assert track.Name == t.title and track.Artist == "DJ One & DJ Two"
    assert xml.get_playlist(t.title).get_tracks() == [1]
    ET.fromstring(xml_file.content)  # noqa: S314 - our own output, checked well-formed


def test_first_track_after_zero_gets_a_pregap_index(tmp_path):
    t = make_tracklist(3)
    for tr in t.tracks:
        tr.start_time = (tr.start_time or 0) + 12.4

    rendered = render(t, "standard")
    got = read_back(rendered, tmp_path)

    assert "INDEX 00 00:00:00" in rendered.text
    assert got["discs"][0]["starts"] == [frames(12.4), frames(312.4), frames(612.4)]
