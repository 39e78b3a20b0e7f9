"""The search function: site search with our pagination and filters, DJ and event pages, cache.

Runs the handler with real payload-2.0 events on moto, against a local copy of the site
(local/source_site.py serving tests/fixtures/1001tracklists) set as SOURCE_BASE_URL.
"""

from __future__ import annotations

import re
import socket

import pytest
from boto3.dynamodb.conditions import Attr

from local.source_site import OWN_PAGES, start_source_site
from tests.conftest import principal_ctx, shared_fixture
from tests.gateway import invoke

# The reference's answer: every documented field of the answer, a result and its pagination.
DOCUMENTED = {"results", "pagination", "query_info", "cache_hit", "response_time_ms", "correlation_id"}
DOCUMENTED_RESULT = {
    "dj_name",
    "event_name",
    "date",
    "venue",
    "set_type",
    "url",
    "duration",
    "track_count",
    "genre",
    "scraped_at",
    "source_url",
}
DOCUMENTED_PAGINATION = {"page", "limit", "total_pages", "total_items", "has_next", "has_previous"}
SEARCH_URL = "https://www.1001tracklists.com/search/result.php?main_search={}&search_selection=9"


def _serve(directory, monkeypatch):
    server, base = start_source_site(directory)
    monkeypatch.setenv("SOURCE_BASE_URL", base)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    return server


@pytest.fixture
def source(aws, monkeypatch):
    server = _serve(OWN_PAGES, monkeypatch)
    yield aws
    server.shutdown()
    server.server_close()


@pytest.fixture
def real_source(aws, monkeypatch):
    """The local site serving the real search pages of ../shared/fixtures as well as ours."""
    directory = shared_fixture("1001tracklists", "search_sven-vath-time-warp.html").parent
    server = _serve(directory, monkeypatch)
    yield aws
    server.shutdown()
    server.server_close()


def call(lambda_context, path, route, query=None):
    res = invoke("GET", path, query=query, principal=principal_ctx(), context=lambda_context)
    assert res.route is not None and res.route.route_key == route, res.route
    return res.status, res.body


def search(lambda_context, **query):
    return call(lambda_context, "/api/v1/search", "GET /api/v1/search", {k: str(v) for k, v in query.items()})


def test_documented_example_request_answers_the_documented_shape(source, lambda_context):
    status, body = search(lambda_context, query="Armin van Buuren", search_type="dj", page=1, limit=10)

    assert status == 200
    assert set(body) >= DOCUMENTED
    assert body["results"] == []  # the local copy of the site knows no Armin van Buuren set
    assert body["pagination"] == {
        "page": 1,
        "limit": 10,
        "total_pages": 0,
        "total_items": 0,
        "has_next": False,
        "has_previous": False,
        "has_more": False,
        "total_results": 0,
        "total_exact": True,
    }
    assert body["query_info"] == {"query": "Armin van Buuren", "search_type": "dj", "filters_applied": []}
    assert body["cache_hit"] is False and isinstance(body["response_time_ms"], float)
    assert body["correlation_id"]


