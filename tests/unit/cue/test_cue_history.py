"""CUE sheets imported as histories (issue 13, item 1): every dialect we write reads back to the
tracklist it was made from, recorders' sheets (rekordbox, Mixxx) and CDRWIN sheets as libcue
reads them give rising offsets, and a sheet that cannot be read is INVALID_FORMAT with its line."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.conftest import shared_fixture
from tracktion.cue.dialects import DIALECTS
from tracktion.cue.render import render
from tracktion.histories.cue_sheets import parse_cue_history
from tracktion.histories.model import HistoryOptions, InvalidFormat, assemble
from tracktion.tracklists.model import Track, Tracklist

OWN = Path(__file__).resolve().parents[2] / "fixtures" / "cue" / "histories"
REKORDBOX = ("dj-histories", "rekordbox", "rbcue2txt_rekordbox6_mac_recording.cue")


def tracks_of(data: bytes, **options: object) -> list[Track]:
    return assemble(parse_cue_history(data), HistoryOptions(**options)).tracks  # type: ignore[arg-type]


def view(tracks: list[Track]) -> list[tuple[object, ...]]:
    return [
        (t.artist, t.title, t.remix, t.start_time, t.played_with_previous, t.is_unidentified) for t in tracks
    ]


def mix() -> Tracklist:
    """A set with what a sheet carries: remixes, a track played with the previous, an ID, accents."""
    rows = [
        ("Halden Rowe", "Quiet Harbour", "Extended Mix", 0.0, False),
        ("Mira Castell & Oto Venn", "Second Light", None, 312.0, False),
        ("Pell Arundel", "Undertow", "Harbour Dub", None, True),
        ("ID", "ID", None, 700.0, False),
        ("Sól Ferrant", "Méridien", None, 1111.4, False),
        ("Ansel Quill", "Last Tram", "Vey Morrow Remix", 2705.0, False),
    ]
    tracks = [
        Track(
            position=i,
            artist=a,
            title=t,
            remix=r,
            label="Lantern Audio",
            start_time=s,
            played_with_previous=w,
            is_unidentified=a == "ID",
        )
        for i, (a, t, r, s, w) in enumerate(rows, start=1)
    ]
    return Tracklist(owner_id="u", title="Harbour 012", djs=["Harbour"], date="2026-03-14", tracks=tracks)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_dialect_we_write_imports_back_to_the_same_tracklist(dialect: str) -> None:
    original = mix()
    sheet = render(original, dialect)
    history = parse_cue_history(sheet.data)
    back = assemble(history, HistoryOptions()).tracks

    expected = []
    lead_start = 0.0
    for t in original.tracks:
        lead_start = t.start_time if t.start_time is not None else lead_start
        expected.append(
            (t.artist, t.title, t.remix, round(lead_start, 3), t.played_with_previous, t.is_unidentified)
        )
    # Starts are read back to the frame (1/75 s) they were written at.
    got = [(*row[:3], round(row[3], 1), *row[4:]) for row in view(back)]  # type: ignore[arg-type]
    assert got == [(*row[:3], round(row[3], 1), *row[4:]) for row in expected]  # type: ignore[arg-type]
    assert (history.title, history.performer) == ("Harbour 012", "Harbour")


def test_the_rekordbox_recording_gives_rising_offsets_and_keeps_the_track_brought_back() -> None:
    data = shared_fixture(*REKORDBOX).read_bytes()
    history = parse_cue_history(data)
    tracks = assemble(history, HistoryOptions()).tracks

    assert len(tracks) == 17
    starts = [t.start_time for t in tracks]
    assert starts[0] == 2.0 and starts[-1] == 57 * 60 + 2.0  # 00:00:02 .. 00:57:02 as hh:mm:ss
    assert all(b is not None and a is not None and b > a for a, b in itertools.pairwise(starts))
    nine, eleven = tracks[8], tracks[10]
    assert (
        (nine.artist, nine.title)
        == (eleven.artist, eleven.title)
        == (
            "Django Django",
            "Don't Touch That Dial (feat. Yuuko Sings)",
        )
    )
    assert (nine.start_time, eleven.start_time) == (30 * 60 + 2.0, 33 * 60 + 24.0)
    assert (tracks[0].artist, tracks[0].title, tracks[0].remix) == (
        "Giuseppe Surace",
        "Shot You Down",
        "Original Mix",
    )
    assert (history.title, history.performer) == ("REC-2023-06-01", "Pavonz")
    assert any("brings back track 9" in note for note in history.notes)


def test_our_rekordbox_shaped_recording_reads_hh_mm_ss_and_source_files() -> None:
    history = parse_cue_history((OWN / "rekordbox_recording.cue").read_bytes())
    tracks = assemble(history, HistoryOptions()).tracks

    assert [(t.artist, t.title, t.start_time) for t in tracks] == [
        ("Halden Rowe", "Quiet Harbour", 3.0),
        ("Mira Castell", "Second Light", 250.0),
        ("Oto Venn", "Tidewater", 585.0),
        ("Mira Castell", "Second Light", 750.0),
        ("Pell Arundel", "Undertow", 3725.0),
    ]
    assert history.plays[0].file_path == "/Users/dj/Music/Halden Rowe - Quiet Harbour.mp3"


def test_a_rekordbox_sheet_with_the_artist_in_title_and_no_rem_line_is_still_read() -> None:
    tracks = tracks_of((OWN / "rekordbox_folded_artist.cue").read_bytes())

    assert [(t.artist, t.title, t.start_time) for t in tracks] == [
        ("Halden Rowe", "Quiet Harbour", 0.0),
        ("Mira Castell", "Second Light", 312.0),
        ("Oto Venn", "Tidewater", 700.0),
    ]


def test_a_mixxx_recording_sheet_with_raw_quotes_and_minutes_past_99() -> None:
    history = parse_cue_history((OWN / "mixxx_recording.cue").read_bytes())
    tracks = assemble(history, HistoryOptions()).tracks

    assert history.performer == 'DJ "Harbour" Rowe'
    assert [(t.artist, t.title, t.remix, t.start_time) for t in tracks] == [
        ("Halden Rowe", "Quiet Harbour", None, 0.0),
        ("Mira Castell", "Second Light", '12" Mix', 312.533),
        ("ID", "Tidewater", None, round(104 * 60 + 5 + 15 / 75, 3)),
    ]


def test_a_mixxx_sheet_with_file_annotations_keeps_one_recording() -> None:
    """Mixxx's "annotate the cue file with the track's location" writes a FILE line without a
    type inside each TRACK: the track's source, not a second audio file."""
    sheet = (
        b'TITLE "Saturday"\nFILE "rec.wav" WAVE\n'
        b'  TRACK 01 AUDIO\n    TITLE "Quiet Harbour"\n    PERFORMER "Halden Rowe"\n'
        b'    FILE "/music/Halden Rowe/Quiet Harbour.flac"\n    INDEX 01 00:00:00\n'
        b'  TRACK 02 AUDIO\n    TITLE "Undertow"\n    PERFORMER "Pell Arundel"\n'
        b'    FILE "/music/Pell Arundel/Undertow.mp3"\n    INDEX 01 04:10:00\n'
    )
    history = parse_cue_history(sheet)

    assert [(p.title, p.offset_seconds, p.file_path) for p in history.plays] == [
        ("Quiet Harbour", 0.0, "/music/Halden Rowe/Quiet Harbour.flac"),
        ("Undertow", 250.0, "/music/Pell Arundel/Undertow.mp3"),
    ]


