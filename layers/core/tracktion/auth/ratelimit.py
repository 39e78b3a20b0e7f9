"""Per-account request and token limits: one atomic, conditional DynamoDB update per request.

One counter item per account and calendar month (UTC) holds both windows: `tokens` for the
month and `dNN` for the requests of day NN. A single UpdateItem with a condition on both
admits the request and counts it, so concurrent requests at the edge of a limit cannot both
pass (no read-modify-write). Items expire with DynamoDB TTL two months later.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tracktion import clock
from tracktion.auth.principal import Principal
from tracktion.auth.tiers import Tier, next_tier, tier, upgrade_url
from tracktion.config import settings
from tracktion.errors import RateLimited
from tracktion.storage.aws import client


@dataclass(frozen=True)
class Allowance:
    """Where an account stands after a request was admitted (or refused)."""

    limit: int
    remaining: int
    reset: int
    tokens_limit: int
    tokens_remaining: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Tokens-Limit": str(self.tokens_limit),
            "X-RateLimit-Tokens-Remaining": str(max(self.tokens_remaining, 0)),
        }


@dataclass(frozen=True)
class Window:
    month: str
    day_attr: str
    day_reset: int
    month_reset: int
    expires_at: int


def window(now: datetime | None = None) -> Window:
    now = now or clock.now()
    tomorrow = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    days = calendar.monthrange(now.year, now.month)[1]
    next_month = datetime(now.year, now.month, days, tzinfo=UTC) + timedelta(days=1)
    return Window(
        month=f"{now.year:04d}-{now.month:02d}",
        day_attr=f"d{now.day:02d}",
        day_reset=int(tomorrow.timestamp()),
        month_reset=int(next_month.timestamp()),
        expires_at=int(next_month.timestamp()) + 62 * 86400,
    )


def _key(user_id: str, win: Window) -> dict[str, Any]:
    return {"pk": {"S": f"RL#{user_id}"}, "sk": {"S": f"M#{win.month}"}}


def _num(item: dict[str, Any], name: str) -> int:
    value = item.get(name)
    return int(value["N"]) if value else 0


def _refusal(plan: Tier, win: Window, used_requests: int, used_tokens: int, asked: int) -> RateLimited:
    now = clock.epoch()
    if used_requests >= plan.requests_per_day:
        limit_type, limit, used, reset = (
            "requests_per_day",
            plan.requests_per_day,
            used_requests,
            win.day_reset,
        )
        message = f"Daily request limit of {plan.requests_per_day} reached for the {plan.name} tier"
    else:
        limit_type, limit, used, reset = (
            "tokens_per_month",
            plan.tokens_per_month,
            used_tokens,
            win.month_reset,
        )
        message = (
            f"Monthly token limit of {plan.tokens_per_month} would be exceeded "
            f"({used_tokens} used, {asked} asked) for the {plan.name} tier"
        )
    retry_after = max(reset - now, 1)
    allowance = Allowance(
        plan.requests_per_day,
        plan.requests_per_day - used_requests,
        win.day_reset,
        plan.tokens_per_month,
        plan.tokens_per_month - used_tokens,
    )
    upgrade = next_tier(plan.name)
    # The reference's 429 body: error "Rate limit exceeded", details {limit, window, upgrade_url};
    # which limit, how much was used and when it resets are ours, beside them.
    details: dict[str, Any] = {
        "limit": limit,
        "window": "1 day" if limit_type == "requests_per_day" else "1 month",
        "upgrade_url": upgrade_url(),
        "limit_type": limit_type,
        "used": used,
        "tier": plan.name,
        "reset": reset,
        "reason": message,
    }
    if upgrade:
        details["upgrade_tier"] = upgrade.name
    return RateLimited(
        "Rate limit exceeded",
        details=details,
        retry_after=retry_after,
        headers={
            **allowance.headers(),
            "Retry-After": str(retry_after),
            "X-RateLimit-Retry-After": str(retry_after),
        },
    )


def admit(principal: Principal, tokens: int) -> Allowance:
    """Count one request costing `tokens` against the caller's tier, or raise `RateLimited`."""
    plan = tier(principal.tier)
    win = window()
    if tokens > plan.tokens_per_month:
        raise _refusal(plan, win, 0, 0, tokens)
    try:
        out = client("dynamodb").update_item(
            TableName=settings().counters_table,
            Key=_key(principal.user_id, win),
            UpdateExpression=(
                "ADD #d :one, requests :one, tokens :w SET expires_at = if_not_exists(expires_at, :exp)"
            ),
            ConditionExpression=(
                "(attribute_not_exists(#d) OR #d < :rlimit) "
                "AND (attribute_not_exists(tokens) OR tokens <= :tmax)"
            ),
            ExpressionAttributeNames={"#d": win.day_attr},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":w": {"N": str(tokens)},
                ":exp": {"N": str(win.expires_at)},
                ":rlimit": {"N": str(plan.requests_per_day)},
                ":tmax": {"N": str(plan.tokens_per_month - tokens)},
            },
            ReturnValues="UPDATED_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except client("dynamodb").exceptions.ConditionalCheckFailedException as exc:
        old = exc.response.get("Item") or {}
        raise _refusal(plan, win, _num(old, win.day_attr), _num(old, "tokens"), tokens) from None
    new = out.get("Attributes") or {}
    return Allowance(
        plan.requests_per_day,
        plan.requests_per_day - _num(new, win.day_attr),
        win.day_reset,
        plan.tokens_per_month,
        plan.tokens_per_month - _num(new, "tokens"),
    )


