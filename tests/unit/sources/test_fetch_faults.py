"""The fetcher against the local site's fault switch: each way the source breaks is an error
the batch retries (UpstreamError, SourceBlocked), never a page read as if it were whole."""

from __future__ import annotations

import httpx
import pytest

from local.source_site import OWN_PAGES, start_source_site
from tracktion.errors import SourceBlocked, UpstreamError
from tracktion.sources.fetch import SourceFetcher
from tracktion.sources.politeness import PolitenessBucket

KOLSCH = "/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"


@pytest.fixture
def site():
    server, base = start_source_site(OWN_PAGES)
    yield base
    server.shutdown()
    server.server_close()


def _fetch_with(site: str, budget: PolitenessBucket, fault: dict[str, object]) -> Exception | None:
    assert httpx.post(f"{site}/_local/fault", json={"path": KOLSCH, "times": 1, **fault}).status_code == 201
    fetcher = SourceFetcher(site, bucket=budget, read_timeout=0.5)
    try:
        fetcher.get(KOLSCH)
    except Exception as exc:
        return exc
    return None


def test_a_page_cut_mid_way_is_an_upstream_error_and_the_next_whole_page_reads(site, aws):
    budget = PolitenessBucket(interval_seconds=0)
    error = _fetch_with(site, budget, {"kind": "truncate"})
    assert isinstance(error, UpstreamError) and error.details["reason"] == "truncated"
    page = SourceFetcher(site, bucket=budget).get(KOLSCH)
    assert page.text.rstrip().endswith("</html>")


@pytest.mark.parametrize(
    ("fault", "kind", "code"),
    [
        ({"kind": "timeout", "delay": 2}, UpstreamError, "UPSTREAM_TIMEOUT"),
        ({"kind": "status", "status": 502}, UpstreamError, "UPSTREAM_ERROR"),
        ({"kind": "status", "status": 503}, SourceBlocked, "SOURCE_BLOCKED"),
    ],
)
def test_hung_and_failing_pages_are_errors_with_their_codes(site, aws, fault, kind, code):
    error = _fetch_with(site, PolitenessBucket(interval_seconds=0), fault)
    assert isinstance(error, kind) and error.error_code == code
    fired = httpx.delete(f"{site}/_local/fault").json()
    assert fired == [{"path": KOLSCH, "kind": fault["kind"], "hits": 1}]
