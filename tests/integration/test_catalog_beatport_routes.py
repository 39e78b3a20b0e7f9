"""The Beatport catalog routes through the local runtime on the real template, against the stand-in.

The session's runtime (tests/conftest.py) points every function at the catalog stand-in
(`catalog`: local/catalog_site.py answering the recorded Beatport answers, ../shared when present,
else tests/fixtures/catalog). Every expected value is read from the recording the stand-in
serves, so these tests hold on either set. The runtime keeps the default Beatport budget (0.5 s
between two requests, shared by CatalogFunction and ManualFunction's matching), which the
throttling tests assert on the stand-in's request log.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from local.testing import RuntimeProcess

pytestmark = pytest.mark.integration

BASE = "/api/v1/catalog/beatport"
INTERVAL = 0.5  # BEATPORT_MIN_INTERVAL_SECONDS in template.yaml (the document's default)
# Turns are granted exactly INTERVAL apart; the stand-in sees each request a little later
# (process start-up, a busy machine): at most this much.
LATENCY = 0.2


@pytest.fixture(scope="module")
def client(runtime: RuntimeProcess) -> Iterator[httpx.Client]:
    with runtime.client(headers=runtime.admin_headers) as c:
        yield c


def unique() -> str:
    return f"zq{uuid.uuid4().hex[:10]}"  # words nothing matches: never cached, one Beatport request


def camelot_of(raw_key: dict[str, Any]) -> str:
    """Beatport's own Camelot fields, which our computed code must equal."""
    return f"{raw_key['camelot_number']}{raw_key['camelot_letter']}"


def assert_track(got: dict[str, Any], raw: dict[str, Any]) -> None:
    assert got["id"] == raw["id"] and got["catalog_track_id"] == f"beatport:{raw['id']}"
    assert got["name"] == raw["name"].strip() and got["mix_name"] == raw.get("mix_name")
    assert got["bpm"] == raw["bpm"]
    assert got["key"]["name"] == raw["key"]["name"]
    assert got["camelot"] == got["key"]["camelot"] == camelot_of(raw["key"])
    assert got["catalog_number"] == raw.get("catalog_number")
    assert got["release"]["catalog_number"] == raw.get("catalog_number")
    assert got["preview_url"] == raw["sample_url"] == got["preview"]["url"]
    assert (got["preview"]["start_ms"], got["preview"]["end_ms"]) == (
        raw["sample_start_ms"],
        raw["sample_end_ms"],
    )
    assert got["release_date"] == got["release"]["release_date"] == raw["new_release_date"]
    assert got["release"]["id"] == raw["release"]["id"]
    assert got["label"]["name"] == raw["release"]["label"]["name"]
    assert [a["name"] for a in got["artists"]] == [a["name"] for a in raw["artists"]]
    assert [a["name"] for a in got["remixers"]] == [a["name"] for a in raw.get("remixers") or []]
    assert got["isrc"] == raw.get("isrc") and got["length_ms"] == raw["length_ms"]
    if raw["release"].get("image"):
        assert got["artwork"]["url"] == raw["release"]["image"]["uri"]


def assert_page(answer: dict[str, Any], raw: dict[str, Any]) -> None:
    """Our pagination carries Beatport's numbers: page "N/M", count, the per_page it used."""
    current, pages = (int(x) for x in raw["page"].split("/"))
    assert answer["pagination"] == {
        "page": current,
        "limit": raw["per_page"],
        "total_pages": pages,
        "total_items": raw["count"],
        "has_next": bool(raw["next"]) or current < pages,
        "has_previous": current > 1,
    }
    assert isinstance(answer["cache_hit"], bool)


