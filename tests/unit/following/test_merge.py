"""The three-way merge of a new capture into the user's tracklist, on the site's own markup.

The first capture is tests/fixtures/1001tracklists' Kölsch & Ann Clue page; the next capture is
the same page after the site's users identified its `ID - ID` row (with a cue time) and its
`Cave Studio - ID` row. User edits are made with the editing code the API uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracktion.following.merge import completeness, is_unidentified, merge, snapshot
from tracktion.sources.tracklists1001 import parse_tracklist
from tracktion.tracklists import editing
from tracktion.tracklists.model import Track, Tracklist

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "1001tracklists"
FIRST = PAGES / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"
NEXT = PAGES / "tracklist_two-djs_cues_w-row_mashup_id-rows_next-capture.html"


def _page(path: Path) -> Tracklist:
    return parse_tracklist(path.read_text(encoding="utf-8")).model_copy(update={"owner_id": "user-1"})


@pytest.fixture
def first() -> Tracklist:
    return _page(FIRST)


@pytest.fixture
def following() -> Tracklist:
    return _page(NEXT)


def _titles(t: Tracklist) -> list[str]:
    return [f"{x.artist} - {x.title}" for x in t.tracks]


def test_the_id_rows_of_the_page_count_as_unidentified(first: Tracklist) -> None:
    marks = {t.position: is_unidentified(t) for t in first.tracks}
    # 5: "ID - ID", 6: "Your Love (ID Remix)", 7: "Cave Studio - ID"
    assert [p for p, unknown in marks.items() if unknown] == [5, 6, 7]
    shown = completeness(first.tracks)
    assert (shown.identified, shown.total, shown.unidentified_positions) == (4, 7, [5, 6, 7])
    assert shown.ratio == round(4 / 7, 4)


def test_identified_rows_and_added_times_are_merged_and_reported(
    first: Tracklist, following: Tracklist
) -> None:
    result = merge(first, following, snapshot(first.tracks))

    assert _titles(result.tracklist)[4] == "Ann Clue - Lumen"
    assert result.tracklist.tracks[4].start_time == 2050
    assert _titles(result.tracklist)[6] == "Cave Studio - Tidal"
    assert [c.position for c in result.changes.identified] == [5, 7]
    assert result.changes.identified[0].before["title"] == "ID"
    assert result.changes.identified[0].after == {
        "artist": "Ann Clue",
        "title": "Lumen",
        "remix": None,
        "start_time": 2050.0,
    }
    assert [(c.position, c.after["start_time"]) for c in result.changes.times_added] == [(5, 2050.0)]
    assert not result.changes.kept_user_edits and not result.changes.rows_added
    assert completeness(result.tracklist.tracks).unidentified_positions == [6]
    # Rows the source did not change are the same objects' values; nothing became "manual".
    assert result.tracklist.tracks[:4] == first.tracks[:4]
    assert not any(t.is_manual_entry for t in result.tracklist.tracks)


def test_a_row_the_user_edited_keeps_the_user_s_values_and_is_named(
    first: Tracklist, following: Tracklist
) -> None:
    base = snapshot(first.tracks)
    edited = editing.update_track(first, 7, editing.TrackPatch(title="Night Drive"))

    result = merge(edited, following, base)

    row = result.tracklist.tracks[6]
    assert (row.artist, row.title, row.is_manual_entry) == ("Cave Studio", "Night Drive", True)
    assert [c.position for c in result.changes.kept_user_edits] == [7]
    assert result.changes.kept_user_edits[0].after["title"] == "Tidal"
    assert [c.position for c in result.changes.identified] == [5]


def test_an_edit_the_source_did_not_touch_is_not_reported(first: Tracklist, following: Tracklist) -> None:
    base = snapshot(first.tracks)
    edited = editing.update_track(first, 2, editing.TrackPatch(label="RCA Records"))

    result = merge(edited, following, base)

    assert result.tracklist.tracks[1].label == "RCA Records"
    assert not result.changes.kept_user_edits


def test_the_same_capture_twice_changes_nothing_the_second_time(
    first: Tracklist, following: Tracklist
) -> None:
    once = merge(first, following, snapshot(first.tracks))
    twice = merge(once.tracklist, following, once.base)

    assert twice.tracklist.tracks == once.tracklist.tracks
    assert not twice.changes.worth_telling


def test_rows_the_user_added_deleted_or_moved_stay_so(first: Tracklist, following: Tracklist) -> None:
    base = snapshot(first.tracks)
    mine = editing.add_track(first, editing.TrackInput(artist="Me", title="Intro", position=1))
    mine = editing.delete_track(mine, 3)  # "Don't Stop"
    mine = editing.reorder(mine, editing.Reorder(from_position=7, to_position=2))  # Cave Studio second

    result = merge(mine, following, base)

    assert _titles(result.tracklist) == [
        "Me - Intro",
        "Cave Studio - Tidal",
        "Kölsch - Grey",
        "Acappella Singer - Voices",
        "Artist A vs. Artist B - Song A vs. Song B",
        "Ann Clue - Lumen",
        "Frankie Knuckles - Your Love",
    ]
    assert [t.position for t in result.tracklist.tracks] == list(range(1, 8))
    assert sorted(c.position for c in result.changes.identified) == [2, 6]


def _with_rows(t: Tracklist, tracks: list[Track]) -> Tracklist:
    return t.model_copy(
        update={"tracks": [x.model_copy(update={"position": i}) for i, x in enumerate(tracks, 1)]}
    )


def test_a_row_new_at_the_source_lands_after_the_row_it_follows_and_a_dropped_one_goes(
    first: Tracklist, following: Tracklist
) -> None:
    new_row = Track(position=1, artist="Newcomer", title="Found", start_time=3000, source_row_id="700099")
    capture = _with_rows(following, [*following.tracks[:5], new_row, *following.tracks[5:]])
    capture = _with_rows(capture, [t for t in capture.tracks if t.source_row_id != "700002"])

    result = merge(first, capture, snapshot(first.tracks))

    titles = _titles(result.tracklist)
    assert titles.index("Newcomer - Found") == titles.index("Ann Clue - Lumen") + 1
    assert "Ann Clue & Someone ft. Guesté - Don't Stop" not in titles
    assert [c.after["title"] for c in result.changes.rows_added] == ["Found"]
    assert [c.source_row_id for c in result.changes.rows_removed] == ["700002"]


def test_a_dropped_row_the_user_edited_is_kept(first: Tracklist, following: Tracklist) -> None:
    base = snapshot(first.tracks)
    edited = editing.update_track(first, 2, editing.TrackPatch(title="Don't Stop (Live)"))
    capture = _with_rows(following, [t for t in following.tracks if t.source_row_id != "700002"])

    result = merge(edited, capture, base)

    assert "Don't Stop (Live)" in [t.title for t in result.tracklist.tracks]
    assert not result.changes.rows_removed


def test_a_tracklist_stored_without_row_ids_is_aligned_once_and_keeps_the_ids(
    first: Tracklist, following: Tracklist
) -> None:
    legacy = first.model_copy(
        update={"tracks": [t.model_copy(update={"source_row_id": None}) for t in first.tracks]}
    )

    result = merge(legacy, following, [])

    assert [t.source_row_id for t in result.tracklist.tracks] == [t.source_row_id for t in following.tracks]
    assert [c.position for c in result.changes.identified] == [5, 7]
    assert not result.changes.rows_added


def test_catalog_details_of_an_identity_that_changed_are_dropped(
    first: Tracklist, following: Tracklist
) -> None:
    matched = first.model_copy(
        update={
            "tracks": [
                t.model_copy(update={"catalog_track_id": "bp:1", "bpm": 124.0}) if t.position == 5 else t
                for t in first.tracks
            ]
        }
    )

    result = merge(matched, following, snapshot(first.tracks))

    assert (result.tracklist.tracks[4].catalog_track_id, result.tracklist.tracks[4].bpm) == (None, None)
