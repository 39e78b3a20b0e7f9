"""Track edits on a tracklist: positions stay dense, times travel with tracks, bad edits change nothing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tracktion.errors import NotFound, ValidationFailed
from tracktion.tracklists.editing import (
    BulkUpdate,
    Reorder,
    TrackInput,
    TrackPatch,
    add_track,
    bulk_update,
    delete_track,
    expected_version,
    reorder,
    set_timing,
    update_track,
)
from tracktion.tracklists.model import Track, Tracklist


def tracklist(n: int = 4) -> Tracklist:
    tracks = [
        Track(position=i, artist=f"Artist {i}", title=f"Title {i}", start_time=(i - 1) * 300.0, source="x")
        for i in range(1, n + 1)
    ]
    return Tracklist(owner_id="u1", title="Set", tracks=tracks, source="1001tracklists")


def positions(t: Tracklist) -> list[int]:
    return [x.position for x in t.tracks]


def titles(t: Tracklist) -> list[str]:
    return [x.title for x in t.tracks]


def test_adding_in_the_middle_shifts_the_rest_and_keeps_positions_dense():
    t = add_track(tracklist(), TrackInput(artist="New", title="Inserted", start_time="7:30", position=2))

    assert positions(t) == [1, 2, 3, 4, 5]
    assert titles(t) == ["Title 1", "Inserted", "Title 2", "Title 3", "Title 4"]
    assert t.tracks[1].start_time == 450.0
    assert t.tracks[1].is_manual_entry


def test_adding_past_the_end_is_refused():
    with pytest.raises(ValidationFailed):
        add_track(tracklist(2), TrackInput(artist="A", title="B", position=9))


def test_id_tracks_are_marked_unidentified():
    t = add_track(tracklist(1), TrackInput(artist="ID", title="ID"))

    assert t.tracks[-1].is_unidentified


def test_updating_a_track_of_an_imported_list_marks_only_that_track_manual():
    t = update_track(tracklist(), 3, TrackPatch(title="Corrected", remix="Extended Mix"))

    assert [x.is_manual_entry for x in t.tracks] == [False, False, True, False]
    assert t.tracks[2].display_title == "Corrected (Extended Mix)"
    assert t.tracks[2].artist == "Artist 3"


def test_end_before_start_is_refused_naming_the_track():
    with pytest.raises(ValidationFailed) as err:
        set_timing(tracklist(), 2, "5:00", "4:59.5")

    assert "Track 2" in err.value.message and "before" in err.value.message


def test_unknown_position_is_a_404():
    with pytest.raises(NotFound) as err:
        delete_track(tracklist(), 9)

    assert err.value.details["position"] == 9


def test_deleting_renumbers_the_rest():
    t = delete_track(tracklist(), 2)

    assert positions(t) == [1, 2, 3]
    assert titles(t) == ["Title 1", "Title 3", "Title 4"]


def test_reorder_moves_tracks_with_their_times():
    t = reorder(tracklist(), Reorder(order=[4, 1, 2, 3]))

    assert positions(t) == [1, 2, 3, 4]
    assert titles(t) == ["Title 4", "Title 1", "Title 2", "Title 3"]
    assert t.tracks[0].start_time == 900.0


def test_single_move_form_of_reorder():
    t = reorder(tracklist(), Reorder(from_position=1, to_position=3))

    assert titles(t) == ["Title 2", "Title 3", "Title 1", "Title 4"]


@pytest.mark.parametrize("order", [[1, 2, 3], [1, 1, 2, 3], [1, 2, 3, 5]])
def test_reorder_that_is_not_a_permutation_is_refused(order):
    with pytest.raises(ValidationFailed):
        reorder(tracklist(), Reorder(order=order))


def test_reorder_needs_one_form():
    with pytest.raises(ValidationError):
        Reorder(order=[1], from_position=1, to_position=2)
    with pytest.raises(ValidationError):
        Reorder(from_position=1)


def test_bulk_update_is_all_or_nothing():
    original = tracklist()
    updates = [
        BulkUpdate(position=1, title="Fine"),
        BulkUpdate(position=2, start_time="10:00", end_time="9:00"),
    ]

    with pytest.raises(ValidationFailed):
        bulk_update(original, updates)

    assert titles(original) == ["Title 1", "Title 2", "Title 3", "Title 4"]


def test_bulk_update_applies_every_change():
    t = bulk_update(tracklist(), [BulkUpdate(position=1, end_time=299.5), BulkUpdate(position=4, bpm=128)])

    assert t.tracks[0].end_time == 299.5
    assert t.tracks[3].bpm == 128


def test_bulk_update_naming_a_track_twice_is_refused():
    with pytest.raises(ValidationFailed):
        bulk_update(tracklist(), [BulkUpdate(position=1, title="a"), BulkUpdate(position=1, title="b")])


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [(3, None, 3), (None, '"4"', 4), (None, 'W/"5"', 5), (None, None, None), (6, "6", 6)],
)
def test_expected_version_comes_from_body_or_if_match(body, header, expected):
    assert expected_version(body, header) == expected


def test_disagreeing_versions_are_refused():
    with pytest.raises(ValidationFailed):
        expected_version(3, "4")
    with pytest.raises(ValidationFailed):
        expected_version(None, "abc")


def test_an_edit_that_changes_nothing_is_refused():
    with pytest.raises(ValidationFailed):
        update_track(tracklist(), 1, TrackPatch())


def test_timing_request_changes_only_the_times_sent():
    from tracktion.tracklists.editing import TimingRequest, set_timing_fields

    t = set_timing(tracklist(), 2, "5:00", "9:00")
    t = set_timing_fields(t, 2, TimingRequest(end_time="9:30"))

    assert (t.tracks[1].start_time, t.tracks[1].end_time) == (300.0, 570.0)
    with pytest.raises(ValidationFailed):
        set_timing_fields(t, 2, TimingRequest())
