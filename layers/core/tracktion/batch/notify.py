"""Announcing what a batch did: WebSocket progress to its owner's clients and webhooks.

Announcements never fail the work they describe: an item stays imported whether or not a
listener heard about it. Failures are logged and, for webhooks, in the delivery log.
"""

from __future__ import annotations

from typing import Any

from tracktion.batch.model import Batch, progress_message
from tracktion.observability import logger


def item_finished(batch: Batch, result: dict[str, Any]) -> None:
    item = {
        "index": result.get("index"),
        "url": result.get("url"),
        "status": result.get("status"),
        "tracklist_id": result.get("tracklist_id"),
        "error_code": result.get("error_code"),
    }
    _broadcast(batch, progress_message(batch, item=item))
    if result.get("status") == "completed":
        _emit(
            batch.owner_id,
            "tracklist.imported",
            f"{batch.batch_id}:{result.get('index')}:tracklist.imported",
            {
                "batch_id": batch.batch_id,
                "tracklist_id": result.get("tracklist_id"),
                "url": result.get("url"),
                "title": result.get("title"),
                "created": result.get("created"),
            },
        )
        for cue in result.get("cue_files") or []:
            _emit(
                batch.owner_id,
                "cue.generated",
                f"{batch.batch_id}:{result.get('index')}:{cue.get('format')}:cue.generated",
                {"batch_id": batch.batch_id, "tracklist_id": result.get("tracklist_id"), **cue},
            )


def batch_finished(batch: Batch) -> None:
    _broadcast(batch, progress_message(batch))
    _emit(
        batch.owner_id,
        "batch.completed",
        f"{batch.batch_id}:batch.completed",
        {
            "batch_id": batch.batch_id,
            "status": batch.status,
            "jobs_status": batch.jobs_status(),
            "created_at": batch.created_at,
            "completed_at": batch.completed_at,
        },
    )


def _broadcast(batch: Batch, message: dict[str, Any]) -> None:
    from tracktion.batch.progress import broadcast

    try:
        broadcast(batch.batch_id, message)
    except Exception:
        logger.exception("progress broadcast failed", extra={"batch_id": batch.batch_id})


def _emit(owner_id: str, event_type: str, event_id: str, data: dict[str, Any]) -> None:
    from tracktion.webhooks.delivery import emit

    try:
        emit(owner_id, event_type, data, event_id=event_id)
    except Exception:
        logger.exception("webhook emission failed", extra={"event_type": event_type})
