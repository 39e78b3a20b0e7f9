"""Subscription tiers and what each allows. One table; docs/security.md quotes it."""

from __future__ import annotations

from dataclasses import dataclass

from tracktion.config import AuthSettings, get


@dataclass(frozen=True)
class Tier:
    name: str
    requests_per_day: int
    tokens_per_month: int
    max_keys: int
    price_per_month_usd: int


TIERS: dict[str, Tier] = {
    "free": Tier("free", 1_000, 25_000, 3, 0),
    "premium": Tier("premium", 10_000, 250_000, 10, 49),
    "enterprise": Tier("enterprise", 100_000, 2_500_000, 50, 499),
}
ORDER = ("free", "premium", "enterprise")


def tier(name: str | None) -> Tier:
    """The tier by name; an unknown name gets the free tier's limits, never unlimited."""
    return TIERS.get((name or "free").lower(), TIERS["free"])


def next_tier(name: str) -> Tier | None:
    idx = ORDER.index(tier(name).name)
    return TIERS[ORDER[idx + 1]] if idx + 1 < len(ORDER) else None


def upgrade_url() -> str:
    return get(AuthSettings).upgrade_url