def get_ok(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    res = client.get(f"{BASE}{path}", params=params)
    assert res.status_code == 200, (path, res.status_code, res.text)
    return res.json()


def test_track_detail_answers_our_typed_track_then_from_cache(client: httpx.Client, catalog: Any) -> None:
    raw = catalog.recorded("catalog_track_detail.json")

    first = get_ok(client, f"/tracks/{raw['id']}")
    again = get_ok(client, f"/tracks/{raw['id']}")

    assert_track(first, raw)
    assert first["entity"] == "track" and "sample_url" not in first  # ours, not Beatport's JSON
    assert again["cache_hit"] is True
    assert {k: v for k, v in again.items() if k not in ("cache_hit", "correlation_id")} == {
        k: v for k, v in first.items() if k not in ("cache_hit", "correlation_id")
    }


def test_release_and_its_tracks(client: httpx.Client, catalog: Any) -> None:
    raw = catalog.recorded("catalog_release_detail.json")
    tracks = catalog.recorded("catalog_release_tracks.json")

    release = get_ok(client, f"/releases/{raw['id']}")
    listed = get_ok(client, f"/releases/{raw['id']}/tracks", per_page=tracks["per_page"])

    assert (
        release["catalog_number"] == raw["catalog_number"]
        and release["release_date"] == raw["new_release_date"]
    )
    assert release["catalog"]["value"] == raw["catalog_number"]
    assert release["track_count"] == raw["track_count"] and release["upc"] == raw["upc"]
    assert release["artwork"]["url"] == raw["image"]["uri"] and "{w}" in release["artwork"]["template"]
    assert release["label"]["id"] == raw["label"]["id"]
    assert_page(listed, tracks)
    for got, want in zip(listed["results"], tracks["results"], strict=True):
        assert_track(got, want)


def test_artist_and_its_tracks(client: httpx.Client, catalog: Any) -> None:
    raw = catalog.recorded("catalog_artist_detail.json")
    tracks = catalog.recorded("catalog_artist_tracks.json")

    artist = get_ok(client, f"/artists/{raw['id']}")
    listed = get_ok(client, f"/artists/{raw['id']}/tracks", per_page=tracks["per_page"])

    assert artist["name"] == raw["name"] and artist["biography"] == raw["bio"]
    assert artist["image"]["url"] == raw["image"]["uri"]
    assert_page(listed, tracks)  # the recorded page: "1/N", a `next` without its scheme
    for got, want in zip(listed["results"], tracks["results"], strict=True):
        assert_track(got, want)


def test_label_its_releases_and_its_tracks(client: httpx.Client, catalog: Any) -> None:
    raw = catalog.recorded("catalog_label_detail.json")
    releases = catalog.recorded("catalog_label_releases.json")
    tracks = catalog.recorded("catalog_tracks_by_label_id.json")

    label = get_ok(client, f"/labels/{raw['id']}")
    its_releases = get_ok(client, f"/labels/{raw['id']}/releases", per_page=releases["per_page"])
    its_tracks = get_ok(client, f"/labels/{raw['id']}/tracks", per_page=tracks["per_page"])

    assert label["name"] == raw["name"] and label["image"]["url"] == raw["image"]["uri"]
    assert_page(its_releases, releases)
    for got, want in zip(its_releases["results"], releases["results"], strict=True):
        assert (got["id"], got["catalog_number"]) == (want["id"], want["catalog_number"])
        assert (
            got["release_date"] == want["new_release_date"] and got["artwork"]["url"] == want["image"]["uri"]
        )
    assert_page(its_tracks, tracks)
    for got, want in zip(its_tracks["results"], tracks["results"], strict=True):
        assert_track(got, want)


def test_genres_and_a_genre(client: httpx.Client, catalog: Any) -> None:
    listed = catalog.recorded("catalog_genres_list.json")
    raw = catalog.recorded("catalog_genre_detail.json")

    genres = get_ok(client, "/genres")
    genre = get_ok(client, f"/genres/{raw['id']}")

    assert_page(genres, listed)
    assert [g["id"] for g in genres["results"]] == [g["id"] for g in listed["results"]]
    assert genre["name"] == raw["name"] and [s["id"] for s in genre["sub_genres"]] == [
        s["id"] for s in raw["sub_genres"]
    ]


def test_dj_chart_and_its_tracks(client: httpx.Client, catalog: Any) -> None:
    raw = catalog.recorded("catalog_chart_detail.json")
    tracks = catalog.recorded("catalog_chart_tracks.json")

    chart = get_ok(client, f"/charts/{raw['id']}")
    listed = get_ok(client, f"/charts/{raw['id']}/tracks", per_page=tracks["per_page"])

    assert chart["name"] == raw["name"] and chart["track_count"] == raw["track_count"]
    assert chart["curator"] == raw["person"]["owner_name"] and chart["image"]["url"] == raw["image"]["uri"]
    assert_page(listed, tracks)  # this recording's `next` is a full https URL
    for got, want in zip(listed["results"], tracks["results"], strict=True):
        assert_track(got, want)


def test_top_100_overall_and_per_genre_and_hype(client: httpx.Client, catalog: Any) -> None:
    raw = catalog.recorded("catalog_track_detail.json")
    genre = raw["genre"]["id"]

    overall = get_ok(client, "/charts/top-100")
    of_genre = get_ok(client, "/charts/top-100", genre_id=genre)
    hype = get_ok(client, "/charts/hype", genre_id=genre)

    assert overall["results"] and overall["pagination"]["total_items"] <= 100
    assert of_genre["results"] and all(t["genre"]["id"] == genre for t in of_genre["results"])
    assert all(t["bpm"] and t["camelot"] and t["preview_url"] for t in of_genre["results"])
    assert all(t["is_hype"] for t in hype["results"]) and "pagination" in hype
    paths = [r["path"] for r in catalog.requests]
    assert "/v4/catalog/tracks/top/100/" in paths and f"/v4/catalog/genres/{genre}/top/100/" in paths


def test_search_by_type(client: httpx.Client, catalog: Any) -> None:
    recorded = catalog.recorded("catalog_search_tracks.json")
    artist = catalog.recorded("catalog_artist_detail.json")
    label = catalog.recorded("catalog_label_detail.json")
    word = recorded["tracks"][0]["name"].split()[0]

    tracks = get_ok(client, "/search", q=word, type="tracks", per_page=recorded["per_page"])
    artists = get_ok(client, "/search", q=artist["name"], type="artists")
    labels = get_ok(client, "/search", q=label["name"], type="labels")
    releases = get_ok(client, "/search", type="releases", label_id=label["id"])

    assert_page(tracks, recorded)
    for got, want in zip(tracks["results"], recorded["tracks"], strict=True):
        assert_track(got, want)
    assert tracks["query_info"] == {"query": word, "search_type": "tracks", "filters_applied": []}
    assert artist["id"] in [a["id"] for a in artists["results"]] and {
        a["entity"] for a in artists["results"]
    } == {"artist"}
    assert label["id"] in [x["id"] for x in labels["results"]] and {
        x["entity"] for x in labels["results"]
    } == {"label"}
    assert releases["results"] and all(r["label"]["id"] == label["id"] for r in releases["results"])
    assert releases["query_info"]["filters_applied"] == [f"label_id={label['id']}"]


@pytest.mark.parametrize(
    "path", ["/tracks/1", "/releases/1", "/artists/1", "/labels/1", "/charts/1", "/genres/999999"]
)
def test_unknown_ids_are_404_resource_not_found(client: httpx.Client, path: str) -> None:
    res = client.get(f"{BASE}{path}")
    assert res.status_code == 404, res.text
    body = res.json()
    assert body["error_code"] == "RESOURCE_NOT_FOUND" and body["error"] and body["correlation_id"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search", {"q": "strobe", "type": "podcasts"}),
        ("/search", {"type": "tracks"}),  # neither words nor a filter
        ("/search", {"q": "strobe", "per_page": "101"}),
        ("/tracks/0", {}),
        ("/tracks/strobe", {}),
        ("/charts/top-100", {"genre_id": "techno"}),
        ("/artists/26182/tracks", {"page": "0"}),
    ],
)
def test_bad_parameters_are_422(client: httpx.Client, path: str, params: dict[str, str]) -> None:
    res = client.get(f"{BASE}{path}", params=params)
    assert res.status_code == 422, res.text
    assert res.json()["error_code"] in ("VALIDATION_ERROR", "REQUIRED_FIELD_MISSING")