def test_a_cdrwin_sheet_as_libcue_reads_it() -> None:
    tracks = tracks_of((OWN / "cdrwin_general.cue").read_bytes())

    assert [(t.artist, t.title, t.start_time) for t in tracks] == [
        ("Halden Rowe", "Quiet Harbour", 0.0),
        ("Mira Castell", "Second Light", 312.533),  # INDEX 01, not the INDEX 00 pregap
        ("Oto Venn", "Tidewater", round(11 * 60 + 40 + 74 / 75, 3)),
    ]


def test_libcue_shapes_index_00_before_the_first_track_and_no_final_newline() -> None:
    tracks = tracks_of((OWN / "index00_before_first_track.cue").read_bytes())

    assert [(t.title, t.start_time) for t in tracks] == [
        ("Quiet Harbour", round(3 * 60 + 22 + 70 / 75, 3)),  # INDEX 01, not the INDEX 00 at 0
        ("Undertow", round(7 * 60 + 44 + 69 / 75, 3)),
    ]


def test_an_eac_noncompliant_sheet_has_per_file_times_so_keeps_its_order_only() -> None:
    history = parse_cue_history((OWN / "eac_noncompliant_two_files.cue").read_bytes())
    tracks = assemble(history, HistoryOptions()).tracks

    assert [(t.artist, t.title, t.start_time) for t in tracks] == [
        ("Halden Rowe", "Quiet Harbour", None),
        ("Mira Castell", "Second Light", None),
    ]


def test_an_album_with_one_file_per_track_keeps_its_order_without_times() -> None:
    history = parse_cue_history((OWN / "album_one_file_per_track.cue").read_bytes())
    tracks = assemble(history, HistoryOptions()).tracks

    assert [(t.title, t.start_time) for t in tracks] == [("Quiet Harbour", None), ("Undertow", None)]
    assert any("its own FILE" in note for note in history.notes)


@pytest.mark.parametrize(
    ("sheet", "line"),
    [
        (b'FILE "a.wav" WAVE\n  TRACK 01 AUDIO\n    INDEX 01 00:99:00\n', 3),
        (b'FILE "a.wav" WAVE\n  TRACK xx AUDIO\n    INDEX 01 00:00:00\n', 2),
        (b'FILE "a.wav" WAVE\nINDEX 01 00:00:00\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n', 2),
        (b'FILE "a.wav" WAVE\n  TRACK 01 AUDIO\n    TITLE "x"\n', 2),
        (b"just text\nno sheet here\n", 1),
    ],
)
def test_an_unreadable_sheet_is_invalid_format_naming_its_line(sheet: bytes, line: int) -> None:
    with pytest.raises(InvalidFormat) as caught:
        parse_cue_history(sheet)

    assert (caught.value.error_code, caught.value.details["line"]) == ("INVALID_FORMAT", line)
    assert 400 <= caught.value.status < 500
