"""The real imported sets (1001tracklists pages parsed by the source part) make sheets that
every parser reads to the frame."""

from __future__ import annotations

import pytest

from tests.conftest import shared_fixture
from tests.unit.cue.readers import global_starts, read_back
from tracktion.cue.dialects import DIALECTS
from tracktion.cue.options import CueOptions
from tracktion.cue.render import render
from tracktion.cue.time import CueTime

pytestmark = pytest.mark.realdata

SETS = [
    "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html",
    "tracklist_curbi_tape-06_2021-03-12_31trk_45min_cues_mashups_reserialized.html",
    "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html",
]


def _parse(name: str):
    source = pytest.importorskip("tracktion.sources.tracklists1001")
    html = shared_fixture("1001tracklists", name).read_text(encoding="utf-8")
    return source.parse_tracklist(html).model_copy(update={"owner_id": "user-1"})


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("fmt", sorted(DIALECTS))
def test_imported_set_reads_back_in_every_dialect(name, fmt, tmp_path):
    t = _parse(name)
    options = CueOptions(gap_handling="estimate")

    rendered = render(t, fmt, options)
    got = read_back(rendered, tmp_path)

    leads = [tr for tr in t.tracks if not tr.played_with_previous]
    if all(tr.start_time is not None for tr in leads):
        expected = [CueTime.from_seconds(tr.start_time).frames for tr in leads]
        assert global_starts(got["discs"], expected, rebased=fmt == "cdj") == expected
    assert sum(len(d["starts"]) for d in got["discs"]) == rendered.track_count


def test_set_without_cue_times_is_refused_with_every_track_listed():
    from tracktion.cue.sheet import CueTimesMissing

    t = _parse(SETS[2])
    with pytest.raises(CueTimesMissing) as err:
        render(t, "standard")
    assert len(err.value.details["tracks"]) >= 40


def test_w_row_shares_its_lead_tracks_start():
    t = _parse(SETS[0])
    together = [tr.position for tr in t.tracks if tr.played_with_previous]
    assert together, "the fixture has a w/ row"

    rendered = render(t, "standard", CueOptions(gap_handling="estimate"))

    assert rendered.track_count == len(t.tracks) - len(together)
    assert " w/ " in rendered.text
