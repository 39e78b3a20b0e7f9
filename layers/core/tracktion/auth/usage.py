"""Usage analytics per API key per day: requests, tokens, errors, summed latency, endpoints.

One item per (account, UTC day, key) updated atomically after each request, so reading a
period is one Query (summary) or one BatchGetItem (one key): never a scan. Requests made
with a session token (JWT) count under the pseudo key `session`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracktion import clock
from tracktion.config import settings
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client

SESSION_KEY = "session"
RETENTION_DAYS = 100
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}
_EP = "ep:"
_CAT = "cat:"


def _sk(day: date, key_id: str) -> str:
    return f"D#{day.isoformat()}#K#{key_id}"


def record(
    user_id: str,
    key_id: str | None,
    endpoint: str,
    category: str,
    tokens: int,
    *,
    error: bool,
    latency_ms: int,
) -> None:
    """Count one finished request (one UpdateItem)."""
    today = clock.now().date()
    client("dynamodb").update_item(
        TableName=settings().counters_table,
        Key={"pk": {"S": f"USAGE#{user_id}"}, "sk": {"S": _sk(today, key_id or SESSION_KEY)}},
        UpdateExpression=(
            "ADD requests :one, tokens :t, errors :e, latency_ms :l, #ep :one, #cat :t "
            "SET key_id = :k, last_used_at = :now, expires_at = if_not_exists(expires_at, :exp)"
        ),
        ExpressionAttributeNames={"#ep": _EP + endpoint[:200], "#cat": _CAT + category},
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":t": {"N": str(tokens)},
            ":e": {"N": "1" if error else "0"},
            ":l": {"N": str(max(latency_ms, 0))},
            ":k": {"S": key_id or SESSION_KEY},
            ":now": {"S": clock.iso()},
            ":exp": {"N": str(clock.epoch() + RETENTION_DAYS * 86400)},
        },
    )


@dataclass
class UsageTotals:
    requests: int = 0
    tokens: int = 0
    errors: int = 0
    latency_ms: int = 0
    endpoints: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    daily: dict[str, dict[str, int]] = field(default_factory=dict)
    last_used_at: str | None = None

    def add(self, item: dict[str, Any]) -> None:
        def num(name: str) -> int:
            return int(item[name]["N"]) if name in item else 0

        day = item["sk"]["S"].split("#")[1]
        row = self.daily.setdefault(day, {"requests": 0, "tokens": 0, "errors": 0})
        for name in ("requests", "tokens", "errors"):
            row[name] += num(name)
        self.requests += num("requests")
        self.tokens += num("tokens")
        self.errors += num("errors")
        self.latency_ms += num("latency_ms")
        for name, value in item.items():
            if name.startswith(_EP):
                self.endpoints[name[len(_EP) :]] = self.endpoints.get(name[len(_EP) :], 0) + int(value["N"])
            elif name.startswith(_CAT):
                self.categories[name[len(_CAT) :]] = self.categories.get(name[len(_CAT) :], 0) + int(
                    value["N"]
                )
        seen = item.get("last_used_at", {}).get("S")
        if seen and (self.last_used_at is None or seen > self.last_used_at):
            self.last_used_at = seen

    def as_dict(self, top: int = 10) -> dict[str, Any]:
        ranked = sorted(self.endpoints.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return {
            "requests": self.requests,
            "tokens": self.tokens,
            "errors": self.errors,
            "error_rate": round(self.errors / self.requests, 4) if self.requests else 0.0,
            "avg_latency_ms": round(self.latency_ms / self.requests, 1) if self.requests else 0.0,
            "top_endpoints": [{"endpoint": ep, "requests": n} for ep, n in ranked],
            "daily": [{"date": d, **v} for d, v in sorted(self.daily.items())],
        }


def period_days(period: str) -> list[date]:
    today = clock.now().date()
    return [today - timedelta(days=n) for n in range(PERIOD_DAYS[period])][::-1]


def for_key(user_id: str, key_id: str, period: str) -> UsageTotals:
    """One key's usage over the period: one BatchGetItem (≤ 31 exact keys)."""
    totals = UsageTotals()
    table = settings().counters_table
    keys = [{"pk": {"S": f"USAGE#{user_id}"}, "sk": {"S": _sk(day, key_id)}} for day in period_days(period)]
    request: dict[str, Any] = {table: {"Keys": keys}}
    while request:
        out = client("dynamodb").batch_get_item(RequestItems=request)
        for item in out.get("Responses", {}).get(table, []):
            totals.add(item)
        request = out.get("UnprocessedKeys") or {}
    return totals


def for_account(user_id: str, period: str) -> dict[str, UsageTotals]:
    """Every key's usage over the period, by key id: one Query on the account's partition."""
    days = period_days(period)
    by_key: dict[str, UsageTotals] = {}
    kwargs: dict[str, Any] = {
        "TableName": settings().counters_table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {
            ":pk": {"S": f"USAGE#{user_id}"},
            ":a": {"S": f"D#{days[0].isoformat()}#"},
            ":b": {"S": f"D#{days[-1].isoformat()}#~"},
        },
    }
    for item in ddb.items(client("dynamodb").query, **kwargs):
        # The key is in the sort key (D#<day>#K#<key_id>), which every item has by construction.
        by_key.setdefault(item["sk"]["S"].split("#K#", 1)[1], UsageTotals()).add(item)
    return by_key
