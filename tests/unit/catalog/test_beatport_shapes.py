"""Beatport's list envelope quirks: "N/M" page strings and next links without a scheme."""

from __future__ import annotations

import json

import pytest

from tests.conftest import OWN_FIXTURES
from tracktion.catalog.beatport import parse_page, rebase_next, to_catalog_track


@pytest.mark.parametrize(
    ("page", "parsed"), [("1/1035", (1, 1035)), ("2/2", (2, 2)), ("x", None), (None, None)]
)
def test_page_strings(page, parsed):
    assert parse_page(page) == parsed


@pytest.mark.parametrize(
    "next_url",
    [
        "api.beatport.com/v4/catalog/search/?q=strobe&type=tracks&page=2&per_page=3",
        "https://api.beatport.com/v4/catalog/search/?q=strobe&type=tracks&page=2&per_page=3",
        "https://evil.example/v4/catalog/search/?q=strobe&type=tracks&page=2&per_page=3",
    ],
)
def test_next_links_are_rebased_onto_the_configured_host(next_url):
    assert rebase_next(next_url, "http://127.0.0.1:9999/v4") == (
        "http://127.0.0.1:9999/v4/catalog/search/?q=strobe&type=tracks&page=2&per_page=3"
    )


def test_no_next_means_no_more_pages():
    assert rebase_next(None, "https://api.beatport.com/v4") is None


def test_track_shape_takes_label_from_the_release_and_computes_camelot():
    item = json.loads((OWN_FIXTURES / "catalog" / "beatport" / "catalog_track_detail.json").read_text())

    t = to_catalog_track(item)

    assert t.id == "beatport:900001" and t.label == "Tidewater"
    assert (t.key, t.camelot, t.bpm, t.duration) == ("F# Minor", "11A", 124.0, 402.0)
    assert t.remixers == ["Kessler"] and t.preview_url.endswith(".LOFI.mp3")
