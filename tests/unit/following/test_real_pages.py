"""Following on the real 1001tracklists pages of ../shared/fixtures (skipped when absent).

The site states each tracklist's completeness itself ("IDed 42 / 52" in its General
Information box): our count of identified rows must agree with it on every page that shows one.
Then a merge on the 52-row Sven Väth page (section headers, ten `ID - ID` rows, no cues): a
later capture in which the site's users identified every ID row and timed them, into a
tracklist where the user had identified one ID row themselves.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import shared_fixture
from tracktion.following.merge import completeness, merge, snapshot
from tracktion.sources.tracklists1001 import parse_tracklist
from tracktion.tracklists import editing
from tracktion.tracklists.model import Tracklist

PAGES_WITH_A_COUNT = [
    "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html",
    "tracklist_sven-vath_bbc-radio1-time-warp_2024-10-12_12trk_no-cues.html",
    "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html",
]
IDED = re.compile(r"IDed</div>\s*<div[^>]*>\s*(\d+)\s*/\s*(\d+)\s*<")


def _page(name: str) -> tuple[str, Tracklist]:
    html = shared_fixture("1001tracklists", name).read_text(encoding="utf-8")
    return html, parse_tracklist(html).model_copy(update={"owner_id": "user-1"})


@pytest.mark.parametrize("name", PAGES_WITH_A_COUNT, ids=lambda n: n.split("_")[1])
def test_completeness_agrees_with_the_site_s_own_ided_count(name: str) -> None:
    html, tracklist = _page(name)
    stated = IDED.search(html)
    assert stated is not None

    shown = completeness(tracklist.tracks)

    assert (shown.identified, shown.total) == (int(stated[1]), int(stated[2]))


def test_a_later_capture_of_the_52_row_set_fills_the_ids_around_the_user_s_own() -> None:
    _html, first = _page(PAGES_WITH_A_COUNT[2])
    unknown = completeness(first.tracks).unidentified_positions
    assert len(unknown) == 10
    base = snapshot(first.tracks)
    mine = editing.update_track(first, unknown[0], editing.TrackPatch(artist="Sven Väth", title="My Guess"))
    later = first.model_copy(
        update={
            "tracks": [
                t.model_copy(
                    update={"artist": "Found", "title": f"Track {t.position}", "is_unidentified": False}
                )
                if t.position in unknown
                else t
                for t in first.tracks
            ]
        }
    )
    later = later.model_copy(
        update={
            "tracks": [t.model_copy(update={"start_time": 150.0 * (t.position - 1)}) for t in later.tracks]
        }
    )

    result = merge(mine, later, base)

    rows = {t.position: t for t in result.tracklist.tracks}
    assert (rows[unknown[0]].artist, rows[unknown[0]].title) == ("Sven Väth", "My Guess")
    assert [c.position for c in result.changes.identified] == unknown[1:]
    assert [c.position for c in result.changes.kept_user_edits] == [unknown[0]]
    assert len(result.changes.times_added) == 50  # every row but the user's and the first (at 0:00 already)
    assert completeness(result.tracklist.tracks).identified == 52
    assert [t.position for t in result.tracklist.tracks] == list(range(1, 53))
