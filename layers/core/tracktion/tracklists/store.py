"""Tracklists in DynamoDB: owner-checked reads, optimistic concurrency on every write.

Item shapes (table TRACKLISTS_TABLE, keys pk/sk, GSI1 gsi1pk/gsi1sk, GSI2 gsi2pk/gsi2sk):
- tracklist:  pk=TL#{id} sk=TL; `body` holds the model as JSON (no float→Decimal games);
              gsi1pk=OWNER#{owner} gsi1sk={created_at}#{id} lists an owner's tracklists;
              gsi2pk=AUDIO#{owner}#{audio_file_id} gsi2sk={created_at} lists drafts/versions.
- source key: pk=SRC#{owner}#{source_key} sk=SRC → tracklist_id. Written in the same
              transaction as the tracklist, so one user's import of one page makes one
              tracklist even under concurrent or retried imports.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.exceptions import ClientError

from tracktion.clock import iso
from tracktion.config import settings
from tracktion.errors import Conflict, NotFound
from tracktion.storage.aws import client, table
from tracktion.tracklists.model import Tracklist


class TracklistNotFound(NotFound):
    def __init__(self, tracklist_id: str) -> None:
        super().__init__(f"Tracklist {tracklist_id} not found", details={"tracklist_id": tracklist_id})


class VersionConflict(Conflict):
    def __init__(self, tracklist_id: str, current_version: int | None) -> None:
        super().__init__(
            f"Tracklist {tracklist_id} was changed by another request",
            details={"tracklist_id": tracklist_id, "current_version": current_version},
        )
        self.current_version = current_version


def _item(t: Tracklist) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": f"TL#{t.tracklist_id}",
        "sk": "TL",
        "owner_id": t.owner_id,
        "version": t.version,
        "status": t.status,
        "body": t.model_dump_json(),
        "gsi1pk": f"OWNER#{t.owner_id}",
        "gsi1sk": f"{t.created_at}#{t.tracklist_id}",
    }
    if t.audio_file_id:
        item["gsi2pk"] = f"AUDIO#{t.owner_id}#{t.audio_file_id}"
        item["gsi2sk"] = f"{t.created_at}#{t.tracklist_id}"
    return item


def _from_item(item: dict[str, Any]) -> Tracklist:
    return Tracklist.model_validate_json(item["body"])


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        from tracktion.errors import BadRequest

        raise BadRequest("Invalid pagination cursor", error_code="INVALID_CURSOR") from exc
    return value if isinstance(value, dict) else None


class TracklistStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().tracklists_table

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def get(self, tracklist_id: str, owner_id: str) -> Tracklist:
        """The owner's tracklist; someone else's answers exactly like a missing one."""
        item = self._table.get_item(Key={"pk": f"TL#{tracklist_id}", "sk": "TL"}, ConsistentRead=True).get(
            "Item"
        )
        if not item or item.get("owner_id") != owner_id:
            raise TracklistNotFound(tracklist_id)
        return _from_item(item)

    def create(self, t: Tracklist) -> Tracklist:
        """Insert a new tracklist at version 1, claiming its `source_key` if it has one.

        A second create for the same owner and source key fails with Conflict; importers
        look the key up first (`find_by_source`) and update in place instead.
        """
        t = t.model_copy(update={"version": 1})
        source_key = t.source_key
        put: dict[str, Any] = {
            "Put": {
                "TableName": self.table_name,
                "Item": _serialize(_item(t)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        items = [put]
        if source_key:
            items.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _serialize(
                            {
                                "pk": f"SRC#{t.owner_id}#{source_key}",
                                "sk": "SRC",
                                "tracklist_id": t.tracklist_id,
                                "owner_id": t.owner_id,
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        try:
            client("dynamodb").transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                raise Conflict(
                    "Tracklist already exists",
                    details={"tracklist_id": t.tracklist_id, "source_key": source_key},
                ) from exc
            raise
        return t

    def find_by_source(self, owner_id: str, source_key: str) -> Tracklist | None:
        ref = self._table.get_item(
            Key={"pk": f"SRC#{owner_id}#{source_key}", "sk": "SRC"}, ConsistentRead=True
        ).get("Item")
        if not ref:
            return None
        try:
            return self.get(str(ref["tracklist_id"]), owner_id)
        except TracklistNotFound:
            return None

    def save(self, t: Tracklist, expected_version: int) -> Tracklist:
        """Write `t` as version expected_version+1 only if nobody else wrote in between."""
        new = t.model_copy(update={"version": expected_version + 1, "updated_at": iso()})
        try:
            self._table.put_item(
                Item=_item(new),
                ConditionExpression="attribute_exists(pk) AND owner_id = :o AND version = :v",
                ExpressionAttributeValues={":o": t.owner_id, ":v": expected_version},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = exc.response.get("Item") or {}
            if not old or old.get("owner_id", {}).get("S") != t.owner_id:
                raise TracklistNotFound(t.tracklist_id) from exc
            raise VersionConflict(t.tracklist_id, int(old["version"]["N"])) from exc
        return new

    def delete(self, tracklist_id: str, owner_id: str) -> None:
        t = self.get(tracklist_id, owner_id)
        ops: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _serialize({"pk": f"TL#{tracklist_id}", "sk": "TL"}),
                }
            }
        ]
        if t.source_key:
            # Drop the source claim with it, so a later import of that page creates anew.
            key = {"pk": f"SRC#{owner_id}#{t.source_key}", "sk": "SRC"}
            ops.append({"Delete": {"TableName": self.table_name, "Key": _serialize(key)}})
        client("dynamodb").transact_write_items(TransactItems=ops)

    def list_by_owner(
        self, owner_id: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Tracklist], str | None]:
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": f"OWNER#{owner_id}"},
            "Limit": max(1, min(limit, 100)),
            "ScanIndexForward": False,
        }
        start = _decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self._table.query(**kwargs)
        return [_from_item(i) for i in page.get("Items", [])], _encode_cursor(page.get("LastEvaluatedKey"))

    def list_by_audio_file(
        self, owner_id: str, audio_file_id: str, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Tracklist], str | None]:
        """One page of the owner's tracklists for an audio file, oldest first, and the next cursor."""
        kwargs: dict[str, Any] = {
            "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :p",
            "ExpressionAttributeValues": {":p": f"AUDIO#{owner_id}#{audio_file_id}"},
            "Limit": max(1, min(limit, 500)),
        }
        start = _decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self._table.query(**kwargs)
        return [_from_item(i) for i in page.get("Items", [])], _encode_cursor(page.get("LastEvaluatedKey"))


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items()}
