"""Follow records: one per followed tracklist, in the tracklists table beside the tracklist.

Item: pk=TL#{tracklist_id} sk=FOLLOW, `owner_id`, `record` (the Follow as JSON, base snapshot
included; a 500-row base is ~80 KB, well under DynamoDB's 400 KB), `rev` (optimistic
concurrency: every write is conditional on the revision read). While following, the item is in
the due index: gsi1pk=FOLLOW#DUE#{shard} gsi1sk={next_check_at}#{tracklist_id}, so the
scheduled check reads what is due with one Query per shard (oldest first), never a Scan. A
stopped follow leaves the index (the record stays, so its last check is still shown).
The record never holds a `body` attribute: nothing that reads tracklists mistakes it for one.
Each owner's active follows are counted in pk=FOLLOWS#{owner} sk=COUNT (FOLLOW_MAX_PER_OWNER),
so one account cannot fill every run's checks; an active follow is also in the owner index
(gsi2pk=FOLLOWER#{owner} gsi2sk={tracklist_id}), which repairs the count at the limit.
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from tracktion.config import settings
from tracktion.errors import Conflict
from tracktion.following.merge import BaseRow
from tracktion.models import Model
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table

SORT_KEY = "FOLLOW"
DUE_SHARDS = 4
DUE_PREFIX = "FOLLOW#DUE#"
FOLLOWER_PREFIX = "FOLLOWER#"


class Follow(Model):
    tracklist_id: str
    owner_id: str
    source_url: str
    following: bool = True
    started_at: str
    stopped_at: str | None = None
    last_checked_at: str | None = None
    next_check_at: str | None = None
    check_interval_seconds: int | None = None
    checks: int = 0
    changes: int = 0
    last_changed_at: str | None = None
    last_error: dict[str, Any] | None = None
    consecutive_failures: int = 0
    # The source rows as last read: the common ancestor of the next merge.
    base: list[BaseRow] = Field(default_factory=list)
    rev: int = 0


class FollowChanged(Conflict):
    """Another writer updated the follow record first (a concurrent check or a stop)."""


class FollowLimitReached(Conflict):
    error_code = "FOLLOW_LIMIT_REACHED"


def shard(tracklist_id: str) -> int:
    return int(hashlib.sha256(tracklist_id.encode()).hexdigest(), 16) % DUE_SHARDS


class FollowStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().tracklists_table

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def get(self, tracklist_id: str, owner_id: str) -> Follow | None:
        """The owner's record (another owner's is None)."""
        follow = self.load(tracklist_id)
        return follow if follow is not None and follow.owner_id == owner_id else None

    def load(self, tracklist_id: str) -> Follow | None:
        """The record whoever owns it (the scheduled check reads what the due index names)."""
        item = self._table.get_item(
            Key={"pk": f"TL#{tracklist_id}", "sk": SORT_KEY}, ConsistentRead=True
        ).get("Item")
        return Follow.model_validate_json(str(item["record"])) if item else None

    def put(self, follow: Follow) -> Follow:
        """Write `follow` as rev+1 if the stored revision is still follow.rev (0: not stored)."""
        new = follow.model_copy(update={"rev": follow.rev + 1})
        item: dict[str, Any] = {
            "pk": f"TL#{new.tracklist_id}",
            "sk": SORT_KEY,
            "owner_id": new.owner_id,
            "rev": new.rev,
            "record": new.model_dump_json(),
        }
        if new.following and new.next_check_at:
            item["gsi1pk"] = f"{DUE_PREFIX}{shard(new.tracklist_id)}"
            item["gsi1sk"] = f"{new.next_check_at}#{new.tracklist_id}"
        if new.following:
            item["gsi2pk"] = f"{FOLLOWER_PREFIX}{new.owner_id}"
            item["gsi2sk"] = new.tracklist_id
        condition = "attribute_not_exists(pk)" if follow.rev == 0 else "rev = :rev"
        kwargs: dict[str, Any] = {"Item": item, "ConditionExpression": condition}
        if follow.rev:
            kwargs["ExpressionAttributeValues"] = {":rev": follow.rev}
        try:
            self._table.put_item(**kwargs)
        except ClientError as exc:
            if ddb.condition_failed(exc):
                raise FollowChanged(
                    "The follow record was changed by another request",
                    details={"tracklist_id": follow.tracklist_id},
                ) from exc
            raise
        return new

    # The owner's count of active follows: pk=FOLLOWS#{owner} sk=COUNT, `active` (atomic ADD).
    def reserve(self, owner_id: str, limit: int) -> None:
        """Count one more active follow, unless the owner has `limit` already."""
        try:
            self._table.update_item(
                Key={"pk": f"FOLLOWS#{owner_id}", "sk": "COUNT"},
                UpdateExpression="ADD active :one",
                ConditionExpression="attribute_not_exists(active) OR active < :limit",
                ExpressionAttributeValues={":one": 1, ":limit": limit},
            )
        except ClientError as exc:
            if ddb.condition_failed(exc):
                raise FollowLimitReached(
                    f"An account follows at most {limit} tracklists; stop following one first",
                    details={"limit": limit},
                ) from exc
            raise

    def release(self, owner_id: str) -> None:
        """Count one active follow less (never below zero)."""
        try:
            self._table.update_item(
                Key={"pk": f"FOLLOWS#{owner_id}", "sk": "COUNT"},
                UpdateExpression="ADD active :minus",
                ConditionExpression="active > :zero",
                ExpressionAttributeValues={":minus": -1, ":zero": 0},
            )
        except ClientError as exc:
            if not ddb.condition_failed(exc):
                raise

    def recount(self, owner_id: str, active: int) -> None:
        """Set the owner's count (the repair at the limit: tracklists deleted while followed)."""
        self._table.put_item(Item={"pk": f"FOLLOWS#{owner_id}", "sk": "COUNT", "active": active})

    def followed_by(self, owner_id: str, limit: int) -> list[str]:
        """The tracklist ids the owner follows (the owner index, at most `limit`)."""
        found = ddb.items(
            self._table.query,
            max_items=limit,
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :p",
            ExpressionAttributeValues={":p": f"{FOLLOWER_PREFIX}{owner_id}"},
            ProjectionExpression="gsi2sk",
        )
        return [str(i["gsi2sk"]) for i in found]

    def delete(self, tracklist_id: str) -> None:
        self._table.delete_item(Key={"pk": f"TL#{tracklist_id}", "sk": SORT_KEY})

    def due(self, now_iso: str, limit: int) -> list[str]:
        """Tracklist ids whose next check is at or before `now_iso`, oldest due first."""
        found: list[tuple[str, str]] = []
        for n in range(DUE_SHARDS):
            items = ddb.items(
                self._table.query,
                max_items=limit,
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :p AND gsi1sk <= :now",
                ExpressionAttributeValues={":p": f"{DUE_PREFIX}{n}", ":now": f"{now_iso}#~"},
                ProjectionExpression="gsi1sk",
                Limit=limit,
            )
            found.extend((str(i["gsi1sk"]), str(i["gsi1sk"]).rsplit("#", 1)[1]) for i in items)
        return [tracklist_id for _, tracklist_id in sorted(found)[:limit]]
