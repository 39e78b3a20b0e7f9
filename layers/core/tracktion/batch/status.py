"""What clients see of a batch: the answer to its creation and to a status request."""

from __future__ import annotations

from typing import Any

from tracktion.batch.model import FINAL_STATUSES, Batch
from tracktion.batch.store import BatchStore


def summary(batch: Batch) -> dict[str, Any]:
    """The reference's status answer (batch_id, status, total_jobs, jobs_status, progress_percentage,
    created_at, updated_at, error), `final`, and what we always added beside them."""
    return {
        "batch_id": batch.batch_id,
        "status": batch.shown_status,
        "total_jobs": batch.total,
        "jobs_status": batch.documented_jobs_status(),
        "progress_percentage": float(batch.progress_percentage),
        "created_at": batch.created_at,
        "updated_at": batch.last_change,
        "error": batch.error,
        # additions
        "final": batch.status in FINAL_STATUSES,
        "priority": batch.priority,
        "template": batch.template,
        "options": batch.options.model_dump(),
        "started_at": batch.started_at,
        "completed_at": batch.completed_at,
        "cancelled_at": batch.cancelled_at,
        "estimated_completion": batch.estimated_completion,
        "schedule_id": batch.schedule_id,
        "owner_id": batch.owner_id,
        "submitted_by": batch.submitted_by,
    }


def created_view(batch: Batch, warnings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The reference's creation answer (batch_id, total_jobs, priority, status "queued",
    estimated_completion, message), with the status fields and ours beside them."""
    return {
        **summary(batch),
        "message": "Batch successfully queued",
        "duplicates_removed": batch.duplicates_removed,
        "status_url": f"/api/v1/batch/{batch.batch_id}/status",
        "warnings": warnings or [],
    }


def cancelled_view(batch: Batch) -> dict[str, Any]:
    """The reference's cancel answer: `status` is "success" (the call's outcome); the batch's own
    status, now "cancelled", is `batch_status`, beside every status field."""
    view = summary(batch)
    return {
        **view,
        "status": "success",
        "message": f"Batch {batch.batch_id} cancelled",
        "batch_status": view["status"],
    }


def list_view(owner_id: str, *, limit: int, offset: int) -> dict[str, Any]:
    """The caller's batches, newest first, one limit/offset page (never another user's)."""
    from tracktion.batch.submit import reconcile
    from tracktion.contract import offset_pagination

    store = BatchStore()
    batches, total = store.page_by_owner(owner_id, limit=limit, offset=offset)
    return {
        # An active batch quiet for long has its execution checked (and is closed if it ended).
        "batches": [summary(reconcile(b, store)) for b in batches],
        "pagination": offset_pagination(limit, offset, total, len(batches)),
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
    from tracktion.batch.submit import reconcile

    store = BatchStore()
    batch = reconcile(store.get(batch_id, owner_id), store)
    view = summary(batch)
    if include_errors or include_items:
        results, token = store.results(batch_id, only_failed=not include_items, limit=limit, cursor=cursor)
        view["items" if include_items else "errors"] = results
        view["next_cursor"] = token
    return view
