"""Recurring batches: an EventBridge Scheduler schedule that starts the BatchImport machine.

The schedule's definition (URLs, options, cron, timezone) is kept in BATCHES_TABLE at
pk=SCHED#{owner} sk=SCHED#{schedule_id}; the Scheduler schedule (group BATCH_SCHEDULE_GROUP)
passes only `{schedule_id, owner_id}` to the state machine, whose first task turns each
firing into a normal batch record (`start_scheduled_batch`), charged like any batch.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from tracktion.auth.principal import Principal
from tracktion.batch.cron import to_scheduler
from tracktion.batch.model import BatchItem, BatchOptions
from tracktion.batch.store import BatchStore
from tracktion.batch.submit import (
    BatchStartFailed,
    charge,
    execution_input,
    new_batch,
    state_machine_arn,
    unique_items,
)
from tracktion.clock import iso
from tracktion.config import BatchSettings, settings
from tracktion.config import get as setting
from tracktion.errors import NotFound, TracktionError, ValidationFailed
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client, table


class ScheduleNotFound(NotFound):
    def __init__(self, schedule_id: str) -> None:
        super().__init__(f"Schedule {schedule_id} not found", details={"schedule_id": schedule_id})


class InvalidTimezone(ValidationFailed):
    error_code = "INVALID_TIMEZONE"


class Schedule(Model):
    schedule_id: str = Field(default_factory=lambda: f"sch_{uuid.uuid4().hex}")
    owner_id: str
    tier: str = "free"
    name: str
    cron_expression: str
    scheduler_expression: str
    timezone: str = "UTC"
    priority: str = "normal"
    template: str | None = None
    options: BatchOptions = Field(default_factory=BatchOptions)
    items: list[BatchItem]
    created_at: str = Field(default_factory=iso)

    last_batch_id: str | None = None
    last_run_at: str | None = None
    runs: int = 0

    def public(self) -> dict[str, Any]:
        shown = self.model_dump(exclude={"owner_id", "tier", "items"})
        shown["urls"] = [i.url for i in self.items]
        shown["total_urls"] = len(self.items)
        return shown


def _table() -> Any:
    return table(settings().batches_table)


def _key(owner_id: str, schedule_id: str) -> dict[str, str]:
    return {"pk": f"SCHED#{owner_id}", "sk": f"SCHED#{schedule_id}"}


def _from_item(item: dict[str, Any]) -> Schedule:
    """The definition plus what its firings changed (kept outside the JSON body)."""
    schedule = Schedule.model_validate_json(item["body"])
    schedule.last_batch_id = item.get("last_batch_id")
    schedule.last_run_at = item.get("last_run_at")
    schedule.runs = int(item.get("runs", 0))
    return schedule


def _scheduler_name(schedule_id: str) -> str:
    return schedule_id  # sch_ + 32 hex: within Scheduler's 64 characters


def _group() -> str:
    return setting(BatchSettings).schedule_group


def create(
    principal: Principal,
    *,
    name: str,
    urls: list[str],
    cron_expression: str,
    timezone: str,
    priority: str,
    template: str | None,
    options: BatchOptions,
) -> Schedule:
    """Validate everything first, record the definition, then create the Scheduler schedule."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimezone(f"Unknown timezone {timezone!r}", details={"timezone": timezone[:64]}) from exc
    expression = to_scheduler(cron_expression)
    items, _duplicates = unique_items(urls)
    schedule = Schedule(
        owner_id=principal.user_id,
        tier=principal.tier,
        name=name,
        cron_expression=cron_expression,
        scheduler_expression=expression,
        timezone=timezone,
        priority=priority,
        template=template,
        options=options,
        items=items,
    )
    _table().put_item(
        Item={
            **_key(principal.user_id, schedule.schedule_id),
            "body": schedule.model_dump_json(exclude={"last_batch_id", "last_run_at", "runs"}),
            "owner_id": principal.user_id,
        },
        ConditionExpression="attribute_not_exists(pk)",
    )
    try:
        client("scheduler").create_schedule(
            Name=_scheduler_name(schedule.schedule_id),
            GroupName=_group(),
            ScheduleExpression=expression,
            ScheduleExpressionTimezone=timezone,
            FlexibleTimeWindow={"Mode": "OFF"},
            Description=f"Tracktion batch schedule {name}"[:512],
            State="ENABLED",
            Target={
                "Arn": state_machine_arn(),
                "RoleArn": setting(BatchSettings).scheduler_role_arn,
                "Input": json.dumps({"schedule_id": schedule.schedule_id, "owner_id": principal.user_id}),
                "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            },
        )
    except Exception as exc:
        # No definition without its schedule: a half-made schedule would list but never fire.
        _table().delete_item(Key=_key(principal.user_id, schedule.schedule_id))
        logger.exception("could not create schedule")
        raise BatchStartFailed("Schedule could not be created; try again later", retry_after=30) from exc
    return schedule


def get(owner_id: str, schedule_id: str) -> Schedule:
    item = _table().get_item(Key=_key(owner_id, schedule_id), ConsistentRead=True).get("Item")
    if not item:
        raise ScheduleNotFound(schedule_id)
    return _from_item(item)


def list_for_owner(
    owner_id: str, *, limit: int = 25, cursor: str | None = None
) -> tuple[list[Schedule], str | None]:
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": f"SCHED#{owner_id}", ":s": "SCHED#"},
        "Limit": max(1, min(limit, 100)),
    }
    scope = ddb.CursorScope("schedules", bound={"pk": f"SCHED#{owner_id}"}, attributes=("pk", "sk"))
    found, token = ddb.query_page(_table().query, scope, cursor, **kwargs)
    return [_from_item(i) for i in found], token


