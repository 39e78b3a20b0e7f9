"""Batch imports, their schedules, and webhooks: /api/v1/batch*, /api/v1/webhooks*."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast
from zoneinfo import available_timezones

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import ConfigDict, Field

from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.api.rules import rules
from tracktion.api.shapes import OffsetPagination, Out, Warning_, error_responses
from tracktion.auth.weights import BATCH, READ, WRITE
from tracktion.batch import schedules, status, submit
from tracktion.batch.model import MAX_URLS_PER_BATCH, BatchTemplate, Priority, resolve_options
from tracktion.config import AuthSettings, BatchSettings, CoreSettings, SourceSettings, WebhookSettings, load
from tracktion.cue.contract import CUE_FORMATS
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.sources.urls import TRACKLIST_URL_PATTERN
from tracktion.webhooks import delivery, subscriptions
from tracktion.webhooks.subscriptions import EVENTS, WebhookEvent

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, BatchSettings, SourceSettings, WebhookSettings)

app = make_app()

Url = Annotated[str, Field(min_length=1, max_length=2048)]
# Five-field cron as tracktion.batch.cron reads it, minus what a regex says poorly (ranges, whose
# ends must be in order; names): each field `*` or numbers in range, with optional `/step`, as
# lists; only one of day-of-month and day-of-week restricted; no step in day-of-week.
_STEP = r"(?:/[1-9][0-9]{0,2})?"


def _cron_field(value: str, *, step: bool = True) -> str:
    item = rf"(?:\*|{value}){_STEP}" if step else value
    return rf"{item}(?:,{item})*"


CRON_PATTERN = (
    rf"^{_cron_field('[1-5]?[0-9]')} {_cron_field('(?:1?[0-9]|2[0-3])')} "
    rf"(?:{_cron_field('(?:[1-9]|[12][0-9]|3[01])')} {_cron_field('(?:[1-9]|1[0-2])')} \*"
    rf"|\* {_cron_field('(?:[1-9]|1[0-2])')} {_cron_field('[0-7]', step=False)})$"
)
TIMEZONES: list[Any] = sorted(available_timezones())  # the names ZoneInfo loads here
TracklistUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        # Schema only: a URL outside it is the code's 400 INVALID_URL, as the reference says.
        json_schema_extra={"pattern": TRACKLIST_URL_PATTERN},
        description="A 1001tracklists tracklist page (https://www.1001tracklists.com/tracklist/<id>/<slug>[.html])",
    ),
]
BatchId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ItemId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=512)]


# ---------------------------------------------------------------- requests


class OptionsBody(Model):
    model_config = ConfigDict(extra="forbid")

    generate_cue: bool | None = None
    # The schema lists the names; BatchOptions checks them exactly (422 naming the field).
    cue_format: str | None = Field(
        default=None, min_length=1, max_length=32, json_schema_extra={"enum": [*CUE_FORMATS, None]}
    )
    gap_handling: Literal["error", "estimate", "skip"] | None = None
    force_refresh: bool | None = None


class BatchBody(Model):
    """The reference's body (urls, priority, user_id, template, options{generate_cue, cue_format})."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "urls": [
                    "https://1001tracklists.com/tracklist/12345/set-1",
                    "https://1001tracklists.com/tracklist/12346/set-2",
                ],
                "priority": "normal",
                "user_id": "user-123",
                "template": "dj_set",
                "options": {"generate_cue": True, "cue_format": "standard"},
            }
        },
    )

    urls: list[TracklistUrl] = Field(min_length=1, max_length=MAX_URLS_PER_BATCH)
    priority: Priority = "normal"
    user_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The owner: the caller; an admin may name another user to submit on their behalf",
    )
    template: BatchTemplate | None = None
    options: OptionsBody | None = None


