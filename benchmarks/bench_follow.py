"""Following: the three-way merge a scheduled check runs per followed tracklist.

- the 52-row real Sven Väth page (../shared, else our 7-row Kölsch page) merged with a later
  capture that identifies and times its ID rows, into a tracklist with one user edit;
- 500 rows (the tracklist limit) with every tenth row an ID that the capture identifies and
  a user edit on every fiftieth row;
- the same capture merged again (a check that finds nothing new), the usual case.
A check's other costs are I/O: one page fetch (politeness-paced) and a handful of DynamoDB calls
(follow GetItem, claim PutItem, tracklist GetItem, tracklist PutItem when changed, follow PutItem).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.timing import measure, ms

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "fixtures" / "1001tracklists"
OWN = ROOT / "tests" / "fixtures" / "1001tracklists"


def _setup() -> None:
    for p in (ROOT, ROOT / "layers" / "core"):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))


def _later(first: Any) -> Any:
    from tracktion.following.merge import completeness

    unknown = set(completeness(first.tracks).unidentified_positions)
    tracks = [
        t.model_copy(update={"artist": "Found", "title": f"T{t.position}", "is_unidentified": False})
        if t.position in unknown
        else t
        for t in first.tracks
    ]
    tracks = [t.model_copy(update={"start_time": 120.0 * (t.position - 1)}) for t in tracks]
    return first.model_copy(update={"tracks": tracks})


def _cases() -> Iterator[tuple[str, Any, Any, Any]]:
    from tracktion.sources.tracklists1001 import parse_tracklist
    from tracktion.tracklists import editing
    from tracktion.tracklists.model import Track, Tracklist

    real = SHARED / "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html"
    page = real if real.exists() else OWN / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"
    first = parse_tracklist(page.read_text(encoding="utf-8")).model_copy(update={"owner_id": "u"})
    mine = editing.update_track(first, 2, editing.TrackPatch(title="Mine"))
    yield f"{len(first.tracks)}-row real page, IDs identified and timed", first, mine, _later(first)
    rows = [
        Track(
            position=i,
            artist="ID" if i % 10 == 0 else f"Artist {i}",
            title="ID" if i % 10 == 0 else f"Title {i}",
            is_unidentified=i % 10 == 0,
            source_row_id=str(100000 + i),
        )
        for i in range(1, 501)
    ]
    big = Tracklist(owner_id="u", title="big", tracks=rows)
    mine_big = big
    for p in range(50, 501, 50):
        mine_big = editing.update_track(mine_big, p, editing.TrackPatch(title=f"Mine {p}"))
    yield "500 rows, 50 IDs identified, 10 user edits", big, mine_big, _later(big)


def run() -> str:
    _setup()
    from tracktion.following.merge import merge, snapshot

    lines = [
        "### Following: the merge of one check",
        "",
        "| case | changed check | unchanged check |",
        "|---|---|---|",
    ]
    for name, first, mine, later in _cases():
        base = snapshot(first.tracks)
        changed = measure(lambda: merge(mine, later, base), repeat=9, number=3)  # noqa: B023
        once = merge(mine, later, base)
        unchanged = measure(lambda: merge(once.tracklist, later, once.base), repeat=9, number=3)  # noqa: B023
        lines.append(f"| {name} | {ms(changed)} | {ms(unchanged)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
