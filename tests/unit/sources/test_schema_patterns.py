"""The request schemas' patterns promise no more than the code accepts.

schemathesis (tests/fuzz.py) draws requests from these patterns; each drawn value must pass the
check it mirrors, or the document would promise what the code refuses.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion.sources.urls import EVENT_SLUG_PATTERN, TRACKLIST_URL_PATTERN, event_page, tracklist_page
from tracktion.timeparse import MSF, parse_time
from tracktion.tracklists.editing import TIME_PATTERN


def _drawn(pattern: str) -> st.SearchStrategy[str]:
    # As schemathesis reads an ECMA pattern: `$` is the end of the text (no trailing newline).
    return st.from_regex(re.compile(pattern.removesuffix("$") + r"\Z"))


@settings(max_examples=300, deadline=None)
@given(_drawn(TRACKLIST_URL_PATTERN))
def test_every_url_the_pattern_allows_is_a_tracklist_page(url: str) -> None:
    assert tracklist_page(url).page_id


@settings(max_examples=300, deadline=None)
@given(_drawn(EVENT_SLUG_PATTERN))
def test_every_event_slug_the_pattern_allows_is_read(slug: str) -> None:
    assert event_page(slug).page_id


@settings(max_examples=300, deadline=None)
@given(_drawn(TIME_PATTERN))
def test_every_time_the_pattern_allows_reads_both_ways_within_48_hours(text: str) -> None:
    for reading in (None, MSF):
        seconds = parse_time(text, reading=reading) if reading else parse_time(text)
        assert seconds is not None and 0 <= seconds <= 48 * 3600


@pytest.mark.parametrize(
    "url",
    [
        "https://www.1001tracklists.com/tracklist/2abc3d4e/some-dj-at-some-place-2024-01-15.html",
        "https://1001tracklists.com/tracklist/12345/",
    ],
)
def test_the_documented_url_forms_match(url: str) -> None:
    assert re.match(TRACKLIST_URL_PATTERN, url)


@pytest.mark.parametrize(
    "url",
    [
        "http://www.1001tracklists.com/tracklist/12345/x.html",  # not https
        "https://evil.example/tracklist/12345/x.html",  # another host
        "https://www.1001tracklists.com/dj/someone/index.html",  # not a tracklist page
    ],
)
def test_the_pattern_refuses_what_the_code_refuses(url: str) -> None:
    assert not re.match(TRACKLIST_URL_PATTERN, url)
