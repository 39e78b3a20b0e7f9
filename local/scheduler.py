"""Schedules fire locally: the template's scheduled events and rules, and EventBridge Scheduler.

`start_scheduler(template, aws_endpoint, invoke, start_execution)` starts one background
thread that, every second,
  (a) fires the template's own schedules: functions' `Schedule` (an EventBridge rule) and
      `ScheduleV2` (a Scheduler schedule) events, and AWS::Events::Rule resources with a
      ScheduleExpression and Targets;
  (b) lists the EventBridge Scheduler schedules of every group through the embedded AWS's
      public API (boto3 `scheduler` on aws_endpoint: list_schedules + get_schedule) and fires
      each ENABLED one whose expression comes due in its ScheduleExpressionTimezone, within
      StartDate/EndDate. `at()` schedules fire once; ActionAfterCompletion DELETE removes them.
At start it also creates the template's AWS::Scheduler::ScheduleGroup and
AWS::Scheduler::Schedule resources in the embedded AWS, so code can create schedules in its
group and template schedules are listed like any other.

Expressions are AWS's: `cron(min hour day-of-month month day-of-week year)` (day-of-week 1-7 =
SUN-SAT, `?`, `L`, `W`, `#`), `rate(n minute|minutes|hour|hours|day|days)` (first firing one
period after creation or StartDate), `at(yyyy-mm-ddThh:mm:ss)`.

Targets: a state machine ARN → `start_execution(arn, input)`; a Lambda ARN → `invoke(arn,
event)` on a worker thread (asynchronous, as Scheduler and EventBridge invoke); the universal
target `arn:aws:scheduler:::aws-sdk:sfn:startExecution` → start_execution with its
StateMachineArn/Input. What each receives: a Scheduler target gets its Input verbatim (`{}`
when none); a rule target gets its Input, or EventBridge's "Scheduled Event" envelope.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import CroniterError, croniter

from local.template import Template

Invoke = Callable[[str, dict[str, Any]], dict[str, Any] | None]
StartExecution = Callable[[str, str], None]
Clock = Callable[[], datetime]

_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_SFN_START = "arn:aws:scheduler:::aws-sdk:sfn:startExecution"
_SEARCH_LIMIT = 2000  # croniter steps to find a year-restricted occurrence


class InvalidExpression(ValueError):
    """A schedule expression AWS would refuse."""


# ---------------------------------------------------------------------- expressions
def _aws_day(token: str) -> str:
    return str(int(token) - 1) if token.isdigit() else token


def _aws_dow(field_: str) -> str:
    """AWS day-of-week (1-7 = SUN-SAT, `6L`, `6#3`, `L`) in croniter's terms (0-6, `L5`, `5#3`)."""
    if field_ in ("?", "*"):
        return "*"
    if field_.upper() == "L":
        return "6"  # AWS: `L` alone is the last day of the week, Saturday
    out = []
    for part in field_.split(","):
        if part.upper().endswith("L"):
            out.append("L" + _aws_day(part[:-1]))
        elif "#" in part:
            day, nth = part.split("#", 1)
            out.append(f"{_aws_day(day)}#{nth}")
        else:
            base, slash, step = part.partition("/")
            out.append("-".join(_aws_day(t) for t in base.split("-")) + slash + step)
    return ",".join(out)


def _year_matches(field_: str, year: int) -> bool:
    if field_ in ("*", "?"):
        return True
    for part in field_.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            low, high = 1970, 2199
        elif "-" in base:
            low, high = (int(x) for x in base.split("-", 1))
        else:
            low = int(base)
            high = 2199 if step else low
        if low <= year <= high and (year - low) % int(step or 1) == 0:
            return True
    return False