def test_search_answers_a_page_of_results_and_then_serves_it_from_the_cache(source, lambda_context):
    status, first = search(lambda_context, query="Kolsch Sonar", search_type="tracklist", limit=20)
    _, again = search(lambda_context, query="kolsch  sonar", search_type="tracklist", limit=20)

    assert status == 200
    assert len(first["results"]) == 20
    top = first["results"][0]
    assert set(top) >= DOCUMENTED_RESULT
    assert top["page_id"] == "2k7xq9tb"
    assert top["url"].startswith("https://www.1001tracklists.com/tracklist/2k7xq9tb/")
    assert (top["dj_name"], top["event_name"], top["venue"], top["country"]) == (
        "Kölsch & Ann Clue",
        "Sónar Festival",
        "Fira Montjuïc",
        "Spain",
    )
    assert (top["date"], top["set_type"], top["duration"], top["duration_seconds"]) == (
        "2025-06-14",
        "DJ Set",
        "1:05:00",
        3900.0,
    )
    assert (top["track_count"], top["identified_count"]) == (6, 4)
    assert (top["genre"], top["genres"]) == (
        "Techno, Melodic House & Techno",
        ["Techno", "Melodic House & Techno"],
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", top["scraped_at"])
    assert top["source_url"] == SEARCH_URL.format("kolsch+sonar")
    assert first["pagination"] == {
        "page": 1,
        "limit": 20,
        "total_pages": 2,
        "total_items": 32,
        "has_next": True,
        "has_previous": False,
        "has_more": True,
        "total_results": 32,
        "total_exact": True,
    }
    assert first["query_info"] == {"query": "Kolsch Sonar", "search_type": "tracklist", "filters_applied": []}
    assert first["cache_hit"] is False and first["cached"] is False
    assert first["correlation_id"] and first["response_time_ms"] >= 0
    assert again["cache_hit"] is True and again["results"] == first["results"]


def test_dj_search_is_the_default_and_keeps_only_sets_by_a_dj_of_that_name(real_source, lambda_context):
    _, default = search(lambda_context, query="Sven Vath Time Warp", limit=30)
    _, typed = search(lambda_context, query="Sven Vath Time Warp", search_type="dj", limit=30)

    assert default["query_info"]["search_type"] == "dj"
    assert default["results"] == typed["results"]
    djs = {r["dj_name"] for r in typed["results"]}
    assert djs == {"Sven Väth", "Sven Vath"}  # not Adam Beyer, Nina Kraviz... who played Time Warp
    assert len(typed["results"]) == 25
    # the site's second page has no rows: every match is counted, so the total is exact
    assert typed["pagination"]["total_items"] == 25 and typed["pagination"]["total_exact"] is True
    assert typed["pagination"]["total_results"] == 1000  # the site's own count for the words


def test_event_search_keeps_sets_at_an_event_or_venue_of_that_name(real_source, lambda_context):
    _, body = search(lambda_context, query="Sven Vath Time Warp", search_type="event", limit=30)

    ids = [r["page_id"] for r in body["results"]]
    assert "xhp03g9" not in ids  # Sven Väth @ 30 Years, Love Family Park Frankfurt: not Time Warp
    assert "bv3y93k" in ids  # Adam Beyer @ Drumcode Radio 823 (Floor 1, Time Warp, Germany)
    assert len(ids) == 29


def test_track_search_answers_the_sites_rows_and_says_they_are_not_checked(real_source, lambda_context):
    _, track = search(lambda_context, query="Sven Vath Time Warp", search_type="track", limit=30)
    _, everything = search(lambda_context, query="Sven Vath Time Warp", search_type="tracklist", limit=30)

    assert len(track["results"]) == 30 and track["results"] == everything["results"]
    assert [w["field"] for w in track["warnings"]] == ["search_type"]
    assert everything["warnings"] == []


def test_a_filtered_search_that_leaves_rows_unread_says_its_total_is_not_exact(real_source, lambda_context):
    _, first = search(lambda_context, query="Sven Vath Time Warp", search_type="dj", limit=10)

    # 11 matches on the site's first page answer page 1 and show there is a page 2
    assert first["pagination"]["has_next"] is True
    assert first["pagination"]["total_exact"] is False
    assert first["pagination"]["total_items"] >= 11


def test_the_scan_limit_is_named_in_warnings(real_source, lambda_context, monkeypatch):
    monkeypatch.setenv("SEARCH_MAX_SCAN_PAGES", "1")

    _, body = search(lambda_context, query="Amelie Lens Awakenings", search_type="event", limit=20)

    events = ["Area W", "Awakenings Festival Online Weekender", "Area Y", "Area V", "Area Y"]
    assert [r["event_name"] for r in body["results"]] == events
    assert body["pagination"]["total_items"] == 5 and body["pagination"]["total_exact"] is False
    assert [w["type"] for w in body["warnings"]] == ["scan_limit"]


@pytest.mark.parametrize("search_type", ["tracklist", "dj"])
def test_our_pages_are_windows_over_the_sites_thirty_row_pages(source, lambda_context, search_type):
    _, page1 = search(lambda_context, query="Kolsch Sonar", search_type=search_type, limit=20, page=1)
    _, page2 = search(lambda_context, query="Kolsch Sonar", search_type=search_type, limit=20, page=2)

    ids = [r["page_id"] for r in page1["results"] + page2["results"]]
    assert len(page2["results"]) == 12  # 10 from the site's first page, 2 from its second
    assert page2["pagination"]["has_more"] is False and page2["pagination"]["has_next"] is False
    assert page2["pagination"]["has_previous"] is True
    assert (page2["pagination"]["total_items"], page2["pagination"]["total_pages"]) == (32, 2)
    assert len(set(ids)) == 32
    assert page2["results"][-1]["source_url"] == SEARCH_URL.format("kolsch+sonar") + "&page=2"


def test_limit_is_one_to_a_hundred(source, lambda_context):
    status, body = search(lambda_context, query="Kolsch Sonar", search_type="tracklist", limit=100)

    assert status == 200 and len(body["results"]) == 32
    assert search(lambda_context, query="Kolsch Sonar", limit=101)[0] == 422
    assert search(lambda_context, query="Kolsch Sonar", limit=0)[0] == 422


def test_date_range_filters_results(source, lambda_context):
    _, body = search(
        lambda_context, query="Kolsch Sonar", limit=30, start_date="2025-01-01", end_date="2025-12-31"
    )
    status, bad = search(lambda_context, query="Kolsch Sonar", start_date="2025-12-31", end_date="2025-01-01")

    assert [r["date"] for r in body["results"]] == ["2025-06-14"]
    assert body["query_info"]["filters_applied"] == ["start_date=2025-01-01", "end_date=2025-12-31"]
    assert (body["pagination"]["total_items"], body["pagination"]["total_exact"]) == (1, True)
    assert (status, bad["error_code"]) == (422, "VALIDATION_ERROR")
    assert bad["details"]["field"] == "start_date" and bad["details"]["reason"] == "INVALID_DATE_RANGE"


def test_search_without_results_is_an_empty_page(source, lambda_context):
    status, body = search(lambda_context, query="nothing matches this")

    assert status == 200
    assert body["results"] == [] and body["pagination"]["has_more"] is False


def test_blocked_search_answers_503_and_caches_nothing(source, lambda_context):
    from tracktion.storage.aws import table

    status, body = search(lambda_context, query="blocked search")

    assert (status, body["error_code"]) == (503, "SOURCE_BLOCKED")
    assert body["retry_after"] > 0
    cached = table(source["CACHE_TABLE"]).scan(FilterExpression=Attr("pk").begins_with("SRCQUERY#"))["Items"]
    assert cached == []


def test_invalid_search_parameters_are_422(source, lambda_context):
    short = search(lambda_context, query="k")
    bad_type = search(lambda_context, query="Kolsch", search_type="label")
    bad_limit = search(lambda_context, query="Kolsch", limit=500)

    assert {short[0], bad_type[0], bad_limit[0]} == {422}


def test_dj_page_lists_its_tracklists(source, lambda_context):
    status, body = call(lambda_context, "/api/v1/search/dj/kolsch", "GET /api/v1/search/dj/{dj_slug}")

    assert status == 200
    assert set(body) >= DOCUMENTED
    assert [r["page_id"] for r in body["results"]] == ["2k7xq9tb", "c01fg01x"]
    show = body["results"][1]
    assert set(show) >= DOCUMENTED_RESULT
    assert (show["dj_name"], show["event_name"], show["set_type"], show["duration"]) == (
        "Kölsch",
        "Kompakt Radio",
        "Mix",
        "0:58:00",
    )
    assert show["source_url"] == "https://www.1001tracklists.com/dj/kolsch/index.html"
    assert body["dj_slug"] == "kolsch"
    assert body["query_info"] == {"query": "kolsch", "search_type": "dj", "filters_applied": []}
    # the DJ page has no page list: its two rows are all there is
    assert {k: body["pagination"][k] for k in DOCUMENTED_PAGINATION} == {
        "page": 1,
        "limit": 20,
        "total_pages": 1,
        "total_items": 2,
        "has_next": False,
        "has_previous": False,
    }


def test_event_page_lists_its_tracklists(source, lambda_context):
    status, body = call(
        lambda_context,
        "/api/v1/search/event/8f2k1c-sonar-festival",
        "GET /api/v1/search/event/{event_slug}",
        {"page": "1", "limit": "1"},
    )

    assert status == 200
    assert len(body["results"]) == 1
    assert body["query_info"]["search_type"] == "event"
    assert body["pagination"]["total_items"] == 2 and body["pagination"]["has_next"] is True
    assert (
        body["results"][0]["source_url"]
        == "https://www.1001tracklists.com/source/8f2k1c/sonar-festival/index.html"
    )


def test_unknown_dj_is_404(source, lambda_context):
    status, body = call(lambda_context, "/api/v1/search/dj/nobody-at-all", "GET /api/v1/search/dj/{dj_slug}")

    assert (status, body["error_code"]) == (404, "SOURCE_PAGE_NOT_FOUND")


def test_a_source_that_cannot_be_reached_is_search_failed(aws, lambda_context, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SOURCE_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")

    status, body = search(lambda_context, query="Kolsch Sonar")

    assert (status, body["error_code"]) == (502, "SEARCH_FAILED")
    assert set(body) == {"error", "error_code", "correlation_id", "details", "retry_after"}