class ScheduleBody(BatchBody):
    """The reference's body (urls, cron_expression, user_id, name), plus timezone and batch options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "urls": ["https://1001tracklists.com/tracklist/12345/weekly-set"],
                "cron_expression": "0 2 * * 1",
                "user_id": "user-123",
                "name": "Weekly Set Import",
            }
        },
    )

    name: str = Field(min_length=1, max_length=100)
    cron_expression: str = Field(
        min_length=9,
        max_length=120,
        # Schema only (a narrower form than tracktion.batch.cron reads: no ranges or names); the
        # code keeps its check and its INVALID_CRON_EXPRESSION.
        json_schema_extra={"pattern": CRON_PATTERN},
        description="minute hour day-of-month month day-of-week, e.g. '0 2 * * 1'",
    )
    timezone: str = Field(default="UTC", min_length=1, max_length=64, json_schema_extra={"enum": TIMEZONES})


class WebhookBody(Model):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(EVENTS))
    description: str | None = Field(default=None, max_length=200)


class RotateSecretBody(Model):
    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=subscriptions.DEFAULT_OVERLAP_SECONDS,
        ge=0,
        le=subscriptions.MAX_OVERLAP_SECONDS,
        description="How long the previous secret keeps signing beside the new one (0: it stops now)",
    )


# ---------------------------------------------------------------- answers


class JobsStatusOut(Out):
    """The reference's four counters, plus total, pending (queued + processing) and cancelled."""

    queued: int
    processing: int
    completed: int
    failed: int
    total: int
    pending: int
    cancelled: int


class BatchStatusOut(Out):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "batch_id": "batch-123e4567-e89b-12d3",
                "status": "processing",
                "total_jobs": 2,
                "jobs_status": {"queued": 0, "processing": 1, "completed": 1, "failed": 0},
                "progress_percentage": 50.0,
                "created_at": "2024-01-15T10:00:00Z",
                "updated_at": "2024-01-15T10:07:30Z",
                "error": None,
                "final": False,
            }
        }
    )

    batch_id: str
    status: str = Field(description="queued, processing, completed, partially_failed, failed or cancelled")
    total_jobs: int
    jobs_status: JobsStatusOut
    progress_percentage: float
    created_at: str
    updated_at: str
    error: str | None = None
    final: bool = Field(description="true once the status can no longer change")
    priority: str
    estimated_completion: str | None = None


class BatchCreatedOut(BatchStatusOut):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "batch_id": "batch-123e4567-e89b-12d3",
                "total_jobs": 2,
                "priority": "normal",
                "status": "queued",
                "estimated_completion": "2024-01-15T10:15:00Z",
                "message": "Batch successfully queued",
            }
        }
    )

    message: str
    status_url: str
    duplicates_removed: int
    warnings: list[Warning_] = Field(default_factory=list)


class BatchCancelledOut(BatchStatusOut):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {"status": "success", "message": "Batch batch-123e4567-e89b-12d3 cancelled"}
        }
    )

    status: str = Field(description="\"success\": the call's outcome (the batch's own is batch_status)")
    message: str
    batch_status: str


class BatchListOut(Out):
    batches: list[BatchStatusOut]
    pagination: OffsetPagination


class ScheduleOut(Out):
    schedule_id: str
    name: str
    cron_expression: str
    scheduler_expression: str
    timezone: str
    priority: str
    urls: list[str]
    total_urls: int
    created_at: str
    last_batch_id: str | None = None
    last_run_at: str | None = None
    runs: int = 0


class ScheduleCreatedOut(ScheduleOut):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "schedule_id": "schedule-789",
                "message": "Batch scheduled successfully",
                "cron": "0 2 * * 1",
            }
        }
    )

    message: str
    cron: str
    warnings: list[Warning_] = Field(default_factory=list)


class ScheduleListOut(Out):
    schedules: list[ScheduleOut]
    next_cursor: str | None = None


class WebhookOut(Out):
    webhook_id: str
    url: str
    events: list[str]
    description: str | None = None
    created_at: str
    secret_rotated_at: str | None = None
    previous_secret_expires_at: str | None = Field(
        default=None, description="Until then deliveries are signed with the previous secret too"
    )


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="whsec_<base64>: signs every delivery (Standard Webhooks); shown once",
        json_schema_extra={"pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$"},
    )


class WebhookSecretOut(WebhookCreatedOut):
    """A rotation's answer: the new secret (shown once) and until when the previous one signs."""


