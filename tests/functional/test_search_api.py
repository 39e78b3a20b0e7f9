"""The search function: site search with our pagination and filters, DJ and event pages, cache.

Runs the handler with real payload-2.0 events on moto, against a local copy of the site
(local/source_site.py serving tests/fixtures/1001tracklists) set as SOURCE_BASE_URL.
"""

from __future__ import annotations

import json

import pytest
from boto3.dynamodb.conditions import Attr

from local.source_site import OWN_PAGES, start_source_site
from tests.conftest import http_event, principal_ctx


@pytest.fixture
def source(aws, monkeypatch):
    server, base = start_source_site(OWN_PAGES)
    monkeypatch.setenv("SOURCE_BASE_URL", base)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    yield aws
    server.shutdown()
    server.server_close()


def call(lambda_context, path, route, query=None):
    from search_api.handler import lambda_handler

    event = http_event("GET", path, query=query, principal=principal_ctx(), route_key=route)
    res = lambda_handler(event, lambda_context)
    return res["statusCode"], json.loads(res["body"])


def search(lambda_context, **query):
    return call(lambda_context, "/api/v1/search", "GET /api/v1/search", {k: str(v) for k, v in query.items()})


def test_search_answers_a_page_of_results_and_then_serves_it_from_the_cache(source, lambda_context):
    status, first = search(lambda_context, query="Kolsch Sonar", limit=20)
    _, again = search(lambda_context, query="kolsch  sonar", limit=20)

    assert status == 200
    assert len(first["results"]) == 20
    assert first["results"][0]["page_id"] == "2k7xq9tb"
    assert first["results"][0]["url"].startswith("https://www.1001tracklists.com/tracklist/2k7xq9tb/")
    assert first["pagination"] == {"page": 1, "limit": 20, "has_more": True, "total_results": 32}
    assert first["cache_hit"] is False and first["cached"] is False
    assert first["correlation_id"] and first["response_time_ms"] >= 0
    assert again["cache_hit"] is True and again["results"] == first["results"]


def test_our_pages_are_windows_over_the_sites_thirty_row_pages(source, lambda_context):
    _, page1 = search(lambda_context, query="Kolsch Sonar", limit=20, page=1)
    _, page2 = search(lambda_context, query="Kolsch Sonar", limit=20, page=2)

    ids = [r["page_id"] for r in page1["results"] + page2["results"]]
    assert len(page2["results"]) == 12  # 10 from the site's first page, 2 from its second
    assert page2["pagination"]["has_more"] is False
    assert len(set(ids)) == 32


def test_date_range_filters_results(source, lambda_context):
    _, body = search(
        lambda_context, query="Kolsch Sonar", limit=30, start_date="2025-01-01", end_date="2025-12-31"
    )
    _, bad = search(lambda_context, query="Kolsch Sonar", start_date="2025-12-31", end_date="2025-01-01")

    assert [r["date"] for r in body["results"]] == ["2025-06-14"]
    assert bad["error_code"] == "INVALID_DATE_RANGE"


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
    assert [r["page_id"] for r in body["results"]] == ["2k7xq9tb", "c01fg01x"]
    assert body["dj_slug"] == "kolsch"


def test_event_page_lists_its_tracklists(source, lambda_context):
    status, body = call(
        lambda_context, "/api/v1/search/event/8f2k1c-sonar-festival", "GET /api/v1/search/event/{event_slug}"
    )

    assert status == 200
    assert len(body["results"]) == 2


def test_unknown_dj_is_404(source, lambda_context):
    status, body = call(lambda_context, "/api/v1/search/dj/nobody-at-all", "GET /api/v1/search/dj/{dj_slug}")

    assert (status, body["error_code"]) == (404, "SOURCE_PAGE_NOT_FOUND")
