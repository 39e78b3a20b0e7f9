"""Importing into the store: one tracklist per (owner, source page), whatever the timing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import OWN_FIXTURES
from tracktion.tracklists.importer import import_from_html
from tracktion.tracklists.store import TracklistStore

URL = "https://www.1001tracklists.com/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
HTML = (OWN_FIXTURES / "1001tracklists" / "tracklist_two-djs_cues_w-row_mashup_id-rows.html").read_text(
    encoding="utf-8"
)


def test_concurrent_imports_of_one_page_make_one_tracklist(aws):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: import_from_html("user-1", URL, HTML), range(4)))

    assert len({r.tracklist.tracklist_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    tracklists, _ = TracklistStore().list_by_owner("user-1")
    assert len(tracklists) == 1


def test_each_owner_gets_their_own_tracklist_of_the_same_page(aws):
    mine = import_from_html("user-1", URL, HTML)
    theirs = import_from_html("user-2", URL, HTML)

    assert mine.tracklist.tracklist_id != theirs.tracklist.tracklist_id
    assert mine.created and theirs.created