class WebhookListOut(Out):
    webhooks: list[WebhookOut]
    next_cursor: str | None = None


class DeliveryAttemptOut(Out):
    at: str
    status_code: int | None = Field(default=None, description="The receiver's answer, when it answered")
    error: str | None = Field(
        default=None, description="Why there was no answer (a timeout, a refused URL...)"
    )
    duration_ms: float | None = None


class DeliveryOut(Out):
    delivery_id: str
    event_type: str
    event_id: str = Field(description="Also the webhook-id header: the same on every attempt")
    status: Literal["pending", "succeeded", "failed"]
    success: bool
    attempts: list[DeliveryAttemptOut]
    attempt_count: int
    next_retry_at: str | None = Field(default=None, description="When a pending delivery is tried again")
    created_at: str | None = None


class DeliveriesOut(Out):
    deliveries: list[DeliveryOut]
    next_cursor: str | None = None


# ---------------------------------------------------------------- routes


def _errors(*statuses: int) -> dict[int, OpenAPIResponse]:
    """The standard error body for each status (tracktion.api.shapes), typed as Powertools wants."""
    return cast("dict[int, OpenAPIResponse]", error_responses(*statuses))


def _options(body: BatchBody) -> Any:
    given = body.options.model_dump(exclude_none=True) if body.options else None
    return resolve_options(body.template, given)


@app.post("/api/v1/batch", responses=_errors(400, 401, 403, 404, 422, 429, 503))
@rules(permission="write", scope="batch", cost=BATCH, idempotent=True)
def create_batch(body: BatchBody) -> BatchCreatedOut:
    caller = current_principal(app)
    owner, warnings = submit.owner_for(caller, body.user_id)
    batch = submit.submit(
        caller,
        body.urls,
        priority=body.priority,
        template=body.template,
        options=_options(body),
        owner=owner if owner.user_id != caller.user_id else None,
    )
    return status.created_view(batch, warnings)  # type: ignore[return-value]


