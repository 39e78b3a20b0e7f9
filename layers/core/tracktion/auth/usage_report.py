"""Developer usage analytics from our counters: per key, per account, cost and advice.

Every number comes from the usage counters (`usage.py`, one item per account, UTC day and key,
written after each request) and the rate-limit standing (`ratelimit.standing`). Cost is the
tokens used times one published price per token, PRICE_PER_TOKEN_USD: $2.00 per million
tokens, the price the reference's own examples imply (450,000 tokens cost $0.90 and 750,000
tokens $1.50). Requests are priced through their token weights (`weights.py`), so
`request_cost` is 0. See docs/api-contract.md, "Developer API (keys, usage)".
"""

from __future__ import annotations

from typing import Any

from tracktion.auth import key_store, ratelimit, usage
from tracktion.auth.principal import Principal
from tracktion.auth.tiers import next_tier, tier, upgrade_url

PRICE_PER_TOKEN_USD = 0.000002  # $2.00 per 1,000,000 tokens
PRICE_PER_REQUEST_USD = 0.0  # a request's price is its tokens
SLOW_RESPONSE_MS = 1000
HIGH_ERROR_RATE = 0.05
MIN_REQUESTS_FOR_RATES = 20


def _pct(used: float, limit: float) -> float:
    return round(100.0 * used / limit, 2) if limit else 0.0


def _usd(amount: float) -> float:
    return round(amount, 6)


def average_ms(totals: usage.UsageTotals) -> int:
    """Mean response time in whole milliseconds, as the reference shows it (`275`); 0 unused."""
    return round(totals.latency_ms / totals.requests) if totals.requests else 0


def error_rate(totals: usage.UsageTotals) -> float:
    return round(totals.errors / totals.requests, 4) if totals.requests else 0.0


def token_cost(tokens: int) -> float:
    return _usd(tokens * PRICE_PER_TOKEN_USD)


def cost_breakdown(totals: usage.UsageTotals, tier_name: str, period: str) -> dict[str, Any]:
    """The reference's `cost_breakdown`: base = tokens + requests; plus the price it used."""
    tokens = token_cost(totals.tokens)
    requests = _usd(totals.requests * PRICE_PER_REQUEST_USD)
    return {
        "base_cost": _usd(tokens + requests),
        "token_cost": tokens,
        "request_cost": requests,
        "tier": tier(tier_name).name,
        "period": period,
        # additions
        "currency": "USD",
        "price_per_token": PRICE_PER_TOKEN_USD,
        "price_per_million_tokens": round(PRICE_PER_TOKEN_USD * 1_000_000, 2),
        "tokens": totals.tokens,
        "requests": totals.requests,
    }


