"""The developer usage summary: usage, limits, utilization, keys, cost and advice, from counters."""

from __future__ import annotations

from typing import Any

from tracktion.api.principal import Principal
from tracktion.auth import key_store, ratelimit, usage
from tracktion.auth.tiers import next_tier, tier, upgrade_url


def _pct(used: int, limit: int) -> float:
    return round(100.0 * used / limit, 2) if limit else 0.0


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
    keys, _ = key_store.list_keys(principal.user_id, include_inactive=True, limit=100, next_token=None)
    active = [k for k in keys if k["is_active"]]
    day_pct = _pct(standing.requests_today, plan.requests_per_day)
    month_pct = _pct(standing.tokens_this_month, plan.tokens_per_month)
    price_per_token = plan.price_per_month_usd / plan.tokens_per_month
    breakdown = [
        {
            "category": cat,
            "tokens": n,
            "share_percent": _pct(n, totals.tokens),
            "estimated_cost_usd": round(n * price_per_token, 4),
        }
        for cat, n in sorted(totals.categories.items(), key=lambda kv: -kv[1])
    ]
    return {
        "period": period,
        "tier": plan.name,
        "usage": {**totals.as_dict(), "by_key": {k: v.requests for k, v in sorted(by_key.items())}},
        "limits": {
            "requests_per_day": plan.requests_per_day,
            "tokens_per_month": plan.tokens_per_month,
            "max_keys": plan.max_keys,
        },
        "current": {
            "requests_today": standing.requests_today,
            "requests_this_month": standing.requests_this_month,
            "tokens_this_month": standing.tokens_this_month,
            "day_resets_at": standing.window.day_reset,
            "month_resets_at": standing.window.month_reset,
        },
        "utilization": {"requests_today_percent": day_pct, "tokens_this_month_percent": month_pct},
        "keys": {"active": len(active), "total": len(keys), "max": plan.max_keys},
        "cost_breakdown": {
            "currency": "USD",
            "plan_price_per_month": plan.price_per_month_usd,
            "categories": breakdown,
        },
        "recommendations": _advice(plan.name, day_pct, month_pct, totals, by_key, active),
    }


def _advice(
    plan: str,
    day_pct: float,
    month_pct: float,
    totals: usage.UsageTotals,
    by_key: dict[str, usage.UsageTotals],
    active: list[dict[str, Any]],
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    upgrade = next_tier(plan)
    if upgrade and max(day_pct, month_pct) >= 80:
        out.append(
            {
                "type": "upgrade",
                "message": f"You have used {max(day_pct, month_pct):.0f}% of a {plan} limit; "
                f"the {upgrade.name} tier allows {upgrade.requests_per_day} requests/day.",
                "url": upgrade_url(),
            }
        )
    if totals.requests >= 20 and totals.errors / totals.requests > 0.05:
        out.append(
            {
                "type": "errors",
                "message": f"{totals.errors} of {totals.requests} requests failed; "
                "check the error_code of the failing calls.",
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
