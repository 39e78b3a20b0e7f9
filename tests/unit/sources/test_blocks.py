"""Block, challenge and error pages are recognised by the absence of real content, never stored."""

from __future__ import annotations

import pytest

from tests.conftest import OWN_FIXTURES, shared_fixture
from tracktion.errors import SourceBlocked
from tracktion.sources.blocks import EmptyTracklist, SourcePageNotFound
from tracktion.sources.listings import parse_results
from tracktion.sources.tracklists1001 import parse_tracklist
from tracktion.sources.urls import PageKind

OWN = OWN_FIXTURES / "1001tracklists"

# file, the kind of page we asked for, the reason the error names
SHARED_BLOCKS = [
    ("blocked_js-challenge-please-wait_2023.html", PageKind.TRACKLIST, "js_challenge"),
    ("blocked_js-challenge-please-wait_2022_reserialized.html", PageKind.TRACKLIST, "js_challenge"),
    ("blocked_ip-limited-overuse_search-url_2026_ip-redacted.html", PageKind.SEARCH, "ip_limited"),
    ("blocked_ip-limited-overuse_search-url_2026_ip-redacted.html", PageKind.TRACKLIST, "ip_limited"),
    # A search page or the front page where a tracklist was expected is not a tracklist either.
    ("search_sven-vath-time-warp-2024.html", PageKind.TRACKLIST, "unrecognised_page"),
    ("home_front-page_2022_reserialized.html", PageKind.TRACKLIST, "unrecognised_page"),
]
OWN_BLOCKS = [
    ("blocked_turnstile-challenge.html", PageKind.TRACKLIST, "turnstile"),
    ("blocked_please-wait.html", PageKind.TRACKLIST, "js_challenge"),
    ("blocked_ip-limited.html", PageKind.SEARCH, "ip_limited"),
    ("blocked_ip-limited.html", PageKind.TRACKLIST, "ip_limited"),
]


def _read(kind: PageKind, html: str):
    return parse_tracklist(html) if kind is PageKind.TRACKLIST else parse_results(html, kind)


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "kind", "reason"), SHARED_BLOCKS)
def test_real_block_pages_raise_source_blocked_with_retry_after(name, kind, reason):
    html = shared_fixture("1001tracklists", name).read_text(encoding="utf-8")

    with pytest.raises(SourceBlocked) as caught:
        _read(kind, html)

    assert caught.value.status == 503
    assert caught.value.error_code == "SOURCE_BLOCKED"
    assert caught.value.retry_after and caught.value.retry_after > 0
    assert caught.value.details["reason"] == reason


@pytest.mark.parametrize(("name", "kind", "reason"), OWN_BLOCKS)
def test_our_block_pages_raise_source_blocked(name, kind, reason):
    html = (OWN / name).read_text(encoding="utf-8")

    with pytest.raises(SourceBlocked) as caught:
        _read(kind, html)

    assert caught.value.details["reason"] == reason


@pytest.mark.realdata
def test_challenge_page_carrying_the_real_title_is_not_mistaken_for_the_tracklist():
    html = shared_fixture("1001tracklists", "blocked_js-challenge-please-wait_2023.html").read_text(
        encoding="utf-8"
    )
    assert "Bicep - NTS Radio 2022-06-16" in html  # the decoy: real title in <title> and og: tags

    with pytest.raises(SourceBlocked):
        parse_tracklist(html)


@pytest.mark.realdata
def test_successful_page_with_turnstile_markup_is_content_not_a_block():
    name = "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html"
    html = shared_fixture("1001tracklists", name).read_text(encoding="utf-8")
    assert "turnstile" in html.lower()

    assert len(parse_tracklist(html).tracks) == 52


def test_our_successful_page_with_turnstile_markup_is_content():
    html = (OWN / "tracklist_two-djs_cues_w-row_mashup_id-rows.html").read_text(encoding="utf-8")
    assert "cf-turnstile" in html

    assert parse_tracklist(html).tracks


@pytest.mark.realdata
@pytest.mark.parametrize("kind", [PageKind.TRACKLIST, PageKind.SEARCH, PageKind.DJ])
def test_real_missing_page_is_not_found_for_every_kind(kind):
    html = shared_fixture("1001tracklists", "error_page-does-not-exist_2025.html").read_text(encoding="utf-8")

    with pytest.raises(SourcePageNotFound) as caught:
        _read(kind, html)

    assert caught.value.status == 404


def test_our_missing_page_is_not_found():
    html = (OWN / "error_page-does-not-exist.html").read_text(encoding="utf-8")

    with pytest.raises(SourcePageNotFound):
        parse_tracklist(html)


def test_tracklist_page_without_rows_is_an_error_never_an_empty_tracklist():
    html = (OWN / "tracklist_empty.html").read_text(encoding="utf-8")

    with pytest.raises(EmptyTracklist) as caught:
        parse_tracklist(html)

    assert caught.value.status == 502
    assert caught.value.error_code == "EMPTY_TRACKLIST"


def test_arbitrary_html_is_a_block_not_content():
    with pytest.raises(SourceBlocked) as caught:
        parse_tracklist("<html><body><p>Hello</p></body></html>")

    assert caught.value.details["reason"] == "unrecognised_page"
