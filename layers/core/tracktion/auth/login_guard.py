"""Brute-force slowing for password logins: failure counters per account and per client IP.

After `ACCOUNT_FREE_FAILURES` failures on an account (or `IP_FREE_FAILURES` from one
address) within the window, further attempts are refused with 429 and a Retry-After that
doubles with each failure (30 s, 60 s, ... capped at 15 min) — also for the right password,
so guessing cannot continue by watching for a different answer. A success clears the
account's counter. Counters expire with DynamoDB TTL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tracktion import clock
from tracktion.config import settings
from tracktion.errors import RateLimited
from tracktion.storage.aws import client

WINDOW_SECONDS = 900
ACCOUNT_FREE_FAILURES = 5
IP_FREE_FAILURES = 20
BASE_DELAY_SECONDS = 30


def _keys(email: str, ip: str) -> list[dict[str, Any]]:
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [
        {"pk": {"S": f"LOGIN#acct#{account}"}, "sk": {"S": "FAILURES"}},
        {"pk": {"S": f"LOGIN#ip#{ip or 'unknown'}"}, "sk": {"S": "FAILURES"}},
    ]


def _delay(failures: int, free: int) -> int:
    if failures < free:
        return 0
    return int(min(BASE_DELAY_SECONDS * 2 ** (failures - free), WINDOW_SECONDS))


def check(email: str, ip: str) -> None:
    """Raise 429 TOO_MANY_LOGIN_ATTEMPTS while the account or address is cooling down."""
    table = settings().counters_table
    out = client("dynamodb").batch_get_item(
        RequestItems={table: {"Keys": _keys(email, ip), "ConsistentRead": True}}
    )
    now = clock.epoch()
    wait = 0
    for item in out.get("Responses", {}).get(table, []):
        if int(item.get("expires_at", {}).get("N", "0")) <= now:
            continue
        failures = int(item["failures"]["N"])
        free = ACCOUNT_FREE_FAILURES if item["pk"]["S"].startswith("LOGIN#acct#") else IP_FREE_FAILURES
        until = int(item["last_failure"]["N"]) + _delay(failures, free)
        wait = max(wait, until - now)
    if wait > 0:
        raise RateLimited(
            "Too many failed logins; try again later",
            error_code="TOO_MANY_LOGIN_ATTEMPTS",
            retry_after=wait,
            headers={"Retry-After": str(wait), "X-RateLimit-Retry-After": str(wait)},
        )


def failed(email: str, ip: str) -> None:
    now = clock.epoch()
    for key in _keys(email, ip):
        client("dynamodb").update_item(
            TableName=settings().counters_table,
            Key=key,
            UpdateExpression="ADD failures :one SET last_failure = :now, expires_at = :exp",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":now": {"N": str(now)},
                ":exp": {"N": str(now + WINDOW_SECONDS)},
            },
        )


def succeeded(email: str, ip: str) -> None:
    client("dynamodb").delete_item(TableName=settings().counters_table, Key=_keys(email, ip)[0])
