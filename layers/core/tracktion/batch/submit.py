"""Accepting a batch: validate every URL up front, import each page once, pay, then start the run.

Nothing runs unless the whole batch is acceptable: an invalid URL refuses the batch with
the indexes at fault, and a batch over the caller's remaining tokens is refused (429)
before a record or an execution exists.
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import timedelta
from typing import Any

from tracktion.auth.principal import Principal
from tracktion.auth.ratelimit import charge_tokens, refund_tokens
from tracktion.batch.model import (
    ACTIVE_STATUSES,
    MAX_CONCURRENCY,
    TOKENS_PER_URL,
    Batch,
    BatchItem,
    BatchOptions,
    final_status,
)
from tracktion.batch.store import BatchStore
from tracktion.clock import iso, now
from tracktion.config import BatchSettings, SourceSettings, get
from tracktion.errors import InvalidUrl, ServiceUnavailable
from tracktion.observability import logger
from tracktion.sources.urls import canonical_tracklist_url
from tracktion.storage.aws import client


class InvalidBatchUrls(InvalidUrl):
    def __init__(self, invalid: list[dict[str, Any]]) -> None:
        super().__init__(
            f"{len(invalid)} URL(s) are not 1001tracklists tracklist pages",
            details={"invalid_urls": invalid},
        )


class BatchStartFailed(ServiceUnavailable):
    error_code = "BATCH_START_FAILED"


def unique_items(urls: list[str]) -> tuple[list[BatchItem], int]:
    """Canonicalise and de-duplicate, keeping first-seen order; invalid URLs refuse all."""
    seen: set[str] = set()
    items: list[BatchItem] = []
    invalid: list[dict[str, Any]] = []
    for index, raw in enumerate(urls):
        try:
            url = canonical_tracklist_url(raw)
        except InvalidUrl as exc:
            invalid.append({"index": index, "url": raw[:300], "error": exc.message})
            continue
        if url not in seen:
            seen.add(url)
            items.append(BatchItem(index=len(items), url=url))
    if invalid:
        raise InvalidBatchUrls(invalid)
    return items, len(urls) - len(items)


def charge(principal: Principal, url_count: int) -> None:
    """Take the batch's tokens from the caller's monthly allowance, or refuse it (429)."""
    charge_tokens(principal, url_count * TOKENS_PER_URL)


def estimate_seconds(url_count: int) -> int:
    """Wall time the shared politeness budget allows: one source request per interval."""
    return math.ceil(url_count * get(SourceSettings).min_interval_seconds) + 5


def state_machine_arn() -> str:
    arn = get(BatchSettings).state_machine_arn
    if not arn:
        raise BatchStartFailed("Batch processing is not configured")
    return arn


def execution_arn_for(batch_id: str) -> str:
    """Executions are named after their batch, so the ARN is known before the start."""
    sm = state_machine_arn()
    return sm.replace(":stateMachine:", ":execution:", 1) + f":{batch_id}"


def execution_input(batch: Batch) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "owner_id": batch.owner_id,
        "priority": batch.priority,
        "max_concurrency": MAX_CONCURRENCY[batch.priority],
        "options": batch.options.model_dump(),
        "items": [i.model_dump() for i in batch.items],
    }


def new_batch(
    owner_id: str,
    items: list[BatchItem],
    *,
    priority: str,
    template: str | None,
    options: BatchOptions,
    duplicates_removed: int = 0,
    batch_id: str | None = None,
    schedule_id: str | None = None,
    submitted_by: str | None = None,
) -> Batch:
    batch_id = batch_id or str(uuid.uuid4())
    eta = now() + timedelta(seconds=estimate_seconds(len(items)))
    return Batch(
        batch_id=batch_id,
        owner_id=owner_id,
        priority=priority,  # type: ignore[arg-type]
        template=template,  # type: ignore[arg-type]
        options=options,
        items=items,
        total=len(items),
        duplicates_removed=duplicates_removed,
        schedule_id=schedule_id,
        estimated_completion=iso(eta),
        submitted_by=submitted_by,
    )


def owner_for(principal: Principal, user_id: str | None) -> tuple[Principal, list[dict[str, Any]]]:
    """Whose batch (or schedule) a request makes, from the body's `user_id`, and any warning.

    The caller owns what they submit. An admin naming an existing user submits on that user's
    behalf: the user owns it and pays for it at their own tier (404 USER_NOT_FOUND for an
    unknown user). Anyone else naming another user is not refused (the reference's example
    body carries a placeholder `user_id`); the name is ignored and a warning says so.
    """
    from tracktion.contract import warning

    if not user_id or user_id == principal.user_id:
        return principal, []
    if not principal.is_admin:
        return principal, [
            warning(
                "option_ignored",
                "user_id names another account; only an admin may submit on another user's behalf, "
                f"so this belongs to the caller ({principal.user_id})",
                field="user_id",
            )
        ]
    from tracktion.auth import users

    account = users.get(user_id)
    owner = Principal(user_id=account["user_id"], tier=str(account.get("tier") or "free"))
    return owner, [
        warning(
            "on_behalf",
            f"submitted by admin {principal.user_id} on behalf of {owner.user_id}, who owns and pays for it",
            field="user_id",
            severity="info",
        )
    ]


def submit(
    principal: Principal,
    urls: list[str],
    *,
    priority: str,
    template: str | None,
    options: BatchOptions,
    owner: Principal | None = None,
) -> Batch:
    """Validate, charge, record and start one batch; returns the queued batch.

    `owner` is the user an admin submits for (they own and pay for it); by default the caller.
    """
    payer = owner or principal
    items, duplicates = unique_items(urls)
    charge(payer, len(items))
    try:
        batch = new_batch(
            payer.user_id,
            items,
            priority=priority,
            template=template,
            options=options,
            duplicates_removed=duplicates,
            submitted_by=principal.user_id if payer.user_id != principal.user_id else None,
        )
        batch.execution_arn = execution_arn_for(batch.batch_id)
        store = BatchStore()
        store.create(batch)
        start(batch, store)
    except Exception:
        # Not recorded, or recorded as failed to start: no item will run, so none is paid for.
        refund_tokens(payer, len(items) * TOKENS_PER_URL)
        raise
    return batch


def start(batch: Batch, store: BatchStore) -> None:
    """Start the BatchImport execution; a refusal leaves the batch failed, never stuck queued."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn(),
            name=batch.batch_id,
            input=json.dumps(execution_input(batch)),
        )
    except (ClientError, BotoCoreError) as exc:
        logger.exception("could not start batch execution", extra={"batch_id": batch.batch_id})
        store.fail_to_start(batch.batch_id, str(exc))
        raise BatchStartFailed(
            "Batch could not be started; try again later",
            details={"batch_id": batch.batch_id},
            retry_after=30,
        ) from exc


