"""One request budget shared by every function: a DynamoDB token bucket with backoff after blocks."""

from __future__ import annotations

import pytest

from tracktion.errors import SourceBlocked
from tracktion.sources.blocks import SourceBusy
from tracktion.sources.politeness import PolitenessBucket


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)


def _bucket(clock, **kwargs):
    return PolitenessBucket(
        interval_seconds=kwargs.get("interval", 3),
        max_wait_seconds=kwargs.get("max_wait", 7),
        block_backoff_seconds=kwargs.get("backoff", 60),
        clock=clock.time,
        sleep=clock.sleep,
    )


def test_requests_at_the_same_moment_are_spaced_one_interval_apart(aws):
    clock = Clock()
    first, second = _bucket(clock), _bucket(clock)  # two functions, one shared item

    waits = [first.acquire(), second.acquire(), first.acquire()]

    assert waits == [0.0, 3.0, 6.0]
    assert clock.slept == [3.0, 6.0]


def test_a_caller_that_would_wait_too_long_gets_503_and_gives_its_turn_back(aws):
    clock = Clock()
    bucket = _bucket(clock, max_wait=4)
    bucket.acquire()
    bucket.acquire()  # waits 3 s

    with pytest.raises(SourceBusy) as caught:
        bucket.acquire()  # would wait 6 s

    assert caught.value.status == 503
    assert caught.value.retry_after == 6
    clock.now += 6
    assert bucket.acquire() == 0.0  # the refused turn was given back


def test_after_a_block_everyone_backs_off(aws):
    clock = Clock()
    bucket = _bucket(clock)
    bucket.acquire()

    assert bucket.record_block() == 60
    with pytest.raises(SourceBlocked) as caught:
        _bucket(clock).acquire()

    assert caught.value.retry_after == 60
    clock.now += 61
    assert _bucket(clock).acquire() == 0.0


def test_interval_comes_from_configuration(aws, monkeypatch):
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "1.5")

    assert PolitenessBucket().interval == 1.5
