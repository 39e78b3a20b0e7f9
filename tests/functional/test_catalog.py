"""Catalog providers against a local server answering the recorded Beatport/MusicBrainz responses.

The provider code is the real httpx code; only BEATPORT_BASE_URL / MUSICBRAINZ_BASE_URL point
at tests.catalog_server. Tests asserting recorded content are `realdata` (they skip without
../shared); the others run on either the recordings or our own hand-written answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.catalog_server import CatalogServer
from tests.conftest import principal_ctx, shared_fixture
from tests.gateway import invoke

pytest_plugins = ["tests.catalog_server.fixtures"]  # catalog_server, catalog_env


@pytest.fixture
def api(catalog_env, lambda_context):
    def _call(method: str, path: str, route: str, body: Any = None, query: dict[str, str] | None = None):
        res = invoke(method, path, body=body, query=query, principal=principal_ctx(), context=lambda_context)
        assert res.route is not None and res.route.route_key == f"{method} {route}", res.route
        _call.headers = res.lower_headers  # type: ignore[attr-defined]
        return res.status, res.body

    return _call


def notes_of(api) -> list[dict[str, Any]]:
    """Provider notes travel as warnings in X-Tracktion-Warnings (the answer is an array)."""
    return json.loads(api.headers.get("x-tracktion-warnings", "[]"))


SEARCH_FIELDS = {
    "catalog_track_id": str,
    "artist": str,
    "title": str,
    "album": (str, type(None)),
    "genre": (str, type(None)),
    "bpm": (float, int, type(None)),
    "key": (str, type(None)),
    "confidence": float,
}


def assert_search_result(r: dict[str, Any]) -> None:
    for name, kind in SEARCH_FIELDS.items():
        assert isinstance(r[name], kind), (name, r.get(name))
    assert 0 <= r["confidence"] <= 1


def beatport():
    from tracktion.catalog.beatport import BeatportProvider

    return BeatportProvider()


# ---------------------------------------------------------------- Beatport client


@pytest.mark.realdata
def test_beatport_search_maps_bpm_key_camelot_label_remixers_and_preview(catalog_env):
    shared_fixture("beatport", "catalog_search_tracks.json")

    tracks = beatport().search("strobe", limit=3)

    strobe = tracks[0]
    assert strobe.id == "beatport:19431036"
    assert (strobe.title, strobe.mix_name, strobe.artist) == (
        "Strobe",
        "Layton Giordani Extended Remix",
        "deadmau5",
    )
    assert strobe.bpm == 128 and strobe.key == "Ab Minor" and strobe.camelot == "1A"
    assert strobe.label == "mau5trap"  # from release.label: the track itself has no label field
    assert strobe.remixers == ["Layton Giordani"]
    assert strobe.genre == "Melodic House & Techno"
    assert strobe.preview_url.endswith(".LOFI.mp3")
    assert strobe.duration == 285.0
    assert [t.camelot for t in tracks] == ["1A", "1A", "10A"]


@pytest.mark.realdata
def test_beatport_track_detail_and_isrc_filter(catalog_env):
    shared_fixture("beatport", "catalog_track_detail.json")
    bp = beatport()

    detail = bp.track(19431036)
    by_isrc = bp.tracks_by_isrc("GBDUW0000058")

    assert detail is not None and detail.isrc == "GBTDG1302861" and detail.label == "mau5trap"
    assert bp.track(1) is None
    assert {t.title for t in by_isrc} == {"Digital Love"}
    assert all(t.camelot == "11B" and t.bpm == 125 for t in by_isrc)


def test_pagination_follows_next_links_without_a_scheme_on_our_own_host(catalog_env: CatalogServer):
    genre = 90 if catalog_env.real else 15
    per_page = 3 if catalog_env.real else 2

    tracks = beatport().genre_tracks(genre, limit=per_page * 2)

    assert len(tracks) > per_page  # the second page came through the re-based `next`
    pages = [r for r in catalog_env.requests if r["path"] == f"/v4/catalog/genres/{genre}/tracks/"]
    assert [r["query"].get("page") for r in pages] == [None, "2"]


@pytest.mark.realdata
def test_genres_charts_and_top_100(catalog_env: CatalogServer):
    shared_fixture("beatport", "catalog_genres_list.json")
    bp = beatport()

    genres = bp.genres()
    chart = bp.chart_tracks(893576, limit=5)
    top = bp.chart("top", 90)
    hype = bp.chart("hype", 90)

    assert (
        len(genres) == 46
        and {"id": 90, "name": "Melodic House & Techno", "slug": "melodic-house-techno"} in genres
    )
    assert [t.title for t in chart][:2] == ["Don't Cry", "Fly To Way"]
    assert top and all(t.bpm for t in top)
    # Hype is Beatport's tracks filter (no hype endpoint exists); no recorded track is hype.
    asked = [r["query"] for r in catalog_env.requests if r["path"] == "/v4/catalog/tracks/"]
    assert asked[-1]["is_hype"] == "true" and asked[-1]["genre_id"] == "90"
    assert all(t.genre for t in hype)


def test_token_is_minted_once_persisted_and_shared_by_new_instances(catalog_env: CatalogServer):
    beatport().search("Harbour strobe")
    beatport().search("Harbour strobe")  # a new instance (another cold start) reuses the stored token

    assert catalog_env.tokens_granted == 1


def test_token_is_refreshed_before_it_expires(catalog_env: CatalogServer):
    catalog_env.token_ttl = 200  # inside the five-minute refresh margin: never reused

    beatport().search("strobe", limit=3)
    beatport().search("strobe", limit=3)

    assert catalog_env.tokens_granted == 2


def test_a_revoked_token_is_replaced_once_on_401(catalog_env: CatalogServer):
    bp = beatport()
    bp.search("strobe", limit=3)
    catalog_env.revoke_tokens()

    bp.search("strobe", limit=3)

    assert catalog_env.tokens_granted == 2


def test_throttling_429_is_retried_with_backoff(catalog_env: CatalogServer):
    catalog_env.fail("/v4/catalog/search/", 429, times=2, retry_after="0")

    beatport().search("strobe", limit=3)

    searches = [r for r in catalog_env.requests if r["path"] == "/v4/catalog/search/"]
    assert len(searches) == 3


def test_persistent_403_becomes_a_clear_refusal(catalog_env: CatalogServer):
    from tracktion.catalog.transport import ProviderUnavailable

    catalog_env.refuse_beatport = True

    with pytest.raises(ProviderUnavailable) as err:
        beatport().search("strobe", limit=3)

    assert err.value.reason == "refused"


def test_timeouts_become_unavailable_not_a_hang(catalog_env, monkeypatch):
    import socket

    from tracktion.catalog.beatport import BeatportProvider
    from tracktion.catalog.transport import ProviderUnavailable

    # A listening socket that never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    monkeypatch.setenv("CATALOG_TIMEOUT_SECONDS", "0.2")
    try:
        with pytest.raises(ProviderUnavailable) as err:
            BeatportProvider(base_url=f"http://127.0.0.1:{silent.getsockname()[1]}/v4").search("strobe")
    finally:
        silent.close()
    assert err.value.reason == "unavailable"


# ---------------------------------------------------------------- MusicBrainz


def test_musicbrainz_sends_a_user_agent_and_has_no_bpm_or_key(catalog_env: CatalogServer):
    from tracktion.catalog.musicbrainz import MusicBrainzProvider

    found = MusicBrainzProvider().search(None, limit=5, artist="anyone", title="anything")

    assert found and all(t.bpm is None and t.key is None for t in found)
    sent = [r for r in catalog_env.requests if r["path"] == "/ws/2/recording"][-1]
    assert sent["headers"]["user-agent"].startswith("Tracktion-tests")
    assert sent["query"]["fmt"] == "json"
    assert 'recording:"anything"' in sent["query"]["query"]


@pytest.mark.realdata
def test_musicbrainz_recording_maps_the_recorded_answer(catalog_env):
    shared_fixture("musicbrainz", "recording_search.json")
    from tracktion.catalog.musicbrainz import MusicBrainzProvider

    found = MusicBrainzProvider().search("残酷な天使のテーゼ")

    assert [t.artist for t in found] == ["河井英里", "田村直美"]
    assert found[0].duration == 331.026 and found[0].isrc == "JPPI00152140"


def test_musicbrainz_throttle_spaces_requests_by_the_interval():
    from tracktion.catalog.musicbrainz import Throttle

    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        now[0] += s

    throttle = Throttle(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        throttle.wait()

    assert slept == [1.0, 1.0]


# ---------------------------------------------------------------- through the API


@pytest.mark.realdata
def test_catalog_search_through_the_api_fills_bpm_and_key(api):
    shared_fixture("beatport", "catalog_search_tracks.json")

    status, body = api(
        "GET",
        "/api/v1/tracklists/catalog/search",
        "/api/v1/tracklists/catalog/search",
        query={"artist": "deadmau5", "title": "Strobe", "limit": "5"},
    )

    assert status == 200 and isinstance(body, list)
    top = body[0]
    assert_search_result(top)
    assert top["source"] == "beatport" and top["bpm"] == 128 and top["key"] == "Ab Minor"
    assert top["catalog_track_id"] == top["id"]
    assert notes_of(api) == []


@pytest.mark.realdata
def test_match_through_the_api_picks_the_right_remix_and_explains(api):
    shared_fixture("beatport", "catalog_search_tracks.json")
    body = {
        "threshold": 0.8,
        "tracks": [
            {"artist": "Deadmau5", "title": "Strobe (Layton Giordani Remix)"},
            {"artist": "ID", "title": "ID"},
            {"artist": "deadmau5", "title": "Strobe", "remix": "Somebody Else Remix"},
        ],
    }

    status, out = api("POST", "/api/v1/tracklists/catalog/match", "/api/v1/tracklists/catalog/match", body)

    assert status == 200 and isinstance(out, list)
    first, unknown, other = out
    assert first["matched"] and first["catalog_track_id"] == "beatport:19431036"
    assert first["bpm"] == 128 and first["catalog_track"]["camelot"] == "1A"
    assert first["confidence"] >= 0.8 and "matched" in first["explanation"][-1]
    assert not unknown["matched"] and "unidentified" in unknown["explanation"][0]
    assert not other["matched"] and other["catalog_track_id"] is None
    assert api.headers["x-tracktion-matched"] == "1"


def test_beatport_refusing_still_answers_with_a_clear_note(api, catalog_env: CatalogServer):
    catalog_env.refuse_beatport = True

    status, body = api(
        "GET",
        "/api/v1/tracklists/catalog/search",
        "/api/v1/tracklists/catalog/search",
        query={"query": "anything at all"},
    )

    assert status == 200
    notes = {n["provider"]: n for n in notes_of(api)}
    assert notes["beatport"]["status"] == "refused" and "403" in notes["beatport"]["message"]
    assert notes["beatport"]["type"] == "provider_unavailable"
    assert body  # MusicBrainz still answered
    for r in body:
        assert_search_result(r)


def test_beatport_not_configured_is_a_note_not_an_error(api, monkeypatch):
    monkeypatch.setenv("BEATPORT_CREDENTIALS_PARAM", "/tracktion/test/nothing-here")

    status, body = api("GET", "/api/v1/search/tracks", "/api/v1/search/tracks", query={"q": "harbour"})

    assert status == 200
    assert {n["provider"]: n["status"] for n in body["notes"]} == {"beatport": "not_configured"}


def test_search_tracks_filters_by_bpm_key_and_genre(api, catalog_env: CatalogServer):
    q = "strobe" if catalog_env.real else "harbour"

    status, everything = api("GET", "/api/v1/search/tracks", "/api/v1/search/tracks", query={"q": q})
    bp = [t for t in everything["tracks"] if t["source"] == "beatport"]
    target = bp[0]
    status, narrowed = api(
        "GET",
        "/api/v1/search/tracks",
        "/api/v1/search/tracks",
        query={
            "q": q,
            "bpm_min": str(target["bpm"] - 1),
            "bpm_max": str(target["bpm"] + 1),
            "key": target["camelot"],
            "genre": target["genre"].split()[0],
        },
    )

    assert status == 200
    assert narrowed["tracks"] and all(
        t["bpm"] == target["bpm"] and t["camelot"] == target["camelot"] for t in narrowed["tracks"]
    )
    assert set(narrowed["tracks"][0]) >= {
        "id",
        "title",
        "artist",
        "remixers",
        "label",
        "genre",
        "bpm",
        "key",
        "duration",
        "preview_url",
        "source",
    }


def test_search_tracks_bad_inputs_are_4xx(api):
    assert (
        api("GET", "/api/v1/search/tracks", "/api/v1/search/tracks", query={"q": "x", "key": "Z minor"})[0]
        == 400
    )
    assert (
        api("GET", "/api/v1/search/tracks", "/api/v1/search/tracks", query={"q": "x", "limit": "1000"})[0]
        == 422
    )
    assert api("GET", "/api/v1/search/tracks", "/api/v1/search/tracks", query={})[0] == 422
    assert (
        api("GET", "/api/v1/tracklists/catalog/search", "/api/v1/tracklists/catalog/search", query={})[0]
        == 400
    )


def test_match_to_catalog_stores_confident_matches_and_fills_bpm_and_key(api, catalog_env: CatalogServer):
    if catalog_env.real:
        artist, title, bpm, key = "deadmau5", "Strobe (Layton Giordani Extended Remix)", 128, "Ab Minor"
    else:
        artist, title, bpm, key = "Solenoid", "Harbour Lights (Kessler Remix)", 124, "F# Minor"
    body = {
        "title": "To match",
        "tracks": [
            {"artist": artist, "title": title, "start_time": 0},
            {"artist": "ID", "title": "ID", "start_time": 300},
            {"artist": "Nobody Known", "title": "Unreleased Dubplate", "start_time": 600, "bpm": 140},
        ],
    }
    status, tl = api("POST", "/api/v1/tracklists/manual", "/api/v1/tracklists/manual", body)
    tid = tl["tracklist_id"]

    status, out = api(
        "POST",
        f"/api/v1/tracklists/{tid}/tracks/match-to-catalog",
        "/api/v1/tracklists/{tracklist_id}/tracks/match-to-catalog",
        query={"threshold": "0.8"},
    )

    assert status == 200 and isinstance(out, list) and api.headers["x-tracktion-matched"] == "1"
    first, unknown, unmatched = out
    assert first["catalog_track_id"].startswith("beatport:") and first["bpm"] == bpm and first["key"] == key
    assert first["match_confidence"] >= 0.8 and first["matched"] is True
    assert unknown["catalog_track_id"] is None and unknown["matched"] is False
    assert unmatched["catalog_track_id"] is None and unmatched["bpm"] == 140
    assert api.headers["x-tracklist-version"] == "2"

    # The match is remembered: with Beatport gone, the own catalog still finds it.
    catalog_env.refuse_beatport = True
    status, found = api(
        "GET",
        "/api/v1/tracklists/catalog/search",
        "/api/v1/tracklists/catalog/search",
        query={"artist": artist, "title": title.split(" (")[0]},
    )
    assert any(t["catalog_track_id"] == first["catalog_track_id"] and t["bpm"] == bpm for t in found)


def test_musicbrainz_only_configuration(api, monkeypatch):
    monkeypatch.setenv("CATALOG_PROVIDERS", "musicbrainz")

    status, body = api(
        "GET",
        "/api/v1/tracklists/catalog/search",
        "/api/v1/tracklists/catalog/search",
        query={"query": "anything"},
    )

    assert status == 200 and api.headers["x-catalog-providers"] == "musicbrainz"
    assert body and all(t["source"] == "musicbrainz" for t in body)


def test_the_reference_catalog_examples_answer_arrays_of_the_documented_shape(api):
    status, found = api(
        "GET",
        "/api/v1/tracklists/catalog/search",
        "/api/v1/tracklists/catalog/search",
        query={"query": "example", "artist": "Artist", "title": "Title", "limit": "10"},
    )
    assert status == 200 and isinstance(found, list) and len(found) <= 10
    for r in found:
        assert_search_result(r)
    assert [r["confidence"] for r in found] == sorted((r["confidence"] for r in found), reverse=True)

    body = {
        "tracks": [
            {"position": 1, "artist": "Artist Name", "title": "Track Title", "start_time": "00:00:00"}
        ],
        "threshold": 0.7,
    }
    status, matched = api(
        "POST", "/api/v1/tracklists/catalog/match", "/api/v1/tracklists/catalog/match", body
    )
    assert status == 200 and isinstance(matched, list) and len(matched) == 1
    track = matched[0]
    for name in (
        "position",
        "artist",
        "title",
        "start_time",
        "catalog_track_id",
        "is_manual_entry",
        "bpm",
        "key",
    ):
        assert name in track, name
    assert (track["position"], track["artist"], track["title"], track["start_time"]) == (
        1,
        "Artist Name",
        "Track Title",
        "00:00:00",
    )
    assert isinstance(track["catalog_track_id"], str | None) and isinstance(track["matched"], bool)