def charge_tokens(principal: Principal, tokens: int) -> None:
    """Charge `tokens` more to the caller's month (e.g. 10 per batch URL), or raise `RateLimited`.

    All or nothing: a charge that would pass the monthly limit charges nothing.
    """
    if tokens <= 0:
        return
    plan = tier(principal.tier)
    win = window()
    if tokens > plan.tokens_per_month:
        raise _refusal(plan, win, 0, 0, tokens)
    try:
        client("dynamodb").update_item(
            TableName=settings().counters_table,
            Key=_key(principal.user_id, win),
            UpdateExpression="ADD tokens :w SET expires_at = if_not_exists(expires_at, :exp)",
            ConditionExpression="attribute_not_exists(tokens) OR tokens <= :tmax",
            ExpressionAttributeValues={
                ":w": {"N": str(tokens)},
                ":exp": {"N": str(win.expires_at)},
                ":tmax": {"N": str(plan.tokens_per_month - tokens)},
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except client("dynamodb").exceptions.ConditionalCheckFailedException as exc:
        old = exc.response.get("Item") or {}
        # Only the token window refused; report it as such even if the day is also full.
        raise _refusal(plan, win, 0, _num(old, "tokens"), tokens) from None


def refund_tokens(principal: Principal, tokens: int) -> bool:
    """Give back `tokens` charged this month for work that never ran (a batch that could not be
    recorded or started). Never below zero; False (and logged with the figures, for an operator)
    when the counter cannot be written."""
    from botocore.exceptions import ClientError

    from tracktion.observability import logger

    if tokens <= 0:
        return True
    win = window()
    try:
        client("dynamodb").update_item(
            TableName=settings().counters_table,
            Key=_key(principal.user_id, win),
            UpdateExpression="ADD tokens :back",
            ConditionExpression="tokens >= :n",
            ExpressionAttributeValues={":back": {"N": str(-tokens)}, ":n": {"N": str(tokens)}},
        )
    except ClientError as exc:
        logger.error(
            "tokens not refunded",
            extra={"user_id": principal.user_id, "tokens": tokens, "month": win.month, "error": str(exc)},
        )
        return False
    return True


@dataclass(frozen=True)
class Standing:
    """An account's counters now, for the usage summary."""

    requests_today: int
    requests_this_month: int
    tokens_this_month: int
    window: Window


def standing(user_id: str) -> Standing:
    win = window()
    item = (
        client("dynamodb")
        .get_item(TableName=settings().counters_table, Key=_key(user_id, win), ConsistentRead=True)
        .get("Item")
        or {}
    )
    return Standing(_num(item, win.day_attr), _num(item, "requests"), _num(item, "tokens"), win)
