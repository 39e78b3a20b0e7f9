"""Fidelity (issue 13, item 3): a "w/" row the page lists with the previous row under one cue
entry (the player script's `cueValuesEntry.ids[0]` / `ids[1]`) takes that entry's time when it
has no cue of its own; a w/ row with its own cue keeps it.

Our page (tests/fixtures/1001tracklists/tracklist_w-rows_one-cue-entry.html) is written in the
site's markup; the real Matroda page in ../shared/fixtures/1001tracklists pairs its w/ row
(tlp25) with row 24's entry (4590 s) and gives the w/ row a cue of its own (1:17:30).
"""

from __future__ import annotations

import re

from tests.conftest import OWN_FIXTURES, shared_fixture
from tracktion.sources.tracklists1001 import parse_tracklist

OWN_PAGE = OWN_FIXTURES / "1001tracklists" / "tracklist_w-rows_one-cue-entry.html"
MATRODA = ("1001tracklists", "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html")


def test_w_rows_without_a_cue_take_their_cue_entrys_time() -> None:
    tracks = parse_tracklist(OWN_PAGE.read_text("utf-8")).tracks

    assert [(t.artist, t.start_time, t.played_with_previous) for t in tracks] == [
        ("Halden Rowe", 0.0, False),
        ("Mira Castell", 180.0, False),
        ("Oto Venn", 180.0, True),  # ids[1] of the 3:00 entry
        ("Pell Arundel", 450.0, False),
        ("Sol Ferrant", 450.0, True),  # ids[1] of the 7:30 entry
        ("Ansel Quill", 495.0, True),  # ids[2], but its own cue 08:15 stands
        ("Vey Morrow", 720.0, False),
        ("Kestrel Bay", None, True),  # in no entry: still unknown, never invented
    ]


def test_the_real_w_row_keeps_its_own_cue_and_takes_the_entrys_without_one() -> None:
    html = shared_fixture(*MATRODA).read_text("utf-8")
    as_served = parse_tracklist(html).tracks
    w_row = next(t for t in as_served if t.played_with_previous)
    assert (w_row.position, w_row.artist, w_row.start_time) == (25, "Round Table Knights & Bauchamp", 4650.0)

    # The same page with the w/ row's own cue removed (as on pages where it has none).
    without = re.sub(r'(id="tlp9381932_cue_seconds" type="hidden" value=")4650', r"\g<1>0", html)
    without = without.replace(
        'onclick="toggleCue(event);">1:17:30</div>', 'onclick="toggleCue(event);"></div>'
    )
    assert without.count("4650") < html.count("4650") and "1:17:30" not in without
    tracks = parse_tracklist(without).tracks

    assert (tracks[24].played_with_previous, tracks[24].start_time) == (True, 4590.0)  # row 24's entry
    assert [t.start_time for t in tracks[:24]] == [t.start_time for t in as_served[:24]]
