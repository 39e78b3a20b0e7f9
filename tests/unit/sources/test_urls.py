"""Only https 1001tracklists URLs of known page kinds are accepted; one canonical spelling."""

from __future__ import annotations

import pytest

from tracktion.errors import InvalidUrl
from tracktion.sources.urls import PageKind, canonical_tracklist_url, dj_page, event_page, parse_page_url

CANONICAL = (
    "https://www.1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html"
)


@pytest.mark.parametrize(
    "url",
    [
        CANONICAL,
        "https://1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html",
        "https://WWW.1001Tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html?utm=x#top",
        "  https://www.1001tracklists.com:443/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html ",
        # as the reference's examples write them: no .html
        "https://1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05",
    ],
)
def test_tracklist_urls_are_canonicalised(url):
    assert canonical_tracklist_url(url) == CANONICAL


@pytest.mark.parametrize(
    "url",
    [
        "http://www.1001tracklists.com/tracklist/l3uw499/x.html",
        "http://127.0.0.1/tracklist/l3uw499/x.html",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/tracklist/l3uw499/x.html",
        "https://evil.example/tracklist/l3uw499/x.html",
        "https://www.1001tracklists.com.evil.example/tracklist/l3uw499/x.html",
        "https://user:pw@www.1001tracklists.com/tracklist/l3uw499/x.html",
        "https://www.1001tracklists.com:8443/tracklist/l3uw499/x.html",
        "file:///etc/passwd",
        "ftp://www.1001tracklists.com/tracklist/l3uw499/x.html",
        "https://www.1001tracklists.com/user/someone/index.html",
        "https://www.1001tracklists.com/dj/matroda/index.html",
        "https://1001.tl/l3uw499",
        "not a url",
        "",
        "https://www.1001tracklists.com/tracklist/l3uw499/../../etc/passwd",
    ],
)
def test_anything_else_is_invalid_url(url):
    with pytest.raises(InvalidUrl) as caught:
        canonical_tracklist_url(url)

    assert caught.value.status == 400
    assert caught.value.error_code == "INVALID_URL"


def test_page_kinds_and_ids():
    page = parse_page_url(CANONICAL)
    assert (page.kind, page.page_id, page.source_key) == (PageKind.TRACKLIST, "l3uw499", "1001tl:l3uw499")
    assert parse_page_url("https://www.1001tracklists.com/dj/matroda/index.html").kind is PageKind.DJ
    assert (
        parse_page_url("https://www.1001tracklists.com/source/hk9t6v/club-space-miami/index.html").kind
        is PageKind.EVENT
    )
    assert dj_page("Matroda").path == "/dj/matroda/index.html"
    assert event_page("hk9t6v/club-space-miami").path == "/source/hk9t6v/club-space-miami/index.html"
    with pytest.raises(InvalidUrl):
        dj_page("../../admin")
