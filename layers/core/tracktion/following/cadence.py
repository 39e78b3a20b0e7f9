"""How often a followed tracklist is re-read: often while the set is fresh, rarely once it is old.

IDs of a set are mostly filled in by the site's users in the first days after it was played;
months later a change is rare. The set's age is counted from its date (the source's
`datePublished`, midnight UTC), or from when the tracklist was stored when the source gives no
date. The interval for each age (docs/batch.md, "Following"):

    age under 1 day    every hour          under 30 days    every day
    age under 3 days   every 3 hours       under 90 days    every 3 days
    age under 7 days   every 6 hours       under 180 days   every week
    age under 14 days  every 12 hours      under 365 days   every 2 weeks
                                           older            every 4 weeks
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracktion.tracklists.model import Tracklist

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# (age below, interval), in increasing age; the last interval holds for every older set.
CADENCE: tuple[tuple[timedelta, timedelta], ...] = (
    (DAY, HOUR),
    (3 * DAY, 3 * HOUR),
    (7 * DAY, 6 * HOUR),
    (14 * DAY, 12 * HOUR),
    (30 * DAY, DAY),
    (90 * DAY, 3 * DAY),
    (180 * DAY, 7 * DAY),
    (365 * DAY, 14 * DAY),
)
OLDEST_INTERVAL = 28 * DAY


def played_at(t: Tracklist) -> datetime:
    """When the set was played: its date, else when it was stored (both as UTC)."""
    if t.date:
        try:
            return datetime.fromisoformat(t.date[:10]).replace(tzinfo=UTC)
        except ValueError:
            pass
    created = datetime.fromisoformat(t.created_at.replace("Z", "+00:00"))
    return created if created.tzinfo else created.replace(tzinfo=UTC)


def interval_for(age: timedelta) -> timedelta:
    """The check interval for a set this old (a set dated in the future counts as new)."""
    for below, interval in CADENCE:
        if age < below:
            return interval
    return OLDEST_INTERVAL


def next_check(t: Tracklist, now: datetime) -> tuple[datetime, timedelta]:
    """When to check `t` next after a check at `now`, and the interval that gives."""
    interval = interval_for(now - played_at(t))
    return now + interval, interval