def delete(owner_id: str, schedule_id: str) -> None:
    """Remove the Scheduler schedule first (so it cannot fire again), then the definition."""
    get(owner_id, schedule_id)
    try:
        client("scheduler").delete_schedule(Name=_scheduler_name(schedule_id), GroupName=_group())
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code != "ResourceNotFoundException":
            raise
    _table().delete_item(Key=_key(owner_id, schedule_id))


def start_scheduled_batch(
    schedule_id: str, owner_id: str, batch_id: str, execution_arn: str
) -> dict[str, Any]:
    """A firing becomes a normal batch record; returns the Map's input.

    Idempotent per execution (the batch id derives from it). A firing over the owner's
    token allowance is recorded as a failed batch with no items, so the owner can see why.
    """
    store = BatchStore()
    existing = store.find(batch_id)
    if existing is not None:
        existing.items = store.items(batch_id)
        return execution_input(existing)
    try:
        schedule = get(owner_id, schedule_id)
    except ScheduleNotFound:
        # Deleted while its firing was on the way: an empty run that records nothing.
        logger.warning("schedule fired after its deletion", extra={"schedule_id": schedule_id})
        gone = new_batch(
            owner_id, [], priority="low", template=None, options=BatchOptions(), batch_id=batch_id
        )
        return execution_input(gone)
    batch = new_batch(
        owner_id,
        schedule.items,
        priority=schedule.priority,
        template=schedule.template,
        options=schedule.options,
        batch_id=batch_id,
        schedule_id=schedule_id,
    )
    batch.execution_arn = execution_arn
    refused: TracktionError | None = None
    try:
        charge(Principal(user_id=owner_id, tier=schedule.tier), len(schedule.items))
    except TracktionError as exc:
        refused = exc
    store.create(batch)
    _table().update_item(
        Key=_key(owner_id, schedule_id),
        UpdateExpression="SET last_batch_id = :b, last_run_at = :t ADD runs :one",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":b": batch_id, ":t": batch.created_at, ":one": 1},
    )
    if refused is not None:
        store.fail_to_start(batch_id, f"{refused.error_code}: {refused.message}")
        return {**execution_input(batch), "items": []}
    return execution_input(batch)