# Execution states that end a batch's run; the batch is still active only if nothing closed it.
ENDED_EXECUTIONS = {"FAILED": "failed", "TIMED_OUT": "timed out", "ABORTED": "was stopped"}


def reconcile(batch: Batch, store: BatchStore) -> Batch:
    """Close an active batch whose execution ended without closing it (it failed, e.g. the batch
    table throttled past every retry; timed out; was stopped by an operator), so it is never
    shown running forever: the items it never ran count as failed, `error` says why, and the
    final events go out. Checked only once the batch has been quiet for BATCH_STALE_SECONDS."""
    from datetime import datetime

    from botocore.exceptions import ClientError

    if batch.status not in ACTIVE_STATUSES or not batch.execution_arn:
        return batch
    quiet = (now() - datetime.fromisoformat(batch.last_change)).total_seconds()
    if quiet < get(BatchSettings).stale_after_seconds:
        return batch
    try:
        state = client("stepfunctions").describe_execution(executionArn=batch.execution_arn)["status"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ExecutionDoesNotExist":
            logger.warning(
                "batch execution not checked", extra={"batch_id": batch.batch_id, "error": str(exc)}
            )
            return batch
        state = "ABORTED"  # never started, and the failure to start was not recorded
    if state not in ENDED_EXECUTIONS:
        return batch
    never_ran = max(0, batch.total - batch.processed)
    error = f"The batch's execution {ENDED_EXECUTIONS[state]}" + (
        f" before {never_ran} of {batch.total} item(s) ran" if never_ran else ""
    )
    logger.warning(
        "closing a batch whose execution ended", extra={"batch_id": batch.batch_id, "state": state}
    )
    if store.finish(batch.batch_id, final_status(batch.completed, batch.failed + never_ran), error):
        from tracktion.batch.notify import batch_finished

        batch = store.find(batch.batch_id) or batch
        batch_finished(batch)
    return store.find(batch.batch_id) or batch


def cancel(principal: Principal, batch_id: str) -> Batch:
    """Stop the owner's execution; items already finished stay as they are."""
    from botocore.exceptions import ClientError

    store = BatchStore()
    batch = store.get(batch_id, principal.user_id)
    cancelled = store.cancel(batch_id, principal.user_id)
    if batch.execution_arn:
        try:
            client("stepfunctions").stop_execution(
                executionArn=batch.execution_arn, error="BatchCancelled", cause="Cancelled by its owner"
            )
        except ClientError as exc:
            # An execution that already ended cannot be stopped; the record says cancelled.
            if exc.response["Error"]["Code"] not in ("ExecutionDoesNotExist", "ValidationException"):
                raise
    from tracktion.batch.notify import batch_finished

    batch_finished(cancelled)
    return cancelled