def cron_to_croniter(expression: str) -> tuple[str, str]:
    """`cron(0 12 ? * MON-FRI *)` → (croniter expression, AWS year field)."""
    match = re.fullmatch(r"\s*cron\((.*)\)\s*", expression)
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        raise InvalidExpression(f"{expression!r}: AWS cron takes 6 fields (minute hour dom month dow year)")
    minute, hour, dom, month, dow, year = fields
    if dom != "?" and dow != "?":
        raise InvalidExpression(f"{expression!r}: one of day-of-month and day-of-week must be '?'")
    dom = "*" if dom == "?" else dom
    return f"{minute} {hour} {dom} {month} {_aws_dow(dow)}", year


def next_cron(expression: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after` (aware; its timezone is the schedule's)."""
    cron, year = cron_to_croniter(expression)
    try:
        iterator = croniter(cron, after)
    except CroniterError as exc:
        raise InvalidExpression(f"{expression!r}: {exc}") from exc
    for _ in range(_SEARCH_LIMIT):
        candidate: datetime = iterator.get_next(datetime)
        if _year_matches(year, candidate.year):
            return candidate
        if year.isdigit() and candidate.year > int(year):
            return None
    return None


def rate_seconds(expression: str) -> int:
    match = re.fullmatch(r"\s*rate\(\s*(\d+)\s+([a-z]+)\s*\)\s*", expression)
    if not match or match.group(2) not in _RATE_UNITS or int(match.group(1)) < 1:
        raise InvalidExpression(f"{expression!r}: expected rate(n minute(s)|hour(s)|day(s))")
    return int(match.group(1)) * _RATE_UNITS[match.group(2)]


def at_time(expression: str, tz: ZoneInfo) -> datetime:
    match = re.fullmatch(r"\s*at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)\s*", expression)
    if not match:
        raise InvalidExpression(f"{expression!r}: expected at(yyyy-mm-ddThh:mm:ss)")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=tz)


# ---------------------------------------------------------------------- one schedule
@dataclass
class Schedule:
    """One thing that fires: where it came from, when, and what it does."""

    key: str  # stable identity: the schedule ARN, or "template:<LogicalId>:<event>"
    expression: str
    timezone: str = "UTC"
    targets: list[dict[str, Any]] = field(default_factory=list)  # {"Arn", "Input"?}
    envelope: bool = False  # EventBridge rules send the Scheduled Event envelope without Input
    anchor: datetime | None = None  # creation / StartDate: rate() counts from here
    start: datetime | None = None
    end: datetime | None = None
    delete_after: bool = False
    name: str = ""
    group: str = ""
    next_due: datetime | None = None
    done: bool = False

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone or "UTC")
        except (KeyError, ValueError):
            return ZoneInfo("UTC")

    def first_due(self, now: datetime) -> datetime | None:
        expr = self.expression.strip()
        if expr.startswith("at("):
            return at_time(expr, self.zone())
        base = max(x for x in (now, self.start) if x is not None)
        if expr.startswith("rate("):
            period = timedelta(seconds=rate_seconds(expr))
            anchor = self.anchor or self.start or now
            steps = max(1, int((base - anchor) / period) + 1)
            return anchor + steps * period
        return next_cron(expr, base.astimezone(self.zone()))

    def following(self, due: datetime, now: datetime) -> datetime | None:
        expr = self.expression.strip()
        if expr.startswith("at("):
            return None
        if expr.startswith("rate("):
            period = timedelta(seconds=rate_seconds(expr))
            following = due + period
            while following <= now:  # a stalled loop does not replay missed periods
                following += period
            return following
        return next_cron(expr, max(due, now).astimezone(self.zone()))


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    with contextlib.suppress(ValueError):
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def template_schedules(template: Template) -> list[Schedule]:
    """The template's own scheduled events and rules (fired without going through moto)."""
    found: list[Schedule] = []
    for logical_id, res in template.of_type("AWS::Serverless::Function").items():
        arn = template.arn(logical_id)
        for event_name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            kind, props = (event or {}).get("Type"), template.resolve((event or {}).get("Properties") or {})
            if kind == "Schedule":
                enabled = (
                    props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
                )
                if enabled and props.get("Schedule"):
                    target = {"Arn": arn, **({"Input": props["Input"]} if "Input" in props else {})}
                    found.append(
                        Schedule(
                            f"template:{logical_id}:{event_name}",
                            str(props["Schedule"]),
                            targets=[target],
                            envelope=True,
                            name=event_name,
                        )
                    )
            elif kind == "ScheduleV2" and props.get("State", "ENABLED") != "DISABLED":
                target = {"Arn": arn, **({"Input": props["Input"]} if "Input" in props else {})}
                found.append(
                    Schedule(
                        f"template:{logical_id}:{event_name}",
                        str(props["ScheduleExpression"]),
                        timezone=str(props.get("ScheduleExpressionTimezone") or "UTC"),
                        targets=[target],
                        start=_parse_time(props.get("StartDate")),
                        end=_parse_time(props.get("EndDate")),
                        name=event_name,
                    )
                )
    for logical_id, res in template.of_type("AWS::Events::Rule").items():
        props = template.resolve(res.get("Properties") or {})
        if not props.get("ScheduleExpression") or props.get("State", "ENABLED") == "DISABLED":
            continue
        targets = [{k: t[k] for k in ("Arn", "Input") if k in t} for t in props.get("Targets") or []]
        found.append(
            Schedule(
                f"template:{logical_id}",
                str(props["ScheduleExpression"]),
                targets=targets,
                envelope=True,
                name=logical_id,
            )
        )
    return found


# ---------------------------------------------------------------------- the loop
class Scheduler:
    """The running scheduler; `shutdown()` stops it (no firing after it returns)."""

    def __init__(
        self,
        template: Template,
        aws_endpoint: str,
        invoke: Invoke,
        start_execution: StartExecution,
        *,
        clock: Clock | None = None,
        interval: float = 1.0,
    ) -> None:
        self.template = template
        self.invoke = invoke
        self.start_execution = start_execution
        self.clock = clock or (lambda: datetime.now(UTC))
        self.interval = interval
        self._client = _scheduler_client(aws_endpoint, template.region)
        self._template_schedules = template_schedules(template)
        self._api: dict[str, Schedule] = {}
        self._fingerprints: dict[str, str] = {}
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="scheduler-fire")
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = self.clock()
            try:
                self._refresh_api_schedules(now)
            except Exception as exc:  # the embedded AWS is starting or stopping
                _log(f"listing schedules failed: {exc!r}")
            for schedule in [*self._template_schedules, *self._api.values()]:
                try:
                    self._tick(schedule, now)
                except InvalidExpression as exc:
                    _log(f"{schedule.key}: {exc}")
                    schedule.done = True
            self._stop.wait(self.interval)

    def _refresh_api_schedules(self, now: datetime) -> None:
        seen: set[str] = set()
        for page in self._client.get_paginator("list_schedules").paginate():
            for summary in page.get("Schedules", []):
                arn = str(summary["Arn"])
                seen.add(arn)
                # A summary carries State and LastModificationDate: details only when they change.
                fingerprint = json.dumps(
                    {k: summary.get(k) for k in ("State", "LastModificationDate", "CreationDate")},
                    default=str,
                    sort_keys=True,
                )
                if self._fingerprints.get(arn) == fingerprint:
                    continue
                self._fingerprints[arn] = fingerprint
                detail = self._client.get_schedule(
                    GroupName=summary.get("GroupName") or "default", Name=summary["Name"]
                )
                if detail.get("State", "ENABLED") != "ENABLED":
                    self._api.pop(arn, None)
                    continue
                self._api[arn] = Schedule(
                    key=arn,
                    expression=str(detail["ScheduleExpression"]),
                    timezone=str(detail.get("ScheduleExpressionTimezone") or "UTC"),
                    targets=[detail.get("Target") or {}],
                    anchor=_parse_time(detail.get("CreationDate")) or now,
                    start=_parse_time(detail.get("StartDate")),
                    end=_parse_time(detail.get("EndDate")),
                    delete_after=detail.get("ActionAfterCompletion") == "DELETE",
                    name=str(detail["Name"]),
                    group=str(detail.get("GroupName") or "default"),
                )
        for arn in set(self._api) - seen:
            del self._api[arn]
            self._fingerprints.pop(arn, None)

    def _tick(self, schedule: Schedule, now: datetime) -> None:
        if schedule.done:
            return
        if schedule.next_due is None:
            schedule.next_due = schedule.first_due(now)
            if schedule.next_due is None:
                schedule.done = True
                return
        due = schedule.next_due
        if due > now:
            return
        if schedule.end is not None and due > schedule.end:
            schedule.done = True
            return
        if schedule.start is None or due >= schedule.start:
            for target in schedule.targets:
                self._pool.submit(self._fire, schedule, target, due)
        schedule.next_due = schedule.following(due, now)
        if schedule.next_due is None:
            schedule.done = True
            if schedule.delete_after and schedule.name:
                with contextlib.suppress(Exception):
                    self._client.delete_schedule(GroupName=schedule.group or "default", Name=schedule.name)

    def _fire(self, schedule: Schedule, target: dict[str, Any], due: datetime) -> None:
        arn = str(target.get("Arn") or "")
        given = target.get("Input")
        if given is None and schedule.envelope:
            text = json.dumps(self._envelope(schedule, due))
        else:
            text = str(given) if given is not None else "{}"
        try:
            if arn == _SFN_START:
                params = json.loads(text)
                self.start_execution(str(params["StateMachineArn"]), str(params.get("Input") or "{}"))
            elif ":states:" in arn and ":stateMachine:" in arn:
                self.start_execution(arn, text)
            elif ":lambda:" in arn and ":function:" in arn:
                self.invoke(arn, json.loads(text))
            else:
                _log(f"{schedule.key}: target {arn} is not supported locally")
                return
            _log(f"{schedule.name or schedule.key} fired → {arn}")
        except Exception as exc:
            _log(f"{schedule.key}: firing {arn} failed: {exc!r}")

    def _envelope(self, schedule: Schedule, due: datetime) -> dict[str, Any]:
        t = self.template
        rule = schedule.key.split(":")[1] if schedule.key.startswith("template:") else schedule.name
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": t.account_id,
            "time": due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": t.region,
            "resources": [f"arn:aws:events:{t.region}:{t.account_id}:rule/{rule}"],
            "detail": {},
        }


def _scheduler_client(aws_endpoint: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "scheduler",
        endpoint_url=aws_endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the embedded AWS takes any credentials
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )


def _log(message: str) -> None:
    print(f"[scheduler] {message}", file=sys.stderr, flush=True)


def provision_schedules(template: Template, client: Any) -> None:
    """The template's schedule groups and schedules, created in the embedded AWS."""
    for logical_id in template.of_type("AWS::Scheduler::ScheduleGroup"):
        with contextlib.suppress(client.exceptions.ConflictException):
            client.create_schedule_group(Name=template.physical_name(logical_id))
    for logical_id, res in template.of_type("AWS::Scheduler::Schedule").items():
        props = template.resolve(res.get("Properties") or {})
        kwargs = {
            k: props[k]
            for k in (
                "GroupName",
                "ScheduleExpression",
                "ScheduleExpressionTimezone",
                "State",
                "Target",
                "FlexibleTimeWindow",
                "StartDate",
                "EndDate",
                "Description",
                "ActionAfterCompletion",
            )
            if k in props
        }
        kwargs.setdefault("FlexibleTimeWindow", {"Mode": "OFF"})
        with contextlib.suppress(client.exceptions.ConflictException):
            client.create_schedule(Name=str(props.get("Name") or logical_id), **kwargs)


def start_scheduler(
    template: Template,
    aws_endpoint: str,
    invoke: Invoke,
    start_execution: StartExecution,
    *,
    clock: Clock | None = None,
    interval: float = 1.0,
) -> Scheduler:
    """Create the template's schedule groups/schedules, then fire everything as it comes due."""
    scheduler = Scheduler(template, aws_endpoint, invoke, start_execution, clock=clock, interval=interval)
    provision_schedules(template, scheduler._client)
    scheduler.start()
    return scheduler
