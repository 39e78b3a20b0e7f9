"""The BatchImport state machine's tasks: one call per URL, and one to close the batch.

Contract with statemachines/batch_import.asl.json:
- `import_item` imports the URL, generates the CUE file if asked, records the outcome and
  announces it. A permanent failure (the page does not exist, is not a tracklist...) is
  recorded as that item's failure and returns normally. A transient one (block page,
  upstream 5xx, throttling) raises `TransientImportError`, which the state's Retry matches
  (backoff with full jitter); when the retries run out, the Catch hands the item to
  `record_failure`. So a URL costs one invocation, two at most.
- Every step is idempotent: the import is one tracklist per (owner, page), CUE generation
  one file per tracklist version and format, and the result is recorded at most once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tracktion.batch.model import BatchItem, BatchOptions, final_status
from tracktion.batch.notify import batch_finished, item_finished
from tracktion.batch.store import BatchNotFound, BatchStore
from tracktion.clock import epoch
from tracktion.config import BatchSettings, get
from tracktion.errors import RateLimited, ServiceUnavailable, TracktionError, UpstreamError
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb

# Errors worth another attempt later; everything else of ours is the item's final answer.
TRANSIENT: tuple[type[TracktionError], ...] = (ServiceUnavailable, UpstreamError, RateLimited)
# Upstream answers that another attempt will not change.
PERMANENT_CODES = frozenset({"EMPTY_TRACKLIST", "DESTINATION_REFUSED"})


def _is_transient(exc: TracktionError) -> bool:
    return isinstance(exc, TRANSIENT) and exc.error_code not in PERMANENT_CODES


def _transient_aws(exc: Exception) -> TransientImportError | None:
    from botocore.exceptions import ClientError

    # AWS answers that mean "later" (botocore already retried them a few times): ddb.busy.
    if isinstance(exc, ClientError) and ddb.busy(exc):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return TransientImportError("AWS_" + (code or str(status)), str(exc))
    return None


class TransientImportError(Exception):
    """Raised to the state machine so that its Retry runs; the message starts with the code."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")


class WorkerInterrupted(Exception):
    """The injected stand-in for a worker killed mid-item (BATCH_WORKER_FAULT=after_import)."""


def _item_args(payload: dict[str, Any]) -> tuple[str, str, BatchOptions, BatchItem]:
    item = payload.get("item") or {}
    return (
        str(payload["batch_id"]),
        str(payload["owner_id"]),
        BatchOptions.model_validate(payload.get("options") or {}),
        BatchItem.model_validate(item),
    )


def _failure(item: BatchItem, error_code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": "failed",
        "url": item.url,
        "error_code": error_code,
        "error": message[:500],
        **extra,
    }


def _import(owner_id: str, item: BatchItem, options: BatchOptions) -> dict[str, Any]:
    from tracktion.tracklists.importer import import_from_url

    try:
        imported = import_from_url(owner_id, item.url, force_refresh=options.force_refresh, cache_page=False)
    except TracktionError as exc:
        if _is_transient(exc):
            raise TransientImportError(exc.error_code, exc.message) from exc
        return _failure(item, exc.error_code, exc.message)
    tracklist = imported.tracklist
    result: dict[str, Any] = {
        "status": "completed",
        "url": item.url,
        "tracklist_id": tracklist.tracklist_id,
        "title": tracklist.title,
        "created": bool(imported.created),
        "cache_hit": bool(imported.cache_hit),
        "cue_files": [],
    }
    if options.generate_cue:
        from tracktion.cue.files import generate_files, view

        try:
            files = generate_files(tracklist, [options.cue_format], {"gap_handling": options.gap_handling})
        except TracktionError as exc:
            if _is_transient(exc):
                raise TransientImportError(exc.error_code, exc.message) from exc
            return _failure(item, exc.error_code, exc.message, tracklist_id=tracklist.tracklist_id)
        result["cue_files"] = [_cue_ref(view(f)) for f in files]
    return result


# The few fields of a file record (tracktion.cue.files.view) an item result and its cue.generated
# webhook carry: enough to fetch the file.
CUE_REF_FIELDS = ("id", "cue_file_id", "format", "version", "tracklist_version")


def _cue_ref(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in CUE_REF_FIELDS if record.get(name) is not None}


