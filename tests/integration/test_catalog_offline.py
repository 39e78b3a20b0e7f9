"""`make run` on a fresh clone: the catalog works with no Beatport account and no network.

`python -m local` as `make run` starts it (no --env of ours): the runtime starts the Beatport and
MusicBrainz stand-in (local/catalog_site.py), points every function at it and puts the
stand-in's Beatport account in the local SSM, so the account login runs as the integration
document describes and catalog answers carry recorded data. The cold start's concurrent
function instances (separate worker processes) share one login through the sealed token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from local.catalog_site import CatalogSite
from local.testing import RuntimeProcess, start_runtime
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fresh() -> Iterator[RuntimeProcess]:
    process = start_runtime(ROOT / "template.yaml", [], timeout=120)
    try:
        yield process
    finally:
        process.stop()


def recorded_track() -> dict:
    """The first track of the recorded search the stand-in serves (real, else our own)."""
    site = CatalogSite()
    try:
        return site.recorded("catalog_search_tracks.json")["tracks"][0]
    finally:
        site.shutdown()


def stand_in_state(runtime: RuntimeProcess) -> dict:
    return httpx.get(f"{runtime.catalog_url}/_stand-in/state", timeout=10).json()


def test_make_run_serves_the_catalog_from_the_stand_in_with_one_login(fresh: RuntimeProcess) -> None:
    assert fresh.catalog_url.startswith("http://127.0.0.1:")
    track = recorded_track()
    word = track["name"].split()[0]
    path = "/api/v1/tracklists/catalog/search"

    # The first requests of a cold runtime, concurrently: several function instances.
    with fresh.client(headers=fresh.admin_headers) as client, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.get(path, params={"query": word, "limit": 5}), range(4)))

    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "beatport" in answer.headers["x-catalog-providers"]
        warnings = json.loads(answer.headers.get("x-tracktion-warnings", "[]"))
        assert not [w for w in warnings if w.get("provider") == "beatport"], warnings
        found = {r["catalog_track_id"]: r for r in answer.json()}
        hit = found.get(f"beatport:{track['id']}")
        assert hit is not None, found
        assert hit["bpm"] == track["bpm"] and hit["key"] and hit["title"] == track["name"]

    state = stand_in_state(fresh)
    assert state["logins"] == 1 and state["tokens_granted"] == 1, state  # the account login, once
    log = httpx.get(f"{fresh.catalog_url}/_stand-in/requests", timeout=10).json()["requests"]
    signed_in = [r["path"] for r in log if r["path"].startswith(("/v4/docs/", "/v4/auth/"))]
    assert signed_in[0] == "/v4/docs/" and signed_in[-1] == "/v4/auth/o/token/"
    assert all(r["time"] > 0 for r in log)


def test_catalog_matching_answers_recorded_data(fresh: RuntimeProcess) -> None:
    track = recorded_track()
    body = {"tracks": [{"artist": track["artists"][0]["name"], "title": track["name"]}], "threshold": 0.5}
    with fresh.client(headers=fresh.admin_headers) as client:
        answer = client.post("/api/v1/tracklists/catalog/match", json=body)
    assert answer.status_code == 200, answer.text
    [matched] = answer.json()
    assert matched["matched"] is True and matched["confidence"] >= 0.5


def test_the_beatport_catalog_routes_answer_through_the_stand_in(fresh: RuntimeProcess) -> None:
    track = recorded_track()
    with fresh.client(headers=fresh.admin_headers) as client:
        search = client.get("/api/v1/catalog/beatport/search", params={"q": track["name"], "type": "tracks"})
        detail = client.get(f"/api/v1/catalog/beatport/tracks/{track['id']}")
        artists = client.get(
            "/api/v1/catalog/beatport/search", params={"q": track["artists"][0]["name"], "type": "artists"}
        )
    assert search.status_code == 200, search.text
    assert str(track["id"]) in {str(r["id"]) for r in search.json()["results"]}
    assert detail.status_code == 200, detail.text
    assert str(detail.json()["id"]) == str(track["id"]) and detail.json()["bpm"] == track["bpm"]
    # No artist search was ever recorded: the stand-in builds one from recorded items.
    assert artists.status_code == 200, artists.text
    assert track["artists"][0]["name"] in {a["name"] for a in artists.json()["results"]}


def test_revoked_tokens_are_replaced_by_one_new_login_across_instances(fresh: RuntimeProcess) -> None:
    track = recorded_track()
    before = stand_in_state(fresh)
    # Every token and session revoked through the stand-in's control route: only a login helps.
    httpx.post(f"{fresh.catalog_url}/_stand-in/revoke", json={"refresh": True}, timeout=10).raise_for_status()
    words = [track["name"].split()[0], track["artists"][0]["name"]]
    with fresh.client(headers=fresh.admin_headers) as client:
        for word in words:
            answer = client.get("/api/v1/tracklists/catalog/search", params={"query": word, "limit": 3})
            assert answer.status_code == 200, answer.text
            warnings = json.loads(answer.headers.get("x-tracktion-warnings", "[]"))
            assert not [w for w in warnings if w.get("provider") == "beatport"], warnings
    after = stand_in_state(fresh)
    assert after["logins"] == before["logins"] + 1, (before, after)