def endpoint_paths(totals: usage.UsageTotals, top: int = 10) -> list[str]:
    """The most used endpoints as the reference lists them: paths ('/api/v1/search'), busiest first.

    We count route keys ('GET /api/v1/search'); the methods of one path are added together.
    """
    by_path: dict[str, int] = {}
    for endpoint, n in totals.endpoints.items():
        path = endpoint.split(" ", 1)[-1]
        by_path[path] = by_path.get(path, 0) + n
    return [p for p, _ in sorted(by_path.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


# ---------------------------------------------------------------- one key


def key_today(user_id: str) -> dict[str, dict[str, Any]]:
    """Today's `usage_stats` of every key of the account, by key id (one Query)."""
    return {
        key_id: {
            "requests_today": totals.requests,
            "tokens_used_today": totals.tokens,
            "average_response_time": average_ms(totals),
        }
        for key_id, totals in usage.for_account(user_id, "day").items()
    }


def no_use_today() -> dict[str, Any]:
    return {"requests_today": 0, "tokens_used_today": 0, "average_response_time": 0}


def key_report(principal: Principal, key: dict[str, Any], period: str) -> dict[str, Any]:
    """GET /developer/keys/{key_id}/usage: the reference's shape, our earlier fields beside it."""
    totals = usage.for_key(principal.user_id, key["key_id"], period)
    last_used = key.get("last_used_at") or totals.last_used_at
    cost = cost_breakdown(totals, principal.tier, period)
    return {
        "key_id": key["key_id"],
        "usage_stats": {
            "total_requests": totals.requests,
            "total_tokens": totals.tokens,
            "total_cost": cost["base_cost"],
            "average_response_time": average_ms(totals),
            "error_rate": error_rate(totals),
            "top_endpoints": endpoint_paths(totals),
            "period": period,
            "key_id": key["key_id"],
            "key_name": key.get("name", ""),
            "key_created": key.get("created_at"),
            "key_last_used": last_used,
        },
        "cost_breakdown": cost,
        "recommendations": _key_advice(principal, key, totals, period),
        # earlier fields
        "name": key.get("name", ""),
        "period": period,
        "last_used_at": last_used,
        **totals.as_dict(),
        "tokens_by_category": totals.categories,
    }


def _key_advice(
    principal: Principal, key: dict[str, Any], totals: usage.UsageTotals, period: str
) -> list[str]:
    out: list[str] = []
    if not totals.requests:
        out.append(f"This key made no requests this {period}; revoke it if it is no longer needed.")
    if totals.requests and average_ms(totals) > SLOW_RESPONSE_MS:
        out.append(
            f"API response times are high ({average_ms(totals):.0f} ms on average) - consider "
            "narrower queries, smaller pages or asynchronous processing"
        )
    if totals.requests >= MIN_REQUESTS_FOR_RATES and error_rate(totals) > HIGH_ERROR_RATE:
        out.append(
            f"{totals.errors} of {totals.requests} requests failed; check the error_code of the failing calls"
        )
    search = totals.categories.get("search", 0)
    if totals.tokens and search / totals.tokens > 0.5:
        out.append("Most tokens go to search; cache results client-side or import tracklists once")
    if key.get("is_active") and not key.get("expires_at"):
        out.append("This key never expires; set expires_in_days when you create keys")
    plan = tier(principal.tier)
    share = _pct(totals.tokens, plan.tokens_per_month * usage.PERIOD_DAYS[period] / 30)
    if share >= 80:
        out.append(
            f"Token usage is high ({share:.0f}% of the {plan.name} allowance for the {period}) - "
            "consider upgrading tier"
        )
    return out


# ---------------------------------------------------------------- the account


def all_keys(user_id: str) -> list[dict[str, Any]]:
    return key_store.all_keys(user_id)


def summary(principal: Principal, period: str) -> dict[str, Any]:
    plan = tier(principal.tier)
    by_key = usage.for_account(principal.user_id, period)
    totals = usage.UsageTotals()
    for per_key in by_key.values():
        for day, row in per_key.daily.items():
            agg = totals.daily.setdefault(day, {"requests": 0, "tokens": 0, "errors": 0})
            for name in agg:
                agg[name] += row[name]
        totals.requests += per_key.requests
        totals.tokens += per_key.tokens
        totals.errors += per_key.errors
        totals.latency_ms += per_key.latency_ms
        for ep, n in per_key.endpoints.items():
            totals.endpoints[ep] = totals.endpoints.get(ep, 0) + n
        for cat, n in per_key.categories.items():
            totals.categories[cat] = totals.categories.get(cat, 0) + n
    standing = ratelimit.standing(principal.user_id)
    keys = all_keys(principal.user_id)
    active = [k for k in keys if k["is_active"]]
    day_pct = _pct(standing.requests_today, plan.requests_per_day)
    month_pct = _pct(standing.tokens_this_month, plan.tokens_per_month)
    days = usage.PERIOD_DAYS[period]
    # The period's allowance: requests_per_day for each day, tokens_per_month prorated (30 days).
    requests_pct = _pct(totals.requests, plan.requests_per_day * days)
    tokens_pct = _pct(totals.tokens, plan.tokens_per_month * days / 30)
    breakdown = [
        {
            "category": cat,
            "tokens": n,
            "share_percent": _pct(n, totals.tokens),
            "estimated_cost_usd": token_cost(n),
        }
        for cat, n in sorted(totals.categories.items(), key=lambda kv: -kv[1])
    ]
    advice = _advice(plan.name, max(day_pct, month_pct, requests_pct, tokens_pct), totals, by_key, active)
    return {
        "user_id": principal.user_id,
        "user_tier": plan.name,
        "period": period,
        "usage": {
            "total_requests": totals.requests,
            "total_tokens": totals.tokens,
            "total_cost": token_cost(totals.tokens),
            "average_response_time": average_ms(totals),
            "error_rate": error_rate(totals),
            # earlier fields
            **totals.as_dict(),
            "by_key": {k: v.requests for k, v in sorted(by_key.items())},
        },
        "limits": {
            "requests_per_day": plan.requests_per_day,
            "tokens_per_month": plan.tokens_per_month,
            "max_keys": plan.max_keys,
        },
        "utilization": {
            "requests_percent": requests_pct,
            "tokens_percent": tokens_pct,
            "keys_percent": _pct(len(active), plan.max_keys),
            # earlier fields: today's and this month's standing against the rate limits
            "requests_today_percent": day_pct,
            "tokens_this_month_percent": month_pct,
        },
        "keys": {"active": len(active), "total": len(keys), "max": plan.max_keys},
        "recommendations": [a["message"] for a in advice],
        # earlier fields
        "tier": plan.name,
        "current": {
            "requests_today": standing.requests_today,
            "requests_this_month": standing.requests_this_month,
            "tokens_this_month": standing.tokens_this_month,
            "day_resets_at": standing.window.day_reset,
            "month_resets_at": standing.window.month_reset,
        },
        "cost_breakdown": {
            **cost_breakdown(totals, plan.name, period),
            "plan_price_per_month": plan.price_per_month_usd,
            "categories": breakdown,
        },
        "recommendation_details": advice,
    }


def _advice(
    plan: str,
    used_pct: float,
    totals: usage.UsageTotals,
    by_key: dict[str, usage.UsageTotals],
    active: list[dict[str, Any]],
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    upgrade = next_tier(plan)
    if upgrade and used_pct >= 80:
        out.append(
            {
                "type": "upgrade",
                "message": f"Usage is high ({used_pct:.0f}% of a {plan} limit) - consider upgrading tier: "
                f"the {upgrade.name} tier allows {upgrade.requests_per_day} requests/day and "
                f"{upgrade.tokens_per_month} tokens/month.",
                "url": upgrade_url(),
            }
        )
    if totals.requests >= MIN_REQUESTS_FOR_RATES and totals.errors / totals.requests > HIGH_ERROR_RATE:
        out.append(
            {
                "type": "errors",
                "message": f"{totals.errors} of {totals.requests} requests failed; "
                "check the error_code of the failing calls.",
            }
        )
    if totals.requests and average_ms(totals) > SLOW_RESPONSE_MS:
        out.append(
            {
                "type": "latency",
                "message": f"API response times are high ({average_ms(totals):.0f} ms on average) - "
                "consider narrower queries, smaller pages or asynchronous processing.",
            }
        )
    idle = [k["name"] or k["key_id"] for k in active if k["key_id"] not in by_key]
    if idle:
        out.append(
            {
                "type": "unused_keys",
                "message": f"Keys unused in this period: {', '.join(idle)}; revoke what you no longer need.",
            }
        )
    forever = [k["name"] or k["key_id"] for k in active if not k["expires_at"]]
    if forever:
        out.append(
            {
                "type": "key_expiry",
                "message": f"Keys without expiry: {', '.join(forever)}; set expires_in_days.",
            }
        )
    search = totals.categories.get("search", 0)
    if totals.tokens and search / totals.tokens > 0.5:
        out.append(
            {
                "type": "caching",
                "message": "Most tokens go to search; cache results client-side or import tracklists once.",
            }
        )
    return out
