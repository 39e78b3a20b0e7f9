"""What plays at a time, for any tracklist and any time: the answer is always one of the statuses
and consistent with the slots it names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.test_exports import tracklists
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.playing import playing_at


@given(tracklists(), st.floats(min_value=0, max_value=48 * 3600, allow_nan=False))
def test_the_answer_matches_the_slots_it_names(t: Tracklist, at: float) -> None:
    p = playing_at(t, at)
    if p.status == "playing":
        assert p.current is not None and p.current.start <= at
        assert (p.next is not None and at < p.next.start) or (
            p.current.end is not None and at < p.current.end
        )
    elif p.status == "before_first":
        assert p.current is None and p.next is not None and at < p.next.start
    elif p.status == "after_end":
        assert p.end is not None and at >= p.end and p.current is None and p.previous is not None
    elif p.status == "open_ended":
        assert p.end is None and p.next is None and p.current is not None and p.current.start <= at
    for slot in (p.previous, p.current, p.next):
        if slot is not None:
            assert slot.estimated == (slot.tracks[0].position in p.estimated)
    if p.previous is not None and p.current is not None:
        assert p.previous.number == p.current.number - 1