def _maybe_interrupt(batch_id: str, item: BatchItem) -> None:
    """Fault injection for the no-duplicate test: the first attempt of an item dies here,
    after its import and before its result is recorded. Off unless BATCH_WORKER_FAULT asks:
    `after_import` (every item) or `after_import:<text>` (items whose URL contains text)."""
    mode, _, needle = get(BatchSettings).worker_fault.partition(":")
    if mode != "after_import" or (needle and needle not in item.url):
        return
    from botocore.exceptions import ClientError

    from tracktion.storage.aws import table

    store = BatchStore()
    try:
        table(store.table_name).put_item(
            Item={"pk": f"FAULT#{batch_id}", "sk": f"ITEM#{item.index:05d}", "expires_at": epoch() + 86400},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as exc:
        if ddb.condition_failed(exc):
            return  # this item was interrupted once already: let the retry through
        raise
    raise WorkerInterrupted(f"injected interruption of item {item.index} after its import")


def _skipped(item: BatchItem, reason: str) -> dict[str, Any]:
    return {"index": item.index, "status": "skipped", "reason": reason, "recorded": False}


def _import_retryable(owner_id: str, item: BatchItem, options: BatchOptions) -> dict[str, Any]:
    try:
        return _import(owner_id, item, options)
    except TransientImportError:
        raise
    except Exception as exc:
        transient = _transient_aws(exc)
        if transient is not None:
            raise transient from exc
        raise


def import_item(payload: dict[str, Any]) -> dict[str, Any]:
    batch_id, owner_id, options, item = _item_args(payload)
    batch = BatchStore().find(batch_id)
    # A batch that is gone (expired) or cancelled gets no new work; counts stay as they are.
    if batch is None or batch.owner_id != owner_id:
        return _skipped(item, "batch_not_found")
    if batch.status == "cancelled":
        return _skipped(item, "batch_cancelled")
    result = _import_retryable(owner_id, item, options)
    _maybe_interrupt(batch_id, item)
    try:
        return _record(batch_id, item, result)
    except Exception as exc:
        # The outcome could not be counted (the batch table throttled through the SDK's
        # retries): run the item again (its import is idempotent) rather than let the Catch
        # record an item whose tracklist is stored as failed.
        transient = _transient_aws(exc)
        if transient is not None:
            raise transient from exc
        raise


def record_failure(payload: dict[str, Any]) -> dict[str, Any]:
    """The Catch path: an item whose retries ran out, or whose worker crashed."""
    batch_id, _owner_id, _options, item = _item_args(payload)
    error = payload.get("error") or {}
    code, message = _describe(error)
    return _record(batch_id, item, _failure(item, code, message))


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    """Turn a Step Functions error ({Error, Cause}) into our error code and message."""
    name = str(error.get("Error") or "WORKER_ERROR")
    cause = str(error.get("Cause") or "")
    message = cause
    try:
        parsed = json.loads(cause)
        message = str(parsed.get("errorMessage") or cause)
    except (ValueError, AttributeError):
        pass
    if name == "TransientImportError" and ": " in message:
        code, _, rest = message.partition(": ")
        return code, rest
    return ("WORKER_ERROR" if name.startswith(("Lambda.", "States.", "Sandbox.")) else name), message


def _record(batch_id: str, item: BatchItem, result: dict[str, Any]) -> dict[str, Any]:
    try:
        counted = BatchStore().record_result(batch_id, item.index, result)
    except BatchNotFound:
        logger.warning("result for a batch that no longer exists", extra={"batch_id": batch_id})
        return _skipped(item, "batch_not_found")
    if counted is not None:
        item_finished(counted, {"index": item.index, **result})
    else:
        logger.info("item already recorded", extra={"batch_id": batch_id, "index": item.index})
    return {"index": item.index, "status": result["status"], "recorded": counted is not None}


def finalize(payload: dict[str, Any]) -> dict[str, Any]:
    """Close the batch: final status from the counters, then the final events.

    Safe to run twice: the status moves once, and a re-run re-announces the same final state
    (webhook deliveries carry a stable event id so receivers can drop the repeat).
    """
    batch_id = str(payload["batch_id"])
    store = BatchStore()
    batch = store.find(batch_id)
    if batch is None:
        logger.warning("finalize for a batch that no longer exists", extra={"batch_id": batch_id})
        return {"batch_id": batch_id, "status": "not_found"}
    if batch.status in ("queued", "processing"):
        store.finish(batch_id, final_status(batch.completed, batch.failed))
        batch = store.find(batch_id) or batch
    batch_finished(batch)
    return {"batch_id": batch_id, "status": batch.status, "jobs_status": batch.jobs_status()}


def scheduled_batch(payload: dict[str, Any]) -> dict[str, Any]:
    """A schedule fired: make it a normal batch record, and hand the Map its items."""
    from tracktion.batch.schedules import start_scheduled_batch

    execution_arn = str(payload["execution_arn"])
    batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, execution_arn))
    return start_scheduled_batch(
        str(payload["schedule_id"]), str(payload["owner_id"]), batch_id, execution_arn
    )


ACTIONS = {
    "import_item": import_item,
    "record_failure": record_failure,
    "finalize": finalize,
    "scheduled_batch": scheduled_batch,
}


def run_task(payload: dict[str, Any]) -> dict[str, Any]:
    action = str(payload.get("action") or "")
    task = ACTIONS.get(action)
    if task is None:
        raise ValueError(f"unknown batch task {action!r}")
    return task(payload)
