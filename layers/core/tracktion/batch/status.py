"""What clients see of a batch: the answer to its creation and to a status request."""

from __future__ import annotations

from typing import Any

from tracktion.batch.model import Batch
from tracktion.batch.store import BatchStore
from tracktion.webhooks.subscriptions import decode_cursor, encode_cursor


def summary(batch: Batch) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "status": batch.shown_status,
        "priority": batch.priority,
        "template": batch.template,
        "options": batch.options.model_dump(),
        "total_jobs": batch.total,
        "progress_percentage": batch.progress_percentage,
        "jobs_status": batch.jobs_status(),
        "created_at": batch.created_at,
        "started_at": batch.started_at,
        "completed_at": batch.completed_at,
        "cancelled_at": batch.cancelled_at,
        "estimated_completion": batch.estimated_completion,
        "schedule_id": batch.schedule_id,
    }


def created_view(batch: Batch) -> dict[str, Any]:
    return {
        **summary(batch),
        "duplicates_removed": batch.duplicates_removed,
        "status_url": f"/api/v1/batch/{batch.batch_id}/status",
    }


def status_view(
    owner_id: str,
    batch_id: str,
    *,
    include_errors: bool = False,
    include_items: bool = False,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The batch's counters, and a page of per-item outcomes (all, or only failures) on request."""
    store = BatchStore()
    batch = store.get(batch_id, owner_id)
    view = summary(batch)
    if include_errors or include_items:
        start = decode_cursor(cursor)
        if start and start.get("pk") != f"BATCH#{batch_id}":
            from tracktion.errors import BadRequest

            raise BadRequest("Invalid pagination cursor", error_code="INVALID_CURSOR")
        results, last = store.results(batch_id, only_failed=not include_items, limit=limit, cursor=start)
        view["items" if include_items else "errors"] = results
        view["next_cursor"] = encode_cursor(last)
    return view
