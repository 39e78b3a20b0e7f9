"""Batches in DynamoDB, shaped so that a finished item costs two writes and can never count twice.

Item shapes (table BATCHES_TABLE, keys pk/sk, GSI gsi1pk/gsi1sk):
- batch:  pk=BATCH#{id} sk=BATCH; counters `completed`/`failed` (numbers), `status`;
          gsi1pk=OWNER#{owner}#BATCH lists an owner's batches. Kept small on purpose: a
          write costs by item size, and this one is updated once per finished URL.
- urls:   pk=BATCH#{id} sk=URLS; the unique URLs as JSON, written once.
- result: pk=BATCH#{id} sk=ITEM#{index:05d}; the outcome of one URL (tracklist id, CUE file
          ids, or the error), written right after its count. The count is guarded by the
          batch's set of counted indexes (`done`), so a retried or duplicated worker changes
          nothing. (No transaction: half the write cost, and no table-wide lock.)
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tracktion.batch.model import Batch, BatchItem, BatchOptions
from tracktion.clock import epoch, iso
from tracktion.config import settings
from tracktion.errors import Conflict, NotFound
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table

# Finished batches and their results are kept this long, then DynamoDB's TTL drops them.
RETENTION_SECONDS = 90 * 24 * 3600


class BatchNotFound(NotFound):
    def __init__(self, batch_id: str) -> None:
        super().__init__(f"Batch {batch_id} not found", details={"batch_id": batch_id})


class BatchNotActive(Conflict):
    def __init__(self, batch_id: str, status: str) -> None:
        super().__init__(
            f"Batch {batch_id} has already finished ({status})",
            error_code="BATCH_NOT_ACTIVE",
            details={"batch_id": batch_id, "status": status},
        )


def _key(batch_id: str) -> dict[str, str]:
    return {"pk": f"BATCH#{batch_id}", "sk": "BATCH"}


def _batch_from_item(item: dict[str, Any]) -> Batch:
    return Batch(
        batch_id=str(item["batch_id"]),
        owner_id=str(item["owner_id"]),
        status=item["status"],
        priority=item.get("priority", "normal"),
        template=item.get("template"),
        options=BatchOptions.model_validate_json(item.get("options") or "{}"),
        total=int(item.get("total", 0)),
        completed=int(item.get("completed", 0)),
        failed=int(item.get("failed", 0)),
        duplicates_removed=int(item.get("duplicates_removed", 0)),
        execution_arn=item.get("execution_arn"),
        schedule_id=item.get("schedule_id"),
        created_at=str(item["created_at"]),
        started_at=item.get("started_at"),
        completed_at=item.get("completed_at"),
        cancelled_at=item.get("cancelled_at"),
        estimated_completion=item.get("estimated_completion"),
        updated_at=item.get("updated_at"),
        start_error=item.get("start_error"),
        submitted_by=item.get("submitted_by"),
    )


class BatchStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().batches_table

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    # ------------------------------------------------------------------ batches
    def create(self, batch: Batch) -> Batch:
        item = {
            **_key(batch.batch_id),
            "batch_id": batch.batch_id,
            "owner_id": batch.owner_id,
            "status": batch.status,
            "priority": batch.priority,
            "template": batch.template,
            "options": batch.options.model_dump_json(),
            "total": batch.total,
            "completed": 0,
            "failed": 0,
            "duplicates_removed": batch.duplicates_removed,
            "execution_arn": batch.execution_arn,
            "schedule_id": batch.schedule_id,
            "created_at": batch.created_at,
            "updated_at": batch.created_at,
            "estimated_completion": batch.estimated_completion,
            "submitted_by": batch.submitted_by,
            "gsi1pk": f"OWNER#{batch.owner_id}#BATCH",
            "gsi1sk": f"{batch.created_at}#{batch.batch_id}",
            "expires_at": epoch() + RETENTION_SECONDS,
        }
        urls = {
            "pk": f"BATCH#{batch.batch_id}",
            "sk": "URLS",
            "items": json.dumps([i.model_dump() for i in batch.items]),
            "expires_at": item["expires_at"],
        }
        # The URL list first: a batch record never exists without it.
        self._table.put_item(Item=urls)
        self._table.put_item(
            Item={k: v for k, v in item.items() if v is not None},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return batch

    def items(self, batch_id: str) -> list[BatchItem]:
        """The batch's unique URLs, in submission order."""
        got = self._table.get_item(Key={"pk": f"BATCH#{batch_id}", "sk": "URLS"}).get("Item")
        return [BatchItem(**i) for i in json.loads(got["items"])] if got else []

    def find(self, batch_id: str) -> Batch | None:
        """The batch whoever owns it: for the worker, which acts for the owner already."""
        item = self._table.get_item(Key=_key(batch_id), ConsistentRead=True).get("Item")
        return _batch_from_item(item) if item else None

    def get(self, batch_id: str, owner_id: str) -> Batch:
        """The owner's batch; someone else's answers exactly like a missing one.

        The admin who submitted a batch on a user's behalf may read and cancel it too.
        """
        batch = self.find(batch_id)
        if batch is None or owner_id not in (batch.owner_id, batch.submitted_by):
            raise BatchNotFound(batch_id)
        return batch

    def fail_to_start(self, batch_id: str, reason: str) -> None:
        """The execution could not start: the batch is over before it began."""
        self._table.update_item(
            Key=_key(batch_id),
            UpdateExpression="SET #s = :f, completed_at = :now, updated_at = :now, start_error = :r",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":f": "failed", ":now": iso(), ":r": reason[:500]},
        )

    def finish(self, batch_id: str, status: str, error: str | None = None) -> bool:
        """Move an active batch to its final status (with why, when the batch itself went wrong);
        False when it had already finished."""
        values: dict[str, Any] = {":s": status, ":now": iso(), ":q": "queued", ":p": "processing"}
        update = "SET #s = :s, completed_at = :now, updated_at = :now"
        if error:
            update += ", start_error = :r"
            values[":r"] = error[:500]
        try:
            self._table.update_item(
                Key=_key(batch_id),
                UpdateExpression=update,
                ConditionExpression="#s IN (:q, :p)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if ddb.condition_failed(exc):
                return False
            raise
        return True

    def cancel(self, batch_id: str, owner_id: str) -> Batch:
        """Mark the owner's active batch cancelled (results already recorded stay)."""
        owner_id = self.get(batch_id, owner_id).owner_id
        try:
            self._table.update_item(
                Key=_key(batch_id),
                UpdateExpression="SET #s = :c, cancelled_at = :now, completed_at = :now, updated_at = :now",
                ConditionExpression="owner_id = :o AND #s IN (:q, :p)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":c": "cancelled",
                    ":now": iso(),
                    ":o": owner_id,
                    ":q": "queued",
                    ":p": "processing",
                },
            )
        except ClientError as exc:
            if ddb.condition_failed(exc):
                raise BatchNotActive(batch_id, self.get(batch_id, owner_id).status) from exc
            raise
        return self.get(batch_id, owner_id)

    def page_by_owner(self, owner_id: str, *, limit: int, offset: int) -> tuple[list[Batch], int]:
        """One limit/offset page of the owner's batches, newest first, and how many they have.

        Batches are kept 90 days, so an owner's list is bounded; the owner index is read a
        page at a time and only the requested slice is turned into batches.
        """
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": f"OWNER#{owner_id}#BATCH"},
            "ScanIndexForward": False,
        }
        wanted, total = ddb.offset_page(self._table.query, offset=offset, limit=limit, **kwargs)
        return [_batch_from_item(i) for i in wanted], total

    # ------------------------------------------------------------------ item results
    def record_result(self, batch_id: str, index: int, result: dict[str, Any]) -> Batch | None:
        """Count one URL's outcome at most once, then store it; the batch as counted, or None.

        Two single-item writes, no transaction: the counter increment is guarded by the set
        of indexes already counted (`done`), so a retried or duplicated worker never counts
        twice; the result item is written after it (again on a retry, unless one is there).
        None means the item had been counted already. Raises BatchNotFound for a missing batch.
        """
        outcome = "completed" if result.get("status") == "completed" else "failed"
        now = iso()
        try:
            answer = self._table.update_item(
                Key=_key(batch_id),
                UpdateExpression=(
                    "ADD #c :one, done :idx "
                    "SET started_at = if_not_exists(started_at, :now), updated_at = :now"
                ),
                ConditionExpression="attribute_exists(pk) AND NOT contains(done, :i)",
                ExpressionAttributeNames={"#c": outcome},
                ExpressionAttributeValues={":one": 1, ":idx": {index}, ":i": index, ":now": now},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not ddb.condition_failed(exc):
                raise
            if not ddb.failed_item(exc):
                raise BatchNotFound(batch_id) from exc
            counted = None
        else:
            counted = _batch_from_item(answer["Attributes"])
        item = {
            "pk": f"BATCH#{batch_id}",
            "sk": f"ITEM#{index:05d}",
            "index": index,
            "finished_at": now,
            "expires_at": epoch() + RETENTION_SECONDS,
            "result": json.dumps(result),
            "status": outcome,
        }
        try:
            # A retry after the count writes the result it missed, never over one that exists.
            condition = {} if counted is not None else {"ConditionExpression": "attribute_not_exists(pk)"}
            self._table.put_item(Item=item, **condition)
        except ClientError as exc:
            if not ddb.condition_failed(exc):
                raise
        return counted

    def results(
        self,
        batch_id: str,
        *,
        only_failed: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Per-item outcomes in URL order, a page at a time (cursor: the token of the last page)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :i)",
            "ExpressionAttributeValues": {":p": f"BATCH#{batch_id}", ":i": "ITEM#"},
            "Limit": max(1, min(limit, 1000)),
        }
        if only_failed:
            kwargs["FilterExpression"] = "#s = :f"
            kwargs["ExpressionAttributeNames"] = {"#s": "status"}
            kwargs["ExpressionAttributeValues"][":f"] = "failed"
        scope = ddb.CursorScope("batch_results", bound={"pk": f"BATCH#{batch_id}"}, attributes=("pk", "sk"))
        found, token = ddb.query_page(self._table.query, scope, cursor, **kwargs)
        out = [
            {"index": int(i["index"]), "finished_at": i["finished_at"], **json.loads(i["result"])}
            for i in found
        ]
        return out, token
