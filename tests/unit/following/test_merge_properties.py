"""Properties of the follow merge under any mix of user edits and source changes (hypothesis).

Whatever the user did to the tracklist (edits, additions, deletions, moves) and whatever the
site did to the page (identifications, cue times, rows added or dropped), the merge keeps every
row the user edited exactly as the user left it, gives every other row still on the page the
page's values, numbers the rows 1..n without a duplicate, and a second merge of the same
capture changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion.following.merge import SOURCE_FIELDS, merge, snapshot
from tracktion.sources.tracklists1001 import parse_tracklist
from tracktion.tracklists import editing
from tracktion.tracklists.model import Track, Tracklist

PAGE = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "1001tracklists"
    / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"
)
FIRST = parse_tracklist(PAGE.read_text(encoding="utf-8")).model_copy(update={"owner_id": "user-1"})
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12).map(str.strip).filter(bool)

user_op = st.one_of(
    st.tuples(st.just("edit"), st.integers(1, 12), WORDS),
    st.tuples(st.just("add"), st.integers(1, 12), WORDS),
    st.tuples(st.just("delete"), st.integers(1, 12), st.just("")),
    st.tuples(st.just("move"), st.integers(1, 12), st.integers(1, 12)),
)
site_op = st.one_of(
    st.tuples(st.just("identify"), st.integers(0, 10), WORDS),
    st.tuples(st.just("cue"), st.integers(0, 10), st.integers(1, 5000)),
    st.tuples(st.just("drop"), st.integers(0, 10), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10), WORDS),
)


def _apply_user(t: Tracklist, ops: list[tuple]) -> Tracklist:
    for kind, position, value in ops:
        n = len(t.tracks)
        if kind == "add" and position <= n + 1:
            t = editing.add_track(t, editing.TrackInput(artist="Me", title=str(value), position=position))
        elif position > n:
            continue
        elif kind == "edit":
            t = editing.update_track(t, position, editing.TrackPatch(title=str(value)))
        elif kind == "delete":
            t = editing.delete_track(t, position)
        elif kind == "move" and int(value) <= n:
            t = editing.reorder(t, editing.Reorder(from_position=position, to_position=int(value)))
    return t


def _apply_site(t: Tracklist, ops: list[tuple]) -> Tracklist:
    rows = list(t.tracks)
    fresh = 800000
    for kind, index, value in ops:
        if not rows and kind != "insert":
            continue
        i = index % max(1, len(rows))
        if kind == "identify":
            rows[i] = rows[i].model_copy(update={"title": str(value), "is_unidentified": False})
        elif kind == "cue":
            rows[i] = rows[i].model_copy(update={"start_time": float(value)})
        elif kind == "drop":
            del rows[i]
        else:
            fresh += 1
            rows.insert(i, Track(position=1, artist="New", title=str(value), source_row_id=str(fresh)))
    return t.model_copy(
        update={"tracks": [r.model_copy(update={"position": p}) for p, r in enumerate(rows, 1)]}
    )


def _values(track: Track) -> dict:
    return {f: getattr(track, f) for f in SOURCE_FIELDS}


@settings(max_examples=150, deadline=None)
@given(st.lists(user_op, max_size=6), st.lists(site_op, max_size=6))
def test_user_edits_survive_and_the_page_wins_elsewhere(user_ops: list[tuple], site_ops: list[tuple]) -> None:
    base = snapshot(FIRST.tracks)
    mine = _apply_user(FIRST, user_ops)
    capture = _apply_site(FIRST, site_ops)

    result = merge(mine, capture, base)
    merged = result.tracklist.tracks

    assert [t.position for t in merged] == list(range(1, len(merged) + 1))
    ids = [t.source_row_id for t in merged if t.source_row_id]
    assert len(ids) == len(set(ids))
    kept = [t.model_copy(update={"position": 0}) for t in merged if t.is_manual_entry]
    assert kept == [t.model_copy(update={"position": 0}) for t in mine.tracks if t.is_manual_entry]
    page = {c.source_row_id: c for c in capture.tracks}
    for t in merged:
        if not t.is_manual_entry and t.source_row_id in page:
            assert _values(t) == _values(page[t.source_row_id])
    again = merge(result.tracklist, capture, result.base)
    assert not again.changes.worth_telling
    assert again.tracklist.tracks == result.tracklist.tracks
