"""Real row HTML of four more sets (../shared fixtures/fragments), parsed as the rows of a page."""

from __future__ import annotations

import collections
import gzip
import json

import pytest

from tests.conftest import shared_fixture
from tracktion.sources.tracklists1001 import parse_tracklist

# set id: tracks, w/ rows, mashup parents, mashup components, "ID - ID" rows, tracks with a cue, last cue
EXPECTED = {
    "1001qyft": (37, 8, 7, 14, 5, 36, 4374.0),  # last cue 1:12:54
    "1000d3bt": (22, 0, 3, 5, 0, 22, 3380.0),  # last cue 56:20
    "19bl9yw1": (48, 0, 0, 0, 0, 1, None),  # "X played:" sections and 13 cue suggestions, no cues
    "100bfmfk": (29, 0, 0, 0, 0, 1, None),
}


def _sets():
    path = shared_fixture("1001tracklists", "fragments", "rows_4-sets_dj_set_rows_sample.json.gz")
    rows = json.loads(gzip.decompress(path.read_bytes()))
    sets = collections.defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["set_id"], r["row_index"])):
        sets[row["set_id"]].append(row["raw_html"])
    return sets


@pytest.mark.realdata
@pytest.mark.parametrize("set_id", sorted(EXPECTED))
def test_rows_of_real_sets_give_the_expected_tracks(set_id):
    html = f'<div id="tlTab" data-id="{set_id}">' + "".join(_sets()[set_id]) + "</div>"

    tracks = parse_tracklist(html).tracks

    counts = (
        len(tracks),
        sum(t.played_with_previous for t in tracks),
        sum(bool(t.mashup) for t in tracks),
        sum(len(t.mashup) for t in tracks),
        sum(t.artist == "ID" and t.title == "ID" for t in tracks),
        sum(t.start_time is not None for t in tracks),
        tracks[-1].start_time,
    )
    assert counts == EXPECTED[set_id]
    assert [t.position for t in tracks] == list(range(1, len(tracks) + 1))
    assert not any("cue time" in t.title.lower() or "played:" in t.artist for t in tracks)


@pytest.mark.realdata
def test_single_row_fragments_track_then_w_row():
    def row(name):
        return shared_fixture("1001tracklists", "fragments", name).read_text(encoding="utf-8")

    html = (
        f'<div id="tlTab" data-id="frag0001">{row("row_track.html")}{row("row_track_concurrent.html")}</div>'
    )

    first, second = parse_tracklist(html).tracks
    assert (first.artist, first.title, first.played_with_previous) == (
        "Nirvana",
        "Smells Like Teen Spirit",
        False,
    )
    assert (second.artist, second.title, second.label) == (
        "Dillon Francis & Julian Jordan",
        "The Sound",
        "STMPD",
    )
    assert second.played_with_previous is True


@pytest.mark.realdata
def test_suggestion_and_header_fragments_are_not_tracks():
    def row(name):
        return shared_fixture("1001tracklists", "fragments", name).read_text(encoding="utf-8")

    html = f'<div id="tlTab" data-id="frag0002">{row("row_track.html")}{row("row_suggestion.html")}{row("row_text.html")}</div>'

    assert [t.title for t in parse_tracklist(html).tracks] == ["Smells Like Teen Spirit"]
