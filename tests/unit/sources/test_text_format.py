"""Plain-text tracklists as pasted from video descriptions."""

from __future__ import annotations

import pytest

from tracktion.tracklists.text_format import TextTracklistEmpty, parse_text_tracklist

EN_DASH = "\N{EN DASH}"
TEXT = f"""Tracklist:
00:00 Igor Zanga - Nobody (Matroda Edit) [Not On Label]
02:30 TOBEHONEST - Where Ya At [BLACK BOOK]
1:01:10 Mary Klup - Placer
w/ Round Table Knights & Bauchamp - Calypso
01. [12:30] Peggy Gou {EN_DASH} (It Goes Like) Nanana (Matroda Remix)
3) Matroda ft. MERYLL - No Sleep (6AM) 21:40
0:00 Someone - Late Zero
ID - ID

Second Set:
"""

# position, artist, title, remix, label, start_time, played_with_previous, is_unidentified
EXPECTED = [
    (1, "Igor Zanga", "Nobody", "Matroda Edit", "Not On Label", 0.0, False, False),
    (2, "TOBEHONEST", "Where Ya At", None, "BLACK BOOK", 150.0, False, False),
    (3, "Mary Klup", "Placer", None, None, 3670.0, False, False),
    (4, "Round Table Knights & Bauchamp", "Calypso", None, None, None, True, False),
    (5, "Peggy Gou", "(It Goes Like) Nanana", "Matroda Remix", None, 750.0, False, False),
    (6, "Matroda ft. MERYLL", "No Sleep (6AM)", None, None, 1300.0, False, False),
    (7, "Someone", "Late Zero", None, None, None, False, False),
    (8, "ID", "ID", None, None, None, False, True),
]


def test_pasted_lines_become_tracks_and_headers_are_ignored():
    tracks = parse_text_tracklist(TEXT)

    assert [
        (
            t.position,
            t.artist,
            t.title,
            t.remix,
            t.label,
            t.start_time,
            t.played_with_previous,
            t.is_unidentified,
        )
        for t in tracks
    ] == EXPECTED


def test_text_without_any_track_line_is_422():
    with pytest.raises(TextTracklistEmpty) as caught:
        parse_text_tracklist("just some words\n\nand more")

    assert caught.value.status == 422
