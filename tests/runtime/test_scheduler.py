"""Schedules fire: Scheduler schedules created through the API, and the template's own schedules.

The scheduler polls a moto server (the embedded AWS) through the public Scheduler API, as the
runtime runs it; state machine targets start real executions there; function targets are
recorded by an in-process invoke (the Lambda service is tested on its own).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.scheduler import InvalidExpression, next_cron, start_scheduler
from local.template import Template

TEMPLATE = Path(__file__).resolve().parent / "template_ws.yaml"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
TICK_ARN = "arn:aws:lambda:us-east-1:123456789012:function:runtime-tick-test"


class Invocations:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any] | None:
        with self.lock:
            self.calls.append((function, event))
        return None

    def events_for(self, arn: str) -> list[Any]:
        with self.lock:
            return [event for fn, event in self.calls if fn == arn]


@pytest.fixture(scope="module")
def aws_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(aws_endpoint: str) -> Iterator[dict[str, Any]]:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=aws_endpoint, region_name="us-east-1")

    yield {"endpoint": aws_endpoint, "scheduler": client("scheduler"), "sfn": client("stepfunctions")}
    urllib.request.urlopen(
        urllib.request.Request(f"{aws_endpoint}/moto-api/reset", method="POST"), timeout=10
    )


def eventually(probe, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"nothing happened within {timeout} s")


def at(moment: datetime) -> str:
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def test_at_schedule_starts_the_state_machine_with_its_input_and_deletes_itself(aws) -> None:
    sfn = aws["sfn"]
    machine = sfn.create_state_machine(
        name="batch-import",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]

    def start_execution(arn: str, execution_input: str) -> None:
        sfn.start_execution(stateMachineArn=arn, input=execution_input)

    scheduler = start_scheduler(Template.load(TEMPLATE), aws["endpoint"], Invocations(), start_execution)
    try:
        aws["scheduler"].create_schedule(
            Name="nightly-batch",
            ScheduleExpression=at(datetime.now(UTC) + timedelta(seconds=2)),
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": machine, "RoleArn": ROLE, "Input": json.dumps({"batch_id": "b-1"})},
            ActionAfterCompletion="DELETE",
        )

        execution = eventually(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])[0]
        assert json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"]) == {
            "batch_id": "b-1"
        }
        eventually(lambda: not aws["scheduler"].list_schedules()["Schedules"])
    finally:
        scheduler.shutdown()


def test_schedule_in_its_own_timezone_invokes_the_function_in_its_group(aws) -> None:
    invoke = Invocations()
    scheduler = start_scheduler(Template.load(TEMPLATE), aws["endpoint"], invoke, lambda arn, text: None)
    try:
        aws["scheduler"].create_schedule_group(Name="batches")
        tokyo_soon = datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(seconds=2)
        aws["scheduler"].create_schedule(
            Name="tokyo-morning",
            GroupName="batches",
            ScheduleExpression=at(tokyo_soon),
            ScheduleExpressionTimezone="Asia/Tokyo",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": TICK_ARN, "RoleArn": ROLE, "Input": json.dumps({"k": "v"})},
        )

        assert eventually(lambda: invoke.events_for(TICK_ARN)) == [{"k": "v"}]
    finally:
        scheduler.shutdown()


def test_disabled_schedule_does_not_fire(aws) -> None:
    invoke = Invocations()
    aws["scheduler"].create_schedule(
        Name="paused",
        ScheduleExpression=at(datetime.now(UTC) - timedelta(seconds=1)),
        State="DISABLED",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": TICK_ARN, "RoleArn": ROLE, "Input": "{}"},
    )
    aws["scheduler"].create_schedule(
        Name="marker",
        ScheduleExpression=at(datetime.now(UTC) - timedelta(seconds=1)),
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": TICK_ARN, "RoleArn": ROLE, "Input": json.dumps({"marker": True})},
    )
    scheduler = start_scheduler(Template.load(TEMPLATE), aws["endpoint"], invoke, lambda arn, text: None)
    try:
        eventually(lambda: invoke.events_for(TICK_ARN))
        time.sleep(1.5)  # one more polling round
        assert invoke.events_for(TICK_ARN) == [{"marker": True}]
    finally:
        scheduler.shutdown()


def test_template_schedules_and_rules_fire_on_their_expressions(aws) -> None:
    # Sunday 2026-11-22 02:59:00 UTC, thirty seconds further on each polling round.
    ticks = iter(datetime(2026, 11, 22, 2, 59, tzinfo=UTC) + timedelta(seconds=30 * i) for i in range(10_000))
    invoke = Invocations()
    scheduler = start_scheduler(
        Template.load(TEMPLATE),
        aws["endpoint"],
        invoke,
        lambda arn, text: None,
        clock=lambda: next(ticks),
        interval=0.02,
    )
    try:
        eventually(lambda: len(invoke.events_for(TICK_ARN)) >= 4)
    finally:
        scheduler.shutdown()

    events = invoke.events_for(TICK_ARN)
    assert {"source": "template-schedule"} in events  # ScheduleV2 rate(1 minute) with Input
    assert {"source": "nightly-rule"} in events  # AWS::Events::Rule cron(0 3 * * ? *) with Input
    envelopes = [e for e in events if isinstance(e, dict) and e.get("detail-type") == "Scheduled Event"]
    assert envelopes and envelopes[0]["time"] == "2026-11-22T03:00:00Z"  # Schedule cron(0 3 ? * 1 *): Sunday


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 ? * MON-FRI *)", "2026-11-21T13:00:00+00:00", "2026-11-23T12:00:00+00:00"),
        ("cron(0 3 ? * 1 *)", "2026-11-21T00:00:00+00:00", "2026-11-22T03:00:00+00:00"),
        ("cron(0 9 ? * 2#1 *)", "2026-11-22T00:00:00+00:00", "2026-12-07T09:00:00+00:00"),
        ("cron(15 10 ? * 6L 2027)", "2026-11-22T00:00:00+00:00", "2027-01-29T10:15:00+00:00"),
        ("cron(0/20 * * * ? *)", "2026-11-22T08:05:00+00:00", "2026-11-22T08:20:00+00:00"),
        ("cron(0 8 L * ? *)", "2026-11-22T00:00:00+00:00", "2026-11-30T08:00:00+00:00"),
        ("cron(0 8 * * ? *)", "2026-11-22T09:00:00+01:00", "2026-11-23T08:00:00+01:00"),
    ],
)
def test_aws_cron_expressions_come_due_when_aws_would_fire_them(
    expression: str, after: str, expected: str
) -> None:
    assert next_cron(expression, datetime.fromisoformat(after)) == datetime.fromisoformat(expected)


def test_cron_for_a_past_year_never_comes_due_and_both_day_fields_are_refused() -> None:
    assert next_cron("cron(0 12 * * ? 2025)", datetime(2026, 11, 22, tzinfo=UTC)) is None
    with pytest.raises(InvalidExpression):
        next_cron("cron(0 12 1 * MON *)", datetime(2026, 11, 22, tzinfo=UTC))


# ---------------------------------------------------------------------- through `python -m local`
def test_runtime_fires_a_schedule_created_through_the_scheduler_api() -> None:
    from local.testing import start_runtime

    runtime = start_runtime(TEMPLATE, ["--parameter", "Stage=test"])
    try:
        runtime.aws_client("scheduler").create_schedule(
            Name="soon",
            ScheduleExpression=at(datetime.now(UTC) + timedelta(seconds=2)),
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": TICK_ARN, "RoleArn": ROLE, "Input": json.dumps({"marker": "soon"})},
            ActionAfterCompletion="DELETE",
        )
        dynamodb = runtime.aws_client("dynamodb")

        item = eventually(
            lambda: dynamodb.get_item(TableName="runtime-ticks-test", Key={"pk": {"S": "soon"}}).get("Item"),
            timeout=60,
        )

        assert json.loads(item["event"]["S"]) == {"marker": "soon"}
    finally:
        runtime.stop()
