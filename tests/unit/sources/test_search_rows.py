"""A result row as the reference shows it: title parts, "H:MM:SS" durations, the documented fields."""

from __future__ import annotations

import pytest

from tracktion.sources.listings import TracklistSummary, title_parts
from tracktion.sources.search import hmm_ss, result_item


@pytest.mark.parametrize(
    ("title", "who", "event", "venue", "country", "separator"),
    [
        (
            "Kölsch & Ann Clue @ Sónar Festival, Fira Montjuïc, Spain",
            "Kölsch & Ann Clue",
            "Sónar Festival",
            "Fira Montjuïc",
            "Spain",
            "@",
        ),
        ("Kölsch @ Sónar By Night, Spain", "Kölsch", "Sónar By Night", None, "Spain", "@"),
        (
            "Sven Väth @ Time Warp, Maimarkthalle Mannheim, Germany",
            "Sven Väth",
            "Time Warp",
            "Maimarkthalle Mannheim",
            "Germany",
            "@",
        ),
        (
            "John Gibbons & Carl Cox @ POWER 137 (Terrace, Space Ibiza, Spain)",
            "John Gibbons & Carl Cox",
            "POWER 137",
            "Terrace, Space Ibiza",
            "Spain",
            "@",
        ),
        (
            "Amelie Lens @ Area Y, Awakenings Festival, Netherlands (Be-At TV)",
            "Amelie Lens",
            "Area Y",
            "Awakenings Festival",
            "Netherlands",
            "@",
        ),
        (
            "Sven Väth @ BBC Radio 1 Dance Presents (Time Warp, Maimarkthalle Mannheim, Germany 2024-04-06)",
            "Sven Väth",
            "BBC Radio 1 Dance Presents",
            "Time Warp, Maimarkthalle Mannheim",
            "Germany",
            "@",
        ),
        ("Bicep - NTS Radio", "Bicep", "NTS Radio", None, None, "-"),
        ("Untitled mix", None, None, None, None, None),
    ],
)
def test_titles_split_into_who_event_venue_and_country(title, who, event, venue, country, separator):
    parts = title_parts(title)

    assert (parts.who, parts.event, parts.venue, parts.country, parts.separator) == (
        who,
        event,
        venue,
        country,
        separator,
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (7200, "2:00:00"),
        (3900.4, "1:05:00"),
        (3480, "0:58:00"),
        (0, "0:00:00"),
        (36 * 3600 + 1, "36:00:01"),
        (None, None),
    ],
)
def test_durations_are_h_mm_ss(seconds, text):
    assert hmm_ss(seconds) == text


def test_a_row_answers_every_documented_field_and_keeps_ours():
    row = TracklistSummary(
        page_id="abc123",
        url="https://www.1001tracklists.com/tracklist/abc123/x.html",
        title="Bicep - NTS Radio",
        date="2022-06-16",
        djs=["Bicep"],
        event="NTS Radio",
        genres=["Drum & Bass", "Electronica"],
        track_count=14,
        identified_count=14,
        duration_seconds=3712.0,
        scraped_at="2026-01-01T00:00:00Z",
    )

    item = result_item(row, "https://www.1001tracklists.com/dj/bicep/index.html")

    assert {k: item[k] for k in ("dj_name", "event_name", "venue", "set_type", "duration", "genre")} == {
        "dj_name": "Bicep",
        "event_name": "NTS Radio",
        "venue": None,
        "set_type": "Mix",
        "duration": "1:01:52",
        "genre": "Drum & Bass, Electronica",
    }
    assert (item["scraped_at"], item["source_url"]) == (
        "2026-01-01T00:00:00Z",
        "https://www.1001tracklists.com/dj/bicep/index.html",
    )
    assert (item["page_id"], item["djs"], item["genres"], item["duration_seconds"]) == (
        "abc123",
        ["Bicep"],
        ["Drum & Bass", "Electronica"],
        3712.0,
    )
