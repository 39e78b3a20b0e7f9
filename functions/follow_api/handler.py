"""Following a tracklist's IDs: GET/POST/DELETE /api/v1/tracklists/{tracklist_id}/follow, and
the scheduled check of the followed tracklists that are due (tracktion.following).

The schedule (template.yaml, FollowFunction `Check`) invokes this function with the job
envelope of `following.check` (tracktion.async_jobs), so one entry serves both
(tracktion.api.dispatch). Another user's tracklist answers 404, as everywhere.
Readings: docs/api-contract.md, "Following".
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import ConfigDict, Field

from tracktion.api.dispatch import serve_or_dispatch
from tracktion.api.principal import current_principal
from tracktion.api.resolver import correlation_id, make_app
from tracktion.api.rules import rules
from tracktion.api.shapes import Out, error_responses
from tracktion.auth.weights import READ, WRITE
from tracktion.config import (
    AuthSettings,
    BatchSettings,
    CoreSettings,
    FollowSettings,
    SourceSettings,
    WebhookSettings,
    load,
)
from tracktion.following import service
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, SourceSettings, BatchSettings, WebhookSettings, FollowSettings)

# The scheduled run's job kind (its envelope is the schedule's Input in template.yaml).
CHECK_JOB = "following.check"

app = make_app()

BASE = "/api/v1/tracklists"
TracklistId = Annotated[str, Path(min_length=1, max_length=100)]


class CompletenessOut(Out):
    identified: int = Field(description="Rows whose artist, title and version are known")
    total: int = Field(description="Every row (w/ rows included, mashup parts not)")
    ratio: float = Field(description="identified / total")
    unidentified_positions: list[int] = Field(default_factory=list)


class FollowOut(Out):
    """A tracklist's following: whether it is followed, how complete it is, when it was checked."""

    model_config = ConfigDict(
        defer_build=True,
        extra="allow",
        json_schema_extra={
            "example": {
                "tracklist_id": "3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60",
                "following": True,
                "source_url": "https://www.1001tracklists.com/tracklist/2k7xq9tb/x.html",
                "completeness": {
                    "identified": 5,
                    "total": 7,
                    "ratio": 0.7143,
                    "unidentified_positions": [5, 6],
                },
                "started_at": "2026-11-30T20:00:00Z",
                "last_checked_at": "2026-11-30T21:00:00Z",
                "next_check_at": "2026-12-28T21:00:00Z",
                "check_interval_seconds": 2419200,
                "checks": 1,
                "changes": 1,
                "last_changed_at": "2026-11-30T21:00:00Z",
                "last_error": None,
                "correlation_id": "123e4567-e89b-12d3-a456-426614174000",
            }
        },
    )

    tracklist_id: str
    following: bool
    source_url: str | None = None
    completeness: CompletenessOut
    started_at: str | None = None
    stopped_at: str | None = None
    last_checked_at: str | None = Field(default=None, description="When the source page was last read")
    next_check_at: str | None = Field(default=None, description="When it will be read next (while following)")
    check_interval_seconds: int | None = Field(default=None, description="The cadence for the set's age")
    checks: int = 0
    changes: int = Field(default=0, description="Checks that changed the tracklist")
    last_changed_at: str | None = None
    last_error: dict[str, Any] | None = Field(
        default=None, description="The last failed check (error_code, error, at)"
    )
    created: bool | None = Field(default=None, description="POST only: false when it was followed already")
    correlation_id: str | None = None


def _owner() -> str:
    return current_principal(app).user_id


def _answer(status: service.FollowStatus, code: int = 200, **extra: Any) -> Response[Any]:
    body = FollowOut.model_validate({**status.model_dump(), **extra, "correlation_id": correlation_id(app)})
    return Response(status_code=code, body=body.model_dump(mode="json"), content_type="application/json")


@app.get(f"{BASE}/<tracklist_id>/follow", responses=error_responses(400, 404, 422))
@rules(permission="read", scope="tracklists", cost=READ)
def follow_status(tracklist_id: TracklistId) -> Response[FollowOut]:
    return _answer(service.status(tracklist_id, _owner()))


# 201 when following starts; 200 (the same shape, `created: false`) when it was followed already.
_ALREADY: dict[int, Any] = {
    201: {
        "description": "Following started, `created: true`",
        "content": {"application/json": {"model": FollowOut}},
    },
    200: {
        "description": "Followed already: the existing follow, `created: false`",
        "content": {"application/json": {"model": FollowOut}},
    },
}


@app.post(
    f"{BASE}/<tracklist_id>/follow",
    status_code=201,
    responses={**_ALREADY, **error_responses(400, 404, 409, 422)},
)
@rules(permission="write", scope="tracklists", cost=WRITE, idempotent=True)
def follow_start(tracklist_id: TracklistId) -> Response[FollowOut]:
    status, created = service.start(tracklist_id, _owner())
    return _answer(status, 201 if created else 200, created=created)


@app.delete(f"{BASE}/<tracklist_id>/follow", responses=error_responses(400, 404, 409, 422))
@rules(permission="write", scope="tracklists", cost=WRITE)
def follow_stop(tracklist_id: TracklistId) -> Response[FollowOut]:
    return _answer(service.stop(tracklist_id, _owner()))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return serve_or_dispatch(
        app, event, context, {CHECK_JOB: lambda _payload: service.run_due(remaining_ms=remaining)}
    )
