"""Beatport's quirks, its throttling and our politeness, against the local stand-in (the real httpx
client and transport; moto holds the shared budget, the token and the cache).

Quirks: `next` without a scheme, `page` as "N/M", a 301 to the slashed path, `{"detail": "Not
found."}`, the list envelope, search answers keyed by type. Politeness: one budget shared by
every provider instance, full-jitter backoff, Retry-After honoured.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import httpx
import pytest

from tests.catalog_server import CatalogServer
from tracktion.catalog import transport
from tracktion.catalog.transport import ProviderUnavailable, request_json
from tracktion.errors import NotFound

pytest_plugins = ["tests.catalog_server.fixtures"]  # catalog_server, catalog_env


def provider():
    from tracktion.catalog.beatport import BeatportProvider

    return BeatportProvider()


def catalog():
    from tracktion.catalog.beatport_catalog import BeatportCatalog

    return BeatportCatalog()


def artist_id(site: CatalogServer) -> int:
    return int(site.recorded("catalog_artist_detail.json")["id"])


def test_a_path_without_its_slash_is_followed_through_the_301(catalog_env: CatalogServer) -> None:
    bp = provider()
    ident = artist_id(catalog_env)
    data = request_json(
        bp.http,
        "GET",
        f"{bp.base_url}/catalog/artists/{ident}",
        provider="beatport",
        headers=bp.auth.headers(),
    )
    assert data["id"] == ident
    paths = catalog_env.paths("/v4/catalog/artists/")
    assert paths == [f"/v4/catalog/artists/{ident}", f"/v4/catalog/artists/{ident}/"]


def test_our_own_requests_always_carry_the_slash(catalog_env: CatalogServer) -> None:
    ident = artist_id(catalog_env)
    assert provider().get(f"catalog/artists/{ident}")["id"] == ident
    assert catalog_env.paths("/v4/catalog/artists/") == [f"/v4/catalog/artists/{ident}/"]


def test_a_redirect_to_another_host_is_refused() -> None:
    def elsewhere(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://evil.example/v4/catalog/tracks/1/"})

    with (
        httpx.Client(transport=httpx.MockTransport(elsewhere)) as http,
        pytest.raises(ProviderUnavailable) as err,
    ):
        request_json(http, "GET", "https://api.beatport.com/v4/catalog/tracks/1", provider="beatport")
    assert "redirected" in err.value.message


def test_not_found_body_is_an_unknown_id(catalog_env: CatalogServer) -> None:
    assert provider().get("catalog/tracks/1/") is None
    with pytest.raises(NotFound) as err:
        catalog().track(1)
    assert err.value.error_code == "RESOURCE_NOT_FOUND"


def test_list_envelope_with_page_string_and_schemeless_next(catalog_env: CatalogServer) -> None:
    recorded = catalog_env.recorded("catalog_artist_tracks.json")
    assert "://" not in recorded["next"] and "/" in recorded["page"]
    current, pages = (int(x) for x in recorded["page"].split("/"))

    page = catalog().artist_tracks(artist_id(catalog_env), 1, recorded["per_page"])

    assert page["pagination"]["page"] == current and page["pagination"]["total_pages"] == pages
    assert page["pagination"]["total_items"] == recorded["count"] and page["pagination"]["has_next"]
    assert [t["id"] for t in page["results"]] == [t["id"] for t in recorded["results"]]
    # The provider follows that scheme-less `next`, on our host.
    followed = list(
        provider().pages(
            f"catalog/artists/{artist_id(catalog_env)}/tracks/", limit=len(recorded["results"]) + 1
        )
    )
    assert len(followed) == len(recorded["results"]) + 1
    second = [r for r in catalog_env.requests if r["query"].get("page") == "2"]
    assert second and second[-1]["path"] == f"/v4/catalog/artists/{artist_id(catalog_env)}/tracks/"


def test_search_answers_are_keyed_by_type(catalog_env: CatalogServer) -> None:
    artist = catalog_env.recorded("catalog_artist_detail.json")
    label = catalog_env.recorded("catalog_label_detail.json")

    artists = catalog().search(artist["name"], "artists")
    labels = catalog().search(label["name"], "labels")
    releases = catalog().search("", "releases", label_id=label["id"])

    assert artist["id"] in [a["id"] for a in artists["results"]]
    assert all(a["entity"] == "artist" for a in artists["results"])
    assert label["id"] in [x["id"] for x in labels["results"]]
    assert releases["results"] and all(r["label"]["id"] == label["id"] for r in releases["results"])
    searches = [r for r in catalog_env.requests if r["path"] == "/v4/catalog/search/"]
    assert [r["query"]["type"] for r in searches] == ["artists", "labels", "releases"]


def test_answers_are_cached_and_say_so(catalog_env: CatalogServer) -> None:
    ident = artist_id(catalog_env)
    first, second = catalog().artist(ident), catalog().artist(ident)
    assert (first["cache_hit"], second["cache_hit"]) == (False, True)
    assert first["item"] == second["item"]
    assert catalog_env.paths("/v4/catalog/artists/") == [f"/v4/catalog/artists/{ident}/"]


def test_one_budget_spaces_requests_of_every_instance(catalog_env: CatalogServer, monkeypatch) -> None:
    monkeypatch.setenv("BEATPORT_MIN_INTERVAL_SECONDS", "0.3")
    ident = artist_id(catalog_env)
    instances = [provider() for _ in range(6)]  # six cold starts, one budget
    errors: list[BaseException] = []

    def ask(bp: Any) -> None:
        try:
            bp.get(f"catalog/artists/{ident}/")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(bp,)) for bp in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    times = sorted(r["time"] for r in catalog_env.requests if r["path"].startswith("/v4/catalog/"))
    assert len(times) == 6
    assert_spaced(times, 0.3)


# Turns are granted exactly `interval` apart; what the stand-in sees adds each request's own
# latency between its turn and its arrival (threads, a busy machine), bounded by LATENCY.
LATENCY = 0.15


def assert_spaced(times: list[float], interval: float) -> None:
    """Any k+1 requests span at least k intervals (less one request's latency)."""
    for i, j in itertools.combinations(range(len(times)), 2):
        assert times[j] - times[i] >= (j - i) * interval - LATENCY, (i, j, times)


def test_retry_after_holds_the_shared_budget_then_the_request_succeeds(catalog_env: CatalogServer) -> None:
    ident = artist_id(catalog_env)
    catalog_env.fail("/v4/catalog/artists/", 429, times=1, retry_after="1")

    assert provider().get(f"catalog/artists/{ident}/")["id"] == ident

    times = [r["time"] for r in catalog_env.requests if r["path"].startswith("/v4/catalog/artists/")]
    assert len(times) == 2 and times[1] - times[0] >= 0.95


def test_retry_after_longer_than_we_may_wait_is_503_catalog_unavailable(
    catalog_env: CatalogServer, monkeypatch
) -> None:
    from tracktion.catalog.beatport_catalog import CatalogUnavailable

    monkeypatch.setenv("BEATPORT_MAX_WAIT_SECONDS", "2")
    catalog_env.fail("/v4/catalog/labels/", 429, times=1, retry_after="40")
    label = catalog_env.recorded("catalog_label_detail.json")["id"]

    with pytest.raises(CatalogUnavailable) as err:
        catalog().label(label)
    assert err.value.status == 503 and err.value.error_code == "CATALOG_UNAVAILABLE"
    assert 38 <= (err.value.retry_after or 0) <= 40
    # Every function respects it: another request does not reach Beatport meanwhile.
    with pytest.raises(CatalogUnavailable):
        catalog().artist(artist_id(catalog_env))
    assert catalog_env.paths("/v4/catalog/artists/") == []


def test_5xx_retries_with_jitter_then_503_with_retry_after(catalog_env: CatalogServer) -> None:
    from tracktion.catalog.beatport_catalog import CatalogUnavailable

    catalog_env.fail("/v4/catalog/genres/", 503, times=3, retry_after=None)
    with pytest.raises(CatalogUnavailable) as err:
        catalog().genres(1, 100)
    assert err.value.retry_after == transport.DEFAULT_RETRY_AFTER
    assert err.value.details["reason"] == "unavailable"
    assert len(catalog_env.paths("/v4/catalog/genres/")) == 3


def test_without_a_budget_retry_after_is_slept_or_answered(catalog_env: CatalogServer, monkeypatch) -> None:
    monkeypatch.setenv("CATALOG_MAX_BACKOFF_SECONDS", "2")
    slept: list[float] = []
    url = f"{catalog_env.musicbrainz_url}/recording/"
    headers = {"User-Agent": "Tracktion-tests/0.1 ( tests@tracktion.invalid )"}
    catalog_env.fail("/ws/2/recording", 429, times=1, retry_after="1.5")
    with httpx.Client() as http:
        assert request_json(http, "GET", url, provider="musicbrainz", headers=headers, sleep=slept.append)
        assert slept == [1.5]
        catalog_env.fail("/ws/2/recording", 429, times=1, retry_after="30")
        with pytest.raises(ProviderUnavailable) as err:
            request_json(http, "GET", url, provider="musicbrainz", headers=headers, sleep=slept.append)
    assert err.value.retry_after == 30 and slept == [1.5]  # not retried sooner than told


@pytest.mark.parametrize("attempt", [0, 1, 2, 5, 10])
def test_full_jitter_stays_within_the_capped_exponential(attempt: int) -> None:
    waits = [transport.full_jitter(attempt, 2.0) for _ in range(200)]
    ceiling = min(2.0, transport.BACKOFF_BASE_SECONDS * 2**attempt)
    assert all(0 <= w <= ceiling for w in waits) and max(waits) > ceiling / 4


def test_details_are_cached_longer_than_lists(catalog_env: CatalogServer) -> None:
    import boto3

    from tracktion.clock import epoch
    from tracktion.config import CatalogSettings, get, settings

    ident = artist_id(catalog_env)
    catalog().artist(ident)
    catalog().artist_tracks(ident, 1, 5)

    table = boto3.resource("dynamodb", region_name="us-east-1").Table(settings().cache_table)
    items = [i for i in table.scan()["Items"] if str(i["pk"]).startswith("CATALOG#beatport#")]
    left = {str(i["pk"]).split("#")[2]: int(i["expires_at"]) - epoch() for i in items}
    config = get(CatalogSettings)
    assert abs(left["artists"] - config.cache_detail_ttl_seconds) <= 5
    assert abs(left["tracks-list"] - config.cache_list_ttl_seconds) <= 5
    assert config.cache_detail_ttl_seconds > config.cache_list_ttl_seconds
