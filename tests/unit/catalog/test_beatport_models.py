"""Beatport's answers read into our typed models, on every recorded answer (real when ../shared is
present, else our hand-written ones in tests/fixtures/catalog), and fuzzed.

Expected values come from the recorded JSON itself (Beatport's own camelot_number/letter, its
catalog_number, sample_url...), so the assertions hold on either set of recordings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tracktion.catalog import beatport_models as bm
from tracktion.catalog.beatport_catalog import pagination

OWN = OWN_FIXTURES / "catalog" / "beatport"
TRACK_FILES = {
    "catalog_track_detail.json": None,
    "catalog_search_tracks.json": "tracks",
    "catalog_genre_tracks.json": "results",
    "catalog_chart_tracks.json": "results",
    "catalog_release_tracks.json": "results",
    "catalog_artist_tracks.json": "results",
    "catalog_tracks_by_label_id.json": "results",
    "catalog_artist_tracks_2021_per_page50.json": "results",
    "catalog_tracks_filter_by_isrc.response_body.json": "results",
}


def recorded_tracks(folder: Path) -> list[dict[str, Any]]:
    found = []
    for name, key in TRACK_FILES.items():
        path = folder / name
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        found.extend([data] if key is None else data[key])
    return found


def assert_track(raw: dict[str, Any]) -> None:
    t = bm.track(raw)
    assert t.id == raw["id"] and t.catalog_track_id == f"beatport:{raw['id']}"
    assert t.bpm == raw["bpm"]
    key = raw["key"]
    assert t.key is not None and t.key.name == key["name"]
    # Our Camelot (computed from the key's name) agrees with Beatport's own fields.
    assert t.camelot == t.key.camelot == f"{key['camelot_number']}{key['camelot_letter']}"
    assert t.catalog_number == raw.get("catalog_number")
    assert t.preview_url == raw["sample_url"] and t.preview is not None
    assert (t.preview.start_ms, t.preview.end_ms) == (raw["sample_start_ms"], raw["sample_end_ms"])
    assert t.release_date == (raw.get("new_release_date") or raw.get("publish_date"))
    assert t.release is not None and t.release.id == raw["release"]["id"]
    assert t.label is not None and t.label.name == raw["release"]["label"]["name"]
    assert [a.name for a in t.remixers] == [r["name"] for r in raw.get("remixers") or []]
    assert t.title == (
        f"{raw['name'].strip()} ({raw['mix_name']})" if raw.get("mix_name") else raw["name"].strip()
    )
    if raw["release"].get("image"):  # the artwork is the release's cover, not the waveform
        assert t.artwork is not None and t.artwork.url == raw["release"]["image"]["uri"]


def test_every_hand_written_track_reads_with_camelot_catalog_number_preview_and_date() -> None:
    tracks = recorded_tracks(OWN)
    assert len(tracks) >= 8
    for raw in tracks:
        assert_track(raw)


@pytest.mark.realdata
def test_every_recorded_track_reads_with_camelot_catalog_number_preview_and_date() -> None:
    folder = shared_fixture("beatport", "catalog_track_detail.json").parent
    tracks = recorded_tracks(folder)
    assert len(tracks) > 60
    for raw in tracks:
        assert_track(raw)
    detail = bm.track(json.loads((folder / "catalog_track_detail.json").read_text()))
    assert detail.catalog is not None and (detail.catalog.prefix, detail.catalog.number) == ("MAU", 50610)
    assert (
        detail.catalog.suffix == "BP1" and detail.preview is not None and detail.preview.duration_ms == 90000
    )


def _both(name: str) -> list[dict[str, Any]]:
    found = [json.loads((OWN / name).read_text())]
    real = SHARED_FIXTURES / "beatport" / name
    if real.exists():
        found.append(json.loads(real.read_text()))
    return found


def test_release_artist_label_genre_and_chart_details_keep_their_images_and_counts() -> None:
    for raw in _both("catalog_release_detail.json"):
        r = bm.release(raw)
        assert r.catalog_number == raw["catalog_number"] and r.release_date == raw["new_release_date"]
        assert r.track_count == raw["track_count"] and len(r.track_ids) == len(raw["tracks"])
        assert r.artwork is not None and r.artwork.url == raw["image"]["uri"] and r.artwork.template
        assert r.label is not None and r.label.id == raw["label"]["id"] and r.upc == raw["upc"]
    for raw in _both("catalog_artist_detail.json"):
        a = bm.artist(raw)
        assert a.biography == raw["bio"] and a.image is not None and a.image.url == raw["image"]["uri"]
    for raw in _both("catalog_label_detail.json"):
        label = bm.label(raw)
        assert label.image is not None and label.latest_release_date == raw["latest_active_publish_date"][:10]
    for raw in _both("catalog_genre_detail.json"):
        g = bm.genre(raw)
        assert [s.id for s in g.sub_genres] == [s["id"] for s in raw["sub_genres"]]
    for raw in _both("catalog_chart_detail.json"):
        c = bm.chart(raw)
        assert c.track_count == raw["track_count"] and c.curator == raw["person"]["owner_name"]
        assert [g.id for g in c.genres] == [g["id"] for g in raw["genres"]]


@pytest.mark.parametrize(
    ("value", "prefix", "number", "suffix", "barcode"),
    [
        ("MAU50610BP1", "MAU", 50610, "BP1", False),
        ("MAU50668EXT", "MAU", 50668, "EXT", False),
        ("DFTDS049D", "DFTDS", 49, "D", False),
        ("PRLPD003PT2", "PRLPD", 3, "PT2", False),
        ("CRM 038", "CRM", 38, None, False),
        ("LYK3", "LYK", 3, None, False),
        ("5099962147453", None, None, None, True),
        ("0724384960650", None, None, None, True),
    ],
)
def test_catalog_numbers_are_split_into_prefix_number_and_suffix(
    value, prefix, number, suffix, barcode
) -> None:
    parsed = bm.parse_catalog_number(value)
    assert parsed is not None and parsed.value == value
    assert (parsed.prefix, parsed.number, parsed.suffix, parsed.is_barcode) == (
        prefix,
        number,
        suffix,
        barcode,
    )


def test_blank_or_absent_catalog_numbers_are_none() -> None:
    assert bm.parse_catalog_number(None) is None
    assert bm.parse_catalog_number("  ") is None
    assert bm.parse_catalog_number(True) is None


def test_pagination_reads_the_page_string_count_and_the_per_page_beatport_used() -> None:
    search = json.loads((OWN / "catalog_artist_tracks.json").read_text())  # page "1/2", next without scheme
    got = pagination(search, 1, 50, len(search["results"]))
    assert got == {
        "page": 1,
        "limit": 2,  # what Beatport answered, not what was asked
        "total_pages": 2,
        "total_items": 3,
        "has_next": True,
        "has_previous": False,
    }
    assert (
        pagination({"page": "1035/1035", "count": 3103, "per_page": 3, "next": None}, 1035, 3, 1)["has_next"]
        is False
    )
    # an unreadable page string falls back to count / per_page
    assert pagination({"page": "x", "count": 7, "per_page": 3}, 2, 3, 3)["total_pages"] == 3


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)
FIELDS = st.sampled_from(
    [
        "id",
        "name",
        "mix_name",
        "bpm",
        "key",
        "release",
        "artists",
        "remixers",
        "catalog_number",
        "sample_url",
        "sample_start_ms",
        "sample_end_ms",
        "length_ms",
        "image",
        "genre",
        "sub_genre",
        "new_release_date",
        "tracks",
        "bpm_range",
        "label",
        "person",
        "genres",
        "sub_genres",
        "category",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(FIELDS, JSON, max_size=12),
    st.sampled_from(["track", "release", "artist", "label", "genre", "chart"]),
)
def test_readers_never_fail_on_arbitrary_json_but_for_a_missing_id(data: dict[str, Any], kind: str) -> None:
    reader = getattr(bm, kind)
    try:
        model = reader(data)
    except KeyError:
        assert not isinstance(data.get("id"), int) or isinstance(data.get("id"), bool)
        return
    model.model_dump(mode="json")  # every model serialises


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | st.integers())
def test_catalog_number_parser_never_raises_and_keeps_the_value(value: Any) -> None:
    parsed = bm.parse_catalog_number(value)
    if parsed is not None:
        assert parsed.value == str(value).strip()[:100]
        assert parsed.number is None or parsed.number >= 0