def search_times(catalog: Any, since: float) -> list[float]:
    return sorted(
        r["time"] for r in catalog.requests if r["path"] == "/v4/catalog/search/" and r["time"] >= since
    )


def test_beatport_down_is_503_catalog_unavailable_with_retry_after(
    client: httpx.Client, catalog: Any
) -> None:
    catalog.fail("/v4/catalog/search/", 503, times=3, retry_after=None)

    res = client.get(f"{BASE}/search", params={"q": unique(), "type": "labels"})

    assert res.status_code == 503, res.text
    body = res.json()
    assert body["error_code"] == "CATALOG_UNAVAILABLE" and body["retry_after"] >= 1
    assert res.headers["retry-after"] == str(body["retry_after"])


def test_a_429_retry_after_is_honoured_then_answered(client: httpx.Client, catalog: Any) -> None:
    started = time.time()
    catalog.fail("/v4/catalog/search/", 429, times=1, retry_after="2")

    res = client.get(f"{BASE}/search", params={"q": unique(), "type": "artists"})

    assert res.status_code == 200, res.text
    times = search_times(catalog, started)
    assert len(times) == 2 and times[1] - times[0] >= 2 - 0.05  # not one moment sooner


def test_a_retry_after_beyond_our_wait_is_503_and_holds_every_function(
    client: httpx.Client, catalog: Any, runtime: RuntimeProcess
) -> None:
    started = time.time()
    catalog.fail("/v4/catalog/search/", 429, times=1, retry_after="25")
    try:
        res = client.get(f"{BASE}/search", params={"q": unique(), "type": "tracks"})
        # Matching in another function: Beatport is skipped (a note), not asked.
        other = client.get("/api/v1/tracklists/catalog/search", params={"query": unique()})
    finally:
        release_budget(runtime)

    assert res.status_code == 503, res.text
    body = res.json()
    assert body["error_code"] == "CATALOG_UNAVAILABLE" and 20 <= body["retry_after"] <= 25
    assert body["details"]["reason"] == "rate_limited"
    assert other.status_code == 200 and "beatport" in other.headers.get("x-tracktion-warnings", "")
    assert len(search_times(catalog, started)) == 1


def release_budget(runtime: RuntimeProcess) -> None:
    """Give the session's other tests their Beatport budget back (the 25 s hold)."""
    ddb = runtime.aws_client("dynamodb")
    name = next(t for t in ddb.list_tables()["TableNames"] if "ounters" in t)
    ddb.delete_item(TableName=name, Key={"pk": {"S": "POLITENESS#catalog#beatport"}, "sk": {"S": "BUCKET"}})


def test_concurrent_requests_of_two_functions_share_one_budget(client: httpx.Client, catalog: Any) -> None:
    started = time.time()
    calls = [(f"{BASE}/search", {"q": unique(), "type": "tracks"}) for _ in range(4)] + [
        ("/api/v1/tracklists/catalog/search", {"query": unique()}) for _ in range(4)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda call: client.get(call[0], params=call[1]), calls))

    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers if a.status_code != 200]
    times = search_times(catalog, started)
    assert len(times) == 8  # each asked Beatport once: CatalogFunction's four, ManualFunction's four
    for i, j in itertools.combinations(range(len(times)), 2):
        assert times[j] - times[i] >= (j - i) * INTERVAL - LATENCY, (i, j, times)
