"""Batches in DynamoDB, shaped so that a finished item costs two writes and can never count twice.

Item shapes (table BATCHES_TABLE, keys pk/sk, GSI gsi1pk/gsi1sk):
- batch:  pk=BATCH#{id} sk=BATCH; counters `completed`/`failed` (numbers), `status`;
          gsi1pk=OWNER#{owner}#BATCH lists an owner's batches. Kept small on purpose: a
          write costs by item size, and this one is updated once per finished URL.
- urls:   pk=BATCH#{id} sk=URLS; the unique URLs as JSON, written once.
- result: pk=BATCH#{id} sk=ITEM#{index:05d}; the outcome of one URL (tracklist id, CUE file
          ids, or the error). Put only if absent, in the same transaction as the counter
          increment: a retried or duplicated worker finds it there and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tracktion.batch.model import Batch, BatchItem, BatchOptions
from tracktion.clock import epoch, iso
from tracktion.config import settings
from tracktion.errors import Conflict, NotFound
from tracktion.storage.aws import client, table

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
    )


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items() if v is not None}


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
            "estimated_completion": batch.estimated_completion,
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
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _serialize(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": self.table_name, "Item": _serialize(urls)}},
            ]
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
        """The owner's batch; someone else's answers exactly like a missing one."""
        batch = self.find(batch_id)
        if batch is None or batch.owner_id != owner_id:
            raise BatchNotFound(batch_id)
        return batch

    def set_execution(self, batch_id: str, execution_arn: str) -> None:
        self._table.update_item(
            Key=_key(batch_id),
            UpdateExpression="SET execution_arn = :e",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":e": execution_arn},
        )

    def fail_to_start(self, batch_id: str, reason: str) -> None:
        """The execution could not start: the batch is over before it began."""
        self._table.update_item(
            Key=_key(batch_id),
            UpdateExpression="SET #s = :f, completed_at = :now, start_error = :r",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":f": "failed", ":now": iso(), ":r": reason[:500]},
        )

    def finish(self, batch_id: str, status: str) -> bool:
        """Move an active batch to its final status; False when it had already finished."""
        try:
            self._table.update_item(
                Key=_key(batch_id),
                UpdateExpression="SET #s = :s, completed_at = :now",
                ConditionExpression="#s IN (:q, :p)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": status, ":now": iso(), ":q": "queued", ":p": "processing"},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def cancel(self, batch_id: str, owner_id: str) -> Batch:
        """Mark the owner's active batch cancelled (results already recorded stay)."""
        self.get(batch_id, owner_id)
        try:
            self._table.update_item(
                Key=_key(batch_id),
                UpdateExpression="SET #s = :c, cancelled_at = :now, completed_at = :now",
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
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                current = self.get(batch_id, owner_id)
                raise BatchNotActive(batch_id, current.status) from exc
            raise
        return self.get(batch_id, owner_id)

    def list_by_owner(
        self, owner_id: str, limit: int = 20, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Batch], dict[str, Any] | None]:
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": f"OWNER#{owner_id}#BATCH"},
            "Limit": max(1, min(limit, 100)),
            "ScanIndexForward": False,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self._table.query(**kwargs)
        return [_batch_from_item(i) for i in page.get("Items", [])], page.get("LastEvaluatedKey")

    # ------------------------------------------------------------------ item results
    def record_result(self, batch_id: str, index: int, result: dict[str, Any]) -> bool:
        """Store one URL's outcome and count it, atomically and at most once.

        Two writes: the result (only if absent) and the counter increment, in one
        transaction. Returns False when the result was already there (a retried worker).
        """
        outcome = "completed" if result.get("status") == "completed" else "failed"
        now = iso()
        result_item = {
            "pk": f"BATCH#{batch_id}",
            "sk": f"ITEM#{index:05d}",
            "index": index,
            "finished_at": now,
            "expires_at": epoch() + RETENTION_SECONDS,
            "result": json.dumps(result),
            "status": outcome,
        }
        ops = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _serialize(result_item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": _serialize(_key(batch_id)),
                    "UpdateExpression": "ADD #c :one SET started_at = if_not_exists(started_at, :now)",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#c": outcome},
                    "ExpressionAttributeValues": _serialize({":one": 1, ":now": now}),
                }
            },
        ]
        try:
            client("dynamodb").transact_write_items(TransactItems=ops)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                raise BatchNotFound(batch_id) from exc
            raise
        return True

    def results(
        self,
        batch_id: str,
        *,
        only_failed: bool = False,
        limit: int = 100,
        cursor: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Per-item outcomes in URL order, a page at a time."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :i)",
            "ExpressionAttributeValues": {":p": f"BATCH#{batch_id}", ":i": "ITEM#"},
            "Limit": max(1, min(limit, 1000)),
        }
        if only_failed:
            kwargs["FilterExpression"] = "#s = :f"
            kwargs["ExpressionAttributeNames"] = {"#s": "status"}
            kwargs["ExpressionAttributeValues"][":f"] = "failed"
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self._table.query(**kwargs)
        out = [
            {"index": int(i["index"]), "finished_at": i["finished_at"], **json.loads(i["result"])}
            for i in page.get("Items", [])
        ]
        return out, page.get("LastEvaluatedKey")
