"""Camelot codes are computed from key names, and agree with Beatport's own numbering."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_fixture
from tracktion.catalog.keys import camelot, normalise_key_filter


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Ab Minor", "1A"),
        ("A Minor", "8A"),
        ("C Major", "8B"),
        ("B Major", "1B"),
        ("F# Minor", "11A"),
        ("A# Minor", "3A"),  # enharmonic of Bb minor
        ("Gb Major", "2B"),  # enharmonic of F# major
        ("Am", "8A"),
        ("c#min", "12A"),
    ],
)
def test_camelot_of_key_names(name, code):
    assert camelot(name) == code


@pytest.mark.parametrize("bad", [None, "", "H Minor", "Bbb", "minor"])
def test_unreadable_keys_have_no_camelot(bad):
    assert camelot(bad) is None


def test_key_filters_accept_camelot_or_names():
    assert normalise_key_filter("8a") == "8A"
    assert normalise_key_filter("A Minor") == "8A"
    assert normalise_key_filter("13A") is None


@pytest.mark.realdata
def test_every_beatport_key_id_maps_to_the_same_camelot_we_compute():
    table = json.loads(shared_fixture("beatport", "DERIVED_key_id_to_camelot.json").read_text())

    wrong = {k: v for k, v in table.items() if camelot(v["name"]) != v["camelot"]}

    assert len(table) == 34
    assert wrong == {}


@pytest.mark.realdata
def test_recorded_tracks_key_objects_agree_with_computed_camelot():
    data = json.loads(shared_fixture("beatport", "catalog_search_tracks.json").read_text())

    for item in data["tracks"]:
        key = item["key"]
        assert camelot(key["name"]) == f"{key['camelot_number']}{key['camelot_letter']}"
