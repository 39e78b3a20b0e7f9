"""Search result pages (with pagination) and DJ/event listing pages."""

from __future__ import annotations

import pytest

from tests.conftest import OWN_FIXTURES, shared_fixture
from tracktion.sources.listings import parse_results
from tracktion.sources.urls import PageKind

OWN = OWN_FIXTURES / "1001tracklists"

# file, rows, page, has_next, total_results, first row (page_id, title, date, identified, tracks, genres)
SHARED_SEARCHES = [
    (
        "search_sven-vath-time-warp-2024.html",
        30,
        True,
        1000,
        (
            "25fhn7c9",
            "Sven Väth @ Time Warp, Maimarkthalle Mannheim, Germany",
            "2024-10-25",
            42,
            52,
            ["Techno"],
        ),
    ),
    (
        "search_sven-vath-time-warp.html",
        30,
        True,
        1000,
        (
            "25fhn7c9",
            "Sven Väth @ Time Warp, Maimarkthalle Mannheim, Germany",
            "2024-10-25",
            42,
            52,
            ["Techno"],
        ),
    ),
    (
        "search_carl-cox-space-ibiza-2016.html",
        30,
        True,
        1000,
        (
            "2w9zldbk",
            "John Gibbons & Carl Cox @ POWER 137 (Terrace, Space Ibiza, Spain)",
            "2016-10-08",
            14,
            14,
            ["Techno"],
        ),
    ),
    (
        "search_amelie-lens-awakenings.html",
        30,
        True,
        807,
        (
            "1wwvw49t",
            "Amelie Lens @ Area W, Awakenings Festival, Netherlands",
            "2022-07-31",
            19,
            30,
            ["Techno"],
        ),
    ),
    (
        "search_no-such-set.html",
        30,
        True,
        1000,
        (
            "20hlnxc9",
            "Sunburn Festival - Official Aftermovie 2019",
            "2020-04-28",
            7,
            7,
            ["Progressive House", "Mainstage"],
        ),
    ),
    (
        "search_by-youtube-url_1-result.html",
        1,
        False,
        1,
        (
            "l3uw499",
            "Matroda @ Club Space Miami, United States",
            "2023-08-05",
            26,
            28,
            ["House", "Tech House"],
        ),
    ),
]


def _first(result):
    row = result.results[0]
    return (row.page_id, row.title, row.date, row.identified_count, row.track_count, row.genres)


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "rows", "has_next", "total", "first"), SHARED_SEARCHES)
def test_real_search_pages_parse_rows_and_pagination(name, rows, has_next, total, first):
    html = shared_fixture("1001tracklists", name).read_text(encoding="utf-8")

    result = parse_results(html, PageKind.SEARCH)

    assert len(result.results) == rows
    assert result.page == 1
    assert result.has_next is has_next
    assert result.total_results == total
    assert _first(result) == first
    assert all(r.url.startswith("https://www.1001tracklists.com/tracklist/") for r in result.results)
    assert len({r.page_id for r in result.results}) == rows


@pytest.mark.realdata
def test_real_search_without_results_is_an_empty_list_not_a_block():
    html = shared_fixture("1001tracklists", "search_by-youtube-url_no-result.html").read_text(
        encoding="utf-8"
    )

    result = parse_results(html, PageKind.SEARCH)

    assert result.results == []
    assert result.total_results == 0
    assert result.has_next is False


@pytest.mark.realdata
def test_real_front_page_lists_latest_tracklists_like_a_listing_page():
    html = shared_fixture("1001tracklists", "home_front-page_2022_reserialized.html").read_text(
        encoding="utf-8"
    )

    result = parse_results(html, PageKind.DJ)

    assert len(result.results) == 15
    assert result.results[0].page_id == "ugrj2xk"
    assert result.results[0].identified_count == 32
    assert result.results[0].track_count == 33


def test_our_search_pages_parse_two_pages_of_results():
    first = parse_results((OWN / "search_kolsch-sonar_page1.html").read_text(encoding="utf-8"))
    second = parse_results((OWN / "search_kolsch-sonar_page2.html").read_text(encoding="utf-8"))

    assert (len(first.results), first.page, first.has_next, first.total_results) == (30, 1, True, 32)
    assert (len(second.results), second.page, second.has_next, second.total_results) == (2, 2, False, 32)
    top = first.results[0]
    assert top.page_id == "2k7xq9tb"
    assert top.title == "Kölsch & Ann Clue @ Sónar Festival, Fira Montjuïc, Spain"
    assert top.djs == ["Kölsch & Ann Clue"]
    assert top.event == "Sónar Festival"
    assert top.genres == ["Techno", "Melodic House & Techno"]
    assert (top.identified_count, top.track_count, top.duration_seconds) == (4, 6, 3900.0)
    assert second.results[1].identified_count == 14  # "all/14"


def test_our_search_page_without_results():
    result = parse_results((OWN / "search_no-result.html").read_text(encoding="utf-8"))

    assert (result.results, result.total_results, result.has_next) == ([], 0, False)


def test_our_dj_page_lists_its_tracklists():
    result = parse_results((OWN / "dj_kolsch.html").read_text(encoding="utf-8"), PageKind.DJ)

    assert [r.page_id for r in result.results] == ["2k7xq9tb", "c01fg01x"]
    assert result.results[1].djs == ["Kölsch"]
    assert result.results[1].event == "Kompakt Radio"
