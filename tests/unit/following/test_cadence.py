"""The follow cadence: hours for a set days old, weeks for a set months old, never faster for older."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracktion.following.cadence import interval_for, next_check, played_at
from tracktion.tracklists.model import Track, Tracklist

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _set(date: str | None, created_at: str = "2026-11-01T10:00:00Z") -> Tracklist:
    track = Track(position=1, artist="ID", title="ID", is_unidentified=True)
    return Tracklist(owner_id="u", title="t", date=date, created_at=created_at, tracks=[track])


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(hours=5), timedelta(hours=1)),
        (timedelta(days=2), timedelta(hours=3)),
        (timedelta(days=5), timedelta(hours=6)),
        (timedelta(days=10), timedelta(hours=12)),
        (timedelta(days=20), timedelta(days=1)),
        (timedelta(days=60), timedelta(days=3)),
        (timedelta(days=120), timedelta(weeks=1)),
        (timedelta(days=300), timedelta(weeks=2)),
        (timedelta(days=900), timedelta(weeks=4)),
    ],
)
def test_the_interval_grows_with_the_set_s_age(age: timedelta, expected: timedelta) -> None:
    assert interval_for(age) == expected


def test_a_set_days_old_is_checked_within_hours_and_one_months_old_within_weeks() -> None:
    days_old = next_check(_set("2026-11-27"), NOW)
    months_old = next_check(_set("2026-07-30"), NOW)

    assert days_old[1] <= timedelta(hours=12) and days_old[0] == NOW + days_old[1]
    assert timedelta(weeks=1) <= months_old[1] <= timedelta(weeks=4)


def test_the_interval_never_shrinks_as_the_set_ages() -> None:
    ages = [timedelta(hours=h) for h in range(0, 24 * 800, 7)]
    intervals = [interval_for(a) for a in ages]
    assert intervals == sorted(intervals)


def test_a_set_without_a_date_counts_from_when_it_was_stored_and_a_future_date_as_new() -> None:
    undated = _set(None, created_at="2026-11-29T12:00:00Z")
    assert played_at(undated) == datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert next_check(undated, NOW)[1] == timedelta(hours=3)
    assert next_check(_set("2027-01-01"), NOW)[1] == timedelta(hours=1)
    assert next_check(_set("not a date", created_at="2026-11-30T06:00:00Z"), NOW)[1] == timedelta(hours=1)
