"""Standard five-field cron as EventBridge Scheduler's cron(...)."""

from __future__ import annotations

import pytest

from tracktion.batch.cron import InvalidCron, to_scheduler


@pytest.mark.parametrize(
    ("cron", "scheduler"),
    [
        ("* * * * *", "cron(* * * * ? *)"),
        ("*/15 6-18 * * 1-5", "cron(*/15 6-18 ? * MON-FRI *)"),
        ("0 3 1 * *", "cron(0 3 1 * ? *)"),
        ("30 7 * * 0", "cron(30 7 ? * SUN *)"),
        ("30 7 * * 7", "cron(30 7 ? * SUN *)"),
        ("0 22 * * 5,6", "cron(0 22 ? * FRI,SAT *)"),
        ("0 22 * * fri-sat", "cron(0 22 ? * FRI-SAT *)"),
        ("0 12 * * 1-7", "cron(0 12 ? * MON-SAT,SUN *)"),
        ("0 0 1 jan *", "cron(0 0 1 JAN ? *)"),
        ("@daily", "cron(0 0 * * ? *)"),
        ("@weekly", "cron(0 0 ? * SUN *)"),
    ],
)
def test_standard_cron_becomes_the_scheduler_expression_that_fires_at_the_same_times(cron, scheduler):
    assert to_scheduler(cron) == scheduler


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("* * * *", "five fields"),
        ("60 * * * *", "outside 0-59"),
        ("* 24 * * *", "outside 0-23"),
        ("0 0 32 * *", "outside 1-31"),
        ("0 0 1 13 *", "outside 1-12"),
        ("0 0 * * 8", "outside 0-7"),
        ("0 0 1 * 1", "not both"),
        ("0 0 * * */2", "steps in day-of-week"),
        ("5-1 * * * *", "runs backwards"),
        ("*/0 * * * *", "positive number"),
        ("a * * * *", "not a number"),
    ],
)
def test_expressions_scheduler_cannot_say_the_same_way_are_refused_with_the_reason(cron, reason):
    with pytest.raises(InvalidCron) as refused:
        to_scheduler(cron)

    assert refused.value.status == 422
    assert reason in refused.value.details["reason"]
