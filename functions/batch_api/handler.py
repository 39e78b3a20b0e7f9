"""Batch imports, their schedules, and webhooks: /api/v1/batch*, /api/v1/webhooks*."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import ConfigDict, Field

from tracktion.api.principal import Principal, current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.batch import schedules, status, submit
from tracktion.batch.model import MAX_URLS_PER_BATCH, BatchTemplate, Priority, resolve_options
from tracktion.errors import Forbidden
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.webhooks import delivery, subscriptions
from tracktion.webhooks.subscriptions import WebhookEvent

app = make_app("batch")

Url = Annotated[str, Field(min_length=1, max_length=2048)]
BatchId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ItemId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class OptionsBody(Model):
    model_config = ConfigDict(extra="forbid")

    generate_cue: bool | None = None
    cue_format: str | None = Field(default=None, min_length=1, max_length=32)
    gap_handling: Literal["error", "estimate", "skip"] | None = None
    force_refresh: bool | None = None


class BatchBody(Model):
    model_config = ConfigDict(extra="forbid")

    urls: list[Url] = Field(min_length=1, max_length=MAX_URLS_PER_BATCH)
    priority: Priority = "normal"
    template: BatchTemplate | None = None
    options: OptionsBody | None = None


class ScheduleBody(BatchBody):
    name: str = Field(min_length=1, max_length=100)
    cron_expression: str = Field(min_length=9, max_length=120)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)


class WebhookBody(Model):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: list[WebhookEvent] = Field(min_length=1, max_length=3)
    description: str | None = Field(default=None, max_length=200)


def _writer() -> Principal:
    principal = current_principal(app)
    if not ({"write", "admin"} & principal.permissions):
        raise Forbidden("This key may only read", details={"required": "write"})
    return principal


def _options(body: BatchBody) -> Any:
    given = body.options.model_dump(exclude_none=True) if body.options else None
    return resolve_options(body.template, given)


@app.post("/api/v1/batch", status_code=202)
def create_batch(body: BatchBody) -> dict[str, Any]:
    batch = submit.submit(
        _writer(), body.urls, priority=body.priority, template=body.template, options=_options(body)
    )
    return status.created_view(batch)


@app.get("/api/v1/batch/<batch_id>/status")
def batch_status(
    batch_id: BatchId,
    include_errors: Annotated[bool, Query()] = False,
    include_items: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    return status.status_view(
        current_principal(app).user_id,
        batch_id,
        include_errors=include_errors,
        include_items=include_items,
        limit=limit,
        cursor=cursor,
    )


@app.post("/api/v1/batch/<batch_id>/cancel")
def cancel_batch(batch_id: BatchId) -> dict[str, Any]:
    batch = submit.cancel(_writer(), batch_id)
    return status.summary(batch)


@app.post("/api/v1/batch/schedule", status_code=201)
def create_schedule(body: ScheduleBody) -> dict[str, Any]:
    schedule = schedules.create(
        _writer(),
        name=body.name,
        urls=body.urls,
        cron_expression=body.cron_expression,
        timezone=body.timezone,
        priority=body.priority,
        template=body.template,
        options=_options(body),
    )
    return schedule.public()


@app.get("/api/v1/batch/schedules")
def list_schedules(
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    found, next_cursor = schedules.list_for_owner(current_principal(app).user_id, limit=limit, cursor=cursor)
    return {"schedules": [s.public() for s in found], "next_cursor": next_cursor}


@app.delete("/api/v1/batch/schedules/<schedule_id>")
def delete_schedule(schedule_id: ItemId) -> Response[None]:
    schedules.delete(_writer().user_id, schedule_id)
    return Response(status_code=204)


@app.post("/api/v1/webhooks", status_code=201)
def create_webhook(body: WebhookBody) -> dict[str, Any]:
    hook = subscriptions.create(_writer().user_id, body.url, list(body.events), body.description)
    return hook.public(with_secret=True)


@app.get("/api/v1/webhooks")
def list_webhooks(
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    hooks, next_cursor = subscriptions.list_for_owner(
        current_principal(app).user_id, limit=limit, cursor=cursor
    )
    return {"webhooks": [h.public() for h in hooks], "next_cursor": next_cursor}


@app.get("/api/v1/webhooks/<webhook_id>/deliveries")
def webhook_deliveries(
    webhook_id: ItemId,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    log, next_cursor = delivery.delivery_log(
        current_principal(app).user_id, webhook_id, limit=limit, cursor=cursor
    )
    return {"deliveries": log, "next_cursor": next_cursor}


@app.delete("/api/v1/webhooks/<webhook_id>")
def delete_webhook(webhook_id: ItemId) -> Response[None]:
    subscriptions.delete(_writer().user_id, webhook_id)
    return Response(status_code=204)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
