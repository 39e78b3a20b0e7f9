"""The daily clean-up: what expiry should have removed and has not.

DynamoDB's TTL deletes expired items eventually (typically within days, not at the second),
so readers already ignore expired items; this run removes them for good, together with
soft-deleted CUE files past their retention (S3 object and record) and WebSocket connections
older than API Gateway's two-hour limit. Scans are fine here: it is a daily batch job, never
a request path. Each part is bounded per run so one run cannot exceed its timeout.
"""

from __future__ import annotations

from typing import Any

from tracktion.batch import progress
from tracktion.clock import epoch, iso
from tracktion.config import CueSettings, get, settings
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table

MAX_DELETES_PER_PART = 5000
# A sweep that scans more than this many pages (1 MB each) fails loudly rather than time out.
SCAN_MAX_PAGES = 1000


def _scan(table_name: str, **kwargs: Any) -> list[dict[str, Any]]:
    # A sweep does a bounded amount per run; what is left is deleted by the next run.
    return ddb.items(
        table(table_name).scan, max_items=MAX_DELETES_PER_PART, max_pages=SCAN_MAX_PAGES, **kwargs
    )


def _delete_keys(table_name: str, items: list[dict[str, Any]]) -> int:
    with table(table_name).batch_writer() as writer:
        for item in items:
            writer.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    return len(items)


def purge_expired(table_name: str, now: int) -> int:
    """Items whose `expires_at` has passed (expired drafts, cache entries, old batch data)."""
    items = _scan(
        table_name,
        FilterExpression="expires_at < :now",
        ExpressionAttributeValues={":now": now},
        ProjectionExpression="pk, sk",
    )
    return _delete_keys(table_name, items)


def purge_deleted_cue_files(now: int) -> int:
    """CUE files soft-deleted longer ago than the retention: objects and record, by the CUE
    package's own hard delete (which removes the S3 objects first, then the record)."""
    from tracktion.cue import files

    days = get(CueSettings).soft_delete_retention_days
    cutoff = iso_from_epoch(now - days * 86400)
    items = _scan(
        settings().cue_table,
        FilterExpression="begins_with(pk, :f) AND deleted = :yes",
        ExpressionAttributeValues={":f": "CUEFILE#", ":yes": True},
    )
    purged = 0
    for item in items:
        cue = files.CueFile.model_validate_json(item["body"])
        if cue.deleted_at and cue.deleted_at < cutoff:
            files.delete(cue.cue_file_id, cue.owner_id, soft=False)
            purged += 1
    return purged


def iso_from_epoch(seconds: int) -> str:
    from datetime import UTC, datetime

    return iso(datetime.fromtimestamp(seconds, UTC))


def purge_stale_connections(now: int) -> int:
    stale = progress.stale_connections(now, limit=MAX_DELETES_PER_PART)
    for connection_id in stale:
        progress.close(connection_id)
    return len(stale)


def run_maintenance() -> dict[str, Any]:
    """Run every part; one part failing does not stop the others (and is reported)."""
    now = epoch()
    cfg = settings()
    parts = {
        "expired_tracklist_items": lambda: purge_expired(cfg.tracklists_table, now),
        "expired_cache_entries": lambda: purge_expired(cfg.cache_table, now),
        "expired_batch_items": lambda: purge_expired(cfg.batches_table, now),
        "deleted_cue_files": lambda: purge_deleted_cue_files(now),
        "stale_connections": lambda: purge_stale_connections(now),
    }
    report: dict[str, Any] = {"ran_at": iso(), "purged": {}, "errors": {}}
    for name, part in parts.items():
        try:
            report["purged"][name] = part()
        except Exception as exc:
            logger.exception("maintenance part failed", extra={"part": name})
            report["errors"][name] = type(exc).__name__
    logger.info("maintenance done", extra=report)
    return report
