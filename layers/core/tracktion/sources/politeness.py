"""One request budget towards 1001tracklists, shared by every function and every instance.

A single item in the CountersTable holds `next_at`, the earliest time (epoch ms) the next
request may start. Taking a turn is one atomic conditional UpdateItem: either the budget is
idle (`next_at <= now`: take it now and push `next_at` one interval on), or `ADD next_at
interval` reserves the next free slot atomically and the caller sleeps until it. A caller
that would wait longer than SOURCE_MAX_WAIT_SECONDS gives its slot back and answers 503 with
`retry_after`. After a block the whole budget is pushed back (SOURCE_BLOCK_BACKOFF_SECONDS,
default 20 turns: 60 s at the default interval), so no function hammers a site that has just
challenged us.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from tracktion.config import SourceSettings, get, settings
from tracktion.errors import SourceBlocked
from tracktion.sources.blocks import SourceBusy
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table

KEY = {"pk": "POLITENESS#1001tracklists", "sk": "BUCKET"}
ITEM_TTL_SECONDS = 7 * 24 * 3600
BACKOFF_TURNS = 20


class PolitenessBucket:
    def __init__(
        self,
        table_name: str | None = None,
        *,
        interval_seconds: float | None = None,
        max_wait_seconds: float | None = None,
        block_backoff_seconds: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        key: dict[str, str] | None = None,
    ) -> None:
        self.table_name = table_name or settings().counters_table
        # Another remote's budget (the Beatport catalog's) is the same mechanism under its own item.
        self.key = key or KEY
        self.interval = (
            interval_seconds if interval_seconds is not None else get(SourceSettings).min_interval_seconds
        )
        self.max_wait = (
            max_wait_seconds if max_wait_seconds is not None else get(SourceSettings).max_wait_seconds
        )
        configured_backoff = get(SourceSettings).block_backoff_seconds
        self.block_backoff = (
            block_backoff_seconds
            if block_backoff_seconds is not None
            else configured_backoff
            if configured_backoff is not None
            else BACKOFF_TURNS * self.interval
        )
        self._sleep = sleep
        self._clock = clock

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def acquire(self) -> float:
        """Wait for our turn; returns the seconds waited. SourceBusy/SourceBlocked if too long."""
        now = self._now_ms()
        step = int(self.interval * 1000)
        expires = int(self._clock()) + ITEM_TTL_SECONDS
        try:
            self._table.update_item(
                Key=self.key,
                UpdateExpression="SET next_at = :next, expires_at = :exp",
                ConditionExpression="attribute_not_exists(next_at) OR next_at <= :now",
                ExpressionAttributeValues={":next": now + step, ":now": now, ":exp": expires},
            )
            return 0.0
        except ClientError as exc:
            if not ddb.condition_failed(exc):
                raise
        item = self._table.update_item(
            Key=self.key,
            UpdateExpression="ADD next_at :step SET expires_at = :exp",
            ExpressionAttributeValues={":step": step, ":exp": expires},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        slot = int(item["next_at"]) - step
        wait = max(0.0, (slot - now) / 1000)
        if wait > self.max_wait:
            self._give_back(step)
            blocked_until = int(item.get("blocked_until", 0))
            retry_after = max(1, math.ceil(wait))
            if blocked_until > now:
                raise SourceBlocked(
                    "1001tracklists challenged us recently; backing off",
                    details={"reason": "backoff"},
                    retry_after=max(1, math.ceil((blocked_until - now) / 1000)),
                )
            raise SourceBusy("Too many requests to 1001tracklists right now", retry_after=retry_after)
        if wait > 0:
            self._sleep(wait)
        return wait

    def _give_back(self, step: int) -> None:
        if step:
            self._table.update_item(
                Key=self.key,
                UpdateExpression="ADD next_at :back",
                ExpressionAttributeValues={":back": -step},
            )

    def record_block(self) -> int:
        """Push the shared budget back after a block; returns the backoff in seconds."""
        now = self._now_ms()
        until = now + int(self.block_backoff * 1000)
        try:
            self._table.update_item(
                Key=self.key,
                UpdateExpression="SET next_at = :until, blocked_until = :until, expires_at = :exp",
                ConditionExpression="attribute_not_exists(next_at) OR next_at < :until",
                ExpressionAttributeValues={
                    ":until": until,
                    ":exp": int(self._clock()) + ITEM_TTL_SECONDS,
                },
            )
        except ClientError as exc:
            if not ddb.condition_failed(exc):
                raise
        return max(1, math.ceil(self.block_backoff))
