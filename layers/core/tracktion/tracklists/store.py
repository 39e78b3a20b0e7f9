"""Tracklists in DynamoDB: owner-checked reads, optimistic concurrency on every write.

Item shapes (table TRACKLISTS_TABLE, keys pk/sk, GSI1 gsi1pk/gsi1sk, GSI2 gsi2pk/gsi2sk):
- tracklist:  pk=TL#{id} sk=TL; `body` holds the model as JSON (no float→Decimal games);
              gsi1pk=OWNER#{owner} gsi1sk={created_at}#{id} lists an owner's tracklists;
              gsi2pk=AUDIO#{owner}#{audio_file_id} gsi2sk={created_at} lists drafts/versions.
              `source` (top level, beside `status`) lets a list filter on it.
- source key: pk=SRC#{owner}#{source_key} sk=SRC → tracklist_id. Written in the same
              transaction as the tracklist, so one user's import of one page makes one
              tracklist even under concurrent or retried imports. A published version of a
              draft claims `publish:{draft_id}:v{draft version}`, which is how a draft finds
              the versions published from it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from tracktion.clock import iso
from tracktion.config import settings
from tracktion.errors import BadRequest, Conflict, NotFound
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client, table
from tracktion.tracklists.model import Tracklist

MAX_PAGE = 100
MAX_OFFSET = 10_000


class StoredTracklist(Tracklist):
    """A tracklist as the store keeps it: its content plus settings that are not content.

    `default_cue_format` is left out of every dump (so CUE fingerprints and caches, which hash
    the content, do not change with it); the store writes it into the item itself.
    """

    default_cue_format: str | None = Field(default=None, exclude=True)


def publish_claim(draft_id: str, draft_version: int) -> str:
    return f"publish:{draft_id}:v{draft_version}"


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


def _body(t: Tracklist) -> str:
    body = t.model_dump_json()
    cue_format = getattr(t, "default_cue_format", None)
    if cue_format:
        data = json.loads(body)
        data["default_cue_format"] = cue_format
        body = json.dumps(data, separators=(",", ":"))
    return body


def _item(t: Tracklist) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": f"TL#{t.tracklist_id}",
        "sk": "TL",
        "owner_id": t.owner_id,
        "version": t.version,
        "status": t.status,
        "source": t.source,
        "body": _body(t),
        "gsi1pk": f"OWNER#{t.owner_id}",
        "gsi1sk": f"{t.created_at}#{t.tracklist_id}",
    }
    if t.audio_file_id:
        item["gsi2pk"] = f"AUDIO#{t.owner_id}#{t.audio_file_id}"
        item["gsi2sk"] = f"{t.created_at}#{t.tracklist_id}"
    return item


def _from_item(item: dict[str, Any]) -> StoredTracklist:
    return StoredTracklist.model_validate_json(item["body"])


def _by_owner(owner_id: str) -> ddb.CursorScope:
    return ddb.CursorScope(
        "tracklists.by_owner",
        bound={"gsi1pk": f"OWNER#{owner_id}"},
        attributes=("pk", "sk", "gsi1pk", "gsi1sk"),
    )


def _by_audio_file(owner_id: str, audio_file_id: str) -> ddb.CursorScope:
    return ddb.CursorScope(
        "tracklists.by_audio_file",
        bound={"gsi2pk": f"AUDIO#{owner_id}#{audio_file_id}"},
        attributes=("pk", "sk", "gsi2pk", "gsi2sk"),
    )


class TracklistStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().tracklists_table

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def get(self, tracklist_id: str, owner_id: str) -> StoredTracklist:
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
        ddb.transact_write(
            items,
            otherwise=lambda: Conflict(
                "Tracklist already exists",
                details={"tracklist_id": t.tracklist_id, "source_key": source_key},
            ),
        )
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
            if not ddb.condition_failed(exc):
                raise
            old = ddb.failed_item(exc) or {}
            if old.get("owner_id") != t.owner_id:
                raise TracklistNotFound(t.tracklist_id) from exc
            raise VersionConflict(t.tracklist_id, int(old["version"])) from exc
        return new

    def delete(self, tracklist_id: str, owner_id: str) -> None:
        self.delete_many([self.get(tracklist_id, owner_id)])

    def delete_many(self, tracklists: Sequence[Tracklist]) -> None:
        """Each tracklist with its source claim, in transactions of at most 100 items."""
        ops: list[dict[str, Any]] = []
        for t in tracklists:
            ops.append(
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": _serialize({"pk": f"TL#{t.tracklist_id}", "sk": "TL"}),
                    }
                }
            )
            if t.source_key:
                # Drop the source claim with it, so a later import of that page creates anew.
                key = {"pk": f"SRC#{t.owner_id}#{t.source_key}", "sk": "SRC"}
                ops.append({"Delete": {"TableName": self.table_name, "Key": _serialize(key)}})
        for start in range(0, len(ops), 100):
            client("dynamodb").transact_write_items(TransactItems=ops[start : start + 100])

    def published_from(self, draft: Tracklist) -> list[StoredTracklist]:
        """The versions published from `draft`: one per draft version that was published,
        found by their publish claims (key reads only, never a scan)."""
        keys = [
            {"pk": f"SRC#{draft.owner_id}#{publish_claim(draft.tracklist_id, v)}", "sk": "SRC"}
            for v in range(1, draft.version + 1)
        ]
        ids = [str(i["tracklist_id"]) for i in self._batch_get(keys) if i.get("owner_id") == draft.owner_id]
        found = self._batch_get([{"pk": f"TL#{i}", "sk": "TL"} for i in ids])
        return [_from_item(i) for i in found if i.get("owner_id") == draft.owner_id]

    def _batch_get(self, keys: list[dict[str, str]]) -> list[dict[str, Any]]:
        from boto3.dynamodb.types import TypeDeserializer

        des = TypeDeserializer()
        typed = [_serialize(k) for k in keys]
        found = ddb.batch_get(client("dynamodb").batch_get_item, self.table_name, typed, ConsistentRead=True)
        return [{k: des.deserialize(v) for k, v in item.items()} for item in found]

    def list_page(
        self,
        owner_id: str,
        *,
        limit: int = 20,
        offset: int = 0,
        source: str | None = None,
        status: str | None = None,
        audio_file_id: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
    ) -> tuple[list[StoredTracklist], int]:
        """One limit/offset page of the owner's tracklists, newest first, and how many match.

        Reads only the owner's index partition (gsi1, or gsi2 for one audio file), with the date
        range in the key condition and the other filters applied by DynamoDB.
        """
        if offset > MAX_OFFSET:
            raise BadRequest(f"offset may be at most {MAX_OFFSET}", error_code="INVALID_PAGINATION")
        limit = max(1, min(limit, MAX_PAGE))
        if audio_file_id:
            index, pk_name, sk_name = "gsi2", "gsi2pk", "gsi2sk"
            partition = f"AUDIO#{owner_id}#{audio_file_id}"
        else:
            index, pk_name, sk_name = "gsi1", "gsi1pk", "gsi1sk"
            partition = f"OWNER#{owner_id}"
        condition = f"{pk_name} = :p"
        values: dict[str, Any] = {":p": partition}
        # Sort keys read "<created_at ISO>#<id>": "~" sorts after every id character.
        if created_from and created_to:
            condition += f" AND {sk_name} BETWEEN :lo AND :hi"
            values.update({":lo": created_from, ":hi": created_to + "~"})
        elif created_from:
            condition += f" AND {sk_name} >= :lo"
            values[":lo"] = created_from
        elif created_to:
            condition += f" AND {sk_name} <= :hi"
            values[":hi"] = created_to + "~"
        filters: list[str] = []
        names: dict[str, str] = {}
        if status:
            filters.append("#st = :st")
            names["#st"] = "status"
            values[":st"] = status
        if source:
            # Items written before `source` was a top-level attribute carry it only in `body`.
            filters.append("(#src = :src OR (attribute_not_exists(#src) AND contains(body, :srcjson)))")
            names["#src"] = "source"
            values[":src"] = source
            values[":srcjson"] = json.dumps({"source": source}, separators=(",", ":"))[1:-1]
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
            kwargs["ExpressionAttributeNames"] = names
        window, total = ddb.offset_page(self._table.query, offset=offset, limit=limit, **kwargs)
        return [_from_item(i) for i in window], total

    def list_by_owner(
        self, owner_id: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[StoredTracklist], str | None]:
        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": f"OWNER#{owner_id}"},
            "Limit": max(1, min(limit, 100)),
            "ScanIndexForward": False,
        }
        found, token = ddb.query_page(self._table.query, _by_owner(owner_id), cursor, **kwargs)
        return [_from_item(i) for i in found], token

    def list_by_audio_file(
        self, owner_id: str, audio_file_id: str, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[StoredTracklist], str | None]:
        """One page of the owner's tracklists for an audio file, oldest first, and the next cursor."""
        kwargs: dict[str, Any] = {
            "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :p",
            "ExpressionAttributeValues": {":p": f"AUDIO#{owner_id}#{audio_file_id}"},
            "Limit": max(1, min(limit, 500)),
        }
        scope = _by_audio_file(owner_id, audio_file_id)
        found, token = ddb.query_page(self._table.query, scope, cursor, **kwargs)
        return [_from_item(i) for i in found], token


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items()}