@app.get("/api/v1/batch", responses=_errors(401, 403, 422, 429))
@rules(permission="read", scope="batch", cost=READ)
def list_batches(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> BatchListOut:
    return status.list_view(current_principal(app).user_id, limit=limit, offset=offset)  # type: ignore[return-value]


@app.get("/api/v1/batch/<batch_id>/status", responses=_errors(400, 401, 403, 404, 422, 429))
@rules(permission="read", scope="batch", cost=READ)
def batch_status(
    batch_id: BatchId,
    include_errors: Annotated[bool, Query()] = False,
    include_items: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Cursor = None,
) -> BatchStatusOut:
    return status.status_view(  # type: ignore[return-value]
        current_principal(app).user_id,
        batch_id,
        include_errors=include_errors,
        include_items=include_items,
        limit=limit,
        cursor=cursor,
    )


@app.post("/api/v1/batch/<batch_id>/cancel", responses=_errors(401, 403, 404, 409, 422, 429))
@rules(permission="write", scope="batch", cost=WRITE)
def cancel_batch(batch_id: BatchId) -> BatchCancelledOut:
    batch = submit.cancel(current_principal(app), batch_id)
    return status.cancelled_view(batch)  # type: ignore[return-value]


@app.post("/api/v1/batch/schedule", responses=_errors(400, 401, 403, 404, 422, 429, 503))
@rules(permission="write", scope="batch", cost=WRITE, idempotent=True)
def create_schedule(body: ScheduleBody) -> ScheduleCreatedOut:
    caller = current_principal(app)
    owner, warnings = submit.owner_for(caller, body.user_id)
    schedule = schedules.create(
        owner if owner.user_id != caller.user_id else caller,
        name=body.name,
        urls=body.urls,
        cron_expression=body.cron_expression,
        timezone=body.timezone,
        priority=body.priority,
        template=body.template,
        options=_options(body),
    )
    return {  # type: ignore[return-value]
        **schedule.public(),
        "message": "Batch scheduled successfully",
        "cron": schedule.cron_expression,
        "warnings": warnings,
    }


@app.get("/api/v1/batch/schedules", responses=_errors(400, 401, 403, 422, 429))
@rules(permission="read", scope="batch", cost=READ)
def list_schedules(limit: Limit = 25, cursor: Cursor = None) -> ScheduleListOut:
    found, next_cursor = schedules.list_for_owner(current_principal(app).user_id, limit=limit, cursor=cursor)
    return {"schedules": [s.public() for s in found], "next_cursor": next_cursor}  # type: ignore[return-value]


@app.delete(
    "/api/v1/batch/schedules/<schedule_id>", status_code=204, responses=_errors(401, 403, 404, 422, 429)
)
@rules(permission="write", scope="batch", cost=WRITE)
def delete_schedule(schedule_id: ItemId) -> Response[None]:
    schedules.delete(current_principal(app).user_id, schedule_id)
    return Response(status_code=204)


@app.post("/api/v1/webhooks", status_code=201, responses=_errors(400, 401, 403, 409, 422, 429))
@rules(permission="write", scope="developer", cost=WRITE, idempotent=True)
def create_webhook(body: WebhookBody) -> WebhookCreatedOut:
    hook, secret = subscriptions.create(
        current_principal(app).user_id, body.url, list(body.events), body.description
    )
    return {**hook.public(), "secret": secret}  # type: ignore[return-value]


@app.post(
    "/api/v1/webhooks/<webhook_id>/rotate-secret", responses=_errors(400, 401, 403, 404, 409, 422, 429, 503)
)
@rules(permission="write", scope="developer", cost=WRITE, idempotent=True)
def rotate_webhook_secret(webhook_id: ItemId, body: RotateSecretBody | None = None) -> WebhookSecretOut:
    """A new signing secret, shown once; the previous one keeps signing beside it (both in
    webhook-signature) until `previous_secret_expires_at`."""
    overlap = body.overlap_seconds if body else subscriptions.DEFAULT_OVERLAP_SECONDS
    hook, secret = subscriptions.rotate_secret(current_principal(app).user_id, webhook_id, overlap)
    return {**hook.public(), "secret": secret}  # type: ignore[return-value]


@app.post("/api/v1/webhooks/<webhook_id>/ping", responses=_errors(401, 403, 404, 422, 429, 503))
@rules(permission="write", scope="developer", cost=WRITE)
def ping_webhook(webhook_id: ItemId) -> DeliveryOut:
    """Delivers a `webhook.ping` event now (one attempt, signed like every delivery) and answers
    its delivery: `success`, the receiver's `status_code` in `attempts`. Logged with the others."""
    return delivery.ping(current_principal(app).user_id, webhook_id)  # type: ignore[return-value]


@app.get("/api/v1/webhooks", responses=_errors(400, 401, 403, 422, 429))
@rules(permission="read", scope="developer", cost=READ)
def list_webhooks(limit: Limit = 25, cursor: Cursor = None) -> WebhookListOut:
    hooks, next_cursor = subscriptions.list_for_owner(
        current_principal(app).user_id, limit=limit, cursor=cursor
    )
    return {"webhooks": [h.public() for h in hooks], "next_cursor": next_cursor}  # type: ignore[return-value]


@app.get("/api/v1/webhooks/<webhook_id>/deliveries", responses=_errors(400, 401, 403, 404, 422, 429))
@rules(permission="read", scope="developer", cost=READ)
def webhook_deliveries(webhook_id: ItemId, limit: Limit = 25, cursor: Cursor = None) -> DeliveriesOut:
    log, next_cursor = delivery.delivery_log(
        current_principal(app).user_id, webhook_id, limit=limit, cursor=cursor
    )
    return {"deliveries": log, "next_cursor": next_cursor}  # type: ignore[return-value]


@app.delete("/api/v1/webhooks/<webhook_id>", status_code=204, responses=_errors(401, 403, 404, 422, 429))
@rules(permission="write", scope="developer", cost=WRITE)
def delete_webhook(webhook_id: ItemId) -> Response[None]:
    subscriptions.delete(current_principal(app).user_id, webhook_id)
    return Response(status_code=204)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
