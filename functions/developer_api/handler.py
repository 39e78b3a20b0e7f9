"""API keys and usage analytics: /api/v1/developer/*.

Answers have the reference's shapes ("Developer API"), our earlier fields beside them; every
reading is in docs/api-contract.md, "Developer API (keys, usage)".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import ConfigDict, Field

from tracktion import clock
from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.api.rules import rules
from tracktion.api.shapes import Out, error_responses
from tracktion.auth import key_store, usage, usage_report
from tracktion.auth.key_requests import KeyCreate, KeyRotate
from tracktion.auth.weights import READ, WRITE
from tracktion.config import AuthSettings, CoreSettings, load
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings)

app = make_app()

KeyId = Annotated[str, Path(min_length=5, max_length=64, pattern=r"^key_[0-9a-f]+$")]
Period = Annotated[
    Literal["day", "week", "month"], Query(description="day, week (7 days) or month (30 days)")
]
ONCE = "Store the api_key (and signing_secret, if any) now: they are shown only in this response."
NEXT_TOKEN_HEADER = "X-Next-Token"  # noqa: S105 (a header name, not a secret)
LIST_ALL_CAP = 1000  # without `limit`, the list answers every key up to this many


def _errors(*statuses: int) -> dict[int, OpenAPIResponse]:
    # error_responses() is typed as plain dicts; Powertools' stub wants its OpenAPIResponse TypedDict.
    return cast("dict[int, OpenAPIResponse]", error_responses(401, 403, 422, 429, *statuses))


def _example(value: Any) -> ConfigDict:
    return ConfigDict(defer_build=True, extra="allow", json_schema_extra={"example": value})


# ---------------------------------------------------------------- answer models


class PermissionsOut(Out):
    read: bool
    write: bool
    admin: bool


class KeyUsageToday(Out):
    requests_today: int
    tokens_used_today: int
    average_response_time: int = Field(description="Milliseconds, today's mean")


class KeyOut(Out):
    """A key as its owner sees it (never the secret): the reference's fields, then ours."""

    model_config = _example(
        {
            "key_id": "key-123e4567-e89b",
            "name": "Production API Key",
            "key_prefix": "tk_12345...",
            "is_active": True,
            "created_at": "2024-01-15T10:00:00Z",
            "expires_at": None,
            "last_used_at": "2024-01-15T09:45:00Z",
            "permissions": {"read": True, "write": True, "admin": False},
            "usage_stats": {"requests_today": 150, "tokens_used_today": 5000, "average_response_time": 250},
        }
    )

    key_id: str
    name: str
    key_prefix: str | None
    is_active: bool
    created_at: str | None
    expires_at: str | None
    last_used_at: str | None
    permissions: PermissionsOut
    usage_stats: KeyUsageToday
    # additions
    description: str = ""
    environment: str = "live"
    scopes: list[str] = Field(default_factory=list)
    ip_allowlist: list[str] = Field(default_factory=list)
    signature_required: bool = False
    signing_enabled: bool = False
    status: str | None = None
    rotated_at: str | None = None
    previous_key_valid_until: str | None = None
    revoked_at: str | None = None


class NewKeyOut(Out):
    """A created or rotated key: the secret is in `api_key` (and `key`) this once."""

    model_config = _example(
        {
            "key_id": "key-234e5678-e89b",
            "api_key": "tk_123456789abcdef...",
            "name": "Development Key",
            "permissions": {"read": True, "write": False, "admin": False},
            "expires_at": "2024-04-15T10:00:00Z",
            "created_at": "2024-01-15T10:00:00Z",
        }
    )

    key_id: str
    api_key: str
    name: str
    permissions: PermissionsOut
    expires_at: str | None
    created_at: str | None
    # additions
    key: str = Field(description="The same secret as api_key (the published client reads new_key['key'])")
    key_prefix: str | None = None
    warning: str = ONCE
    # `signing_secret` is added, this once too, only for a key that signs its requests


class RevokedOut(Out):
    model_config = _example(
        {
            "success": True,
            "message": "API key key-123e4567-e89b has been revoked",
            "revoked_at": "2024-01-15T10:00:00Z",
        }
    )

    success: bool
    message: str
    revoked_at: str | None
    key_id: str


class KeyUsageStats(Out):
    total_requests: int
    total_tokens: int
    total_cost: float = Field(description="USD: total_tokens x $0.000002 (docs/api-contract.md)")
    average_response_time: int = Field(description="Milliseconds, the period's mean")
    error_rate: float = Field(description="Failed share of requests, 0-1")
    top_endpoints: list[str]
    period: str
    key_id: str
    key_name: str
    key_created: str | None
    key_last_used: str | None


class CostBreakdown(Out):
    base_cost: float
    token_cost: float
    request_cost: float
    tier: str
    period: str


class KeyUsageOut(Out):
    model_config = _example(
        {
            "key_id": "key-123e4567-e89b",
            "usage_stats": {
                "total_requests": 15000,
                "total_tokens": 450000,
                "total_cost": 0.90,
                "average_response_time": 275,
                "error_rate": 0.02,
                "top_endpoints": ["/api/v1/search", "/api/v1/cue/generate"],
                "period": "month",
                "key_id": "key-123e4567-e89b",
                "key_name": "Production API Key",
                "key_created": "2024-01-15T10:00:00Z",
                "key_last_used": "2024-01-15T09:45:00Z",
            },
            "cost_breakdown": {
                "base_cost": 0.90,
                "token_cost": 0.90,
                "request_cost": 0.0,
                "tier": "premium",
                "period": "month",
            },
            "recommendations": ["API response times are high - consider optimizing queries"],
        }
    )

    key_id: str
    usage_stats: KeyUsageStats
    cost_breakdown: CostBreakdown
    recommendations: list[str]


class SummaryUsage(Out):
    total_requests: int
    total_tokens: int
    total_cost: float
    average_response_time: int = Field(description="Milliseconds, the period's mean")
    error_rate: float


class SummaryLimits(Out):
    requests_per_day: int
    tokens_per_month: int
    max_keys: int


class SummaryUtilization(Out):
    requests_percent: float = Field(description="Period requests / (requests_per_day x days in period)")
    tokens_percent: float = Field(description="Period tokens / (tokens_per_month x days in period / 30)")
    keys_percent: float = Field(description="Active keys / max_keys")


class SummaryKeys(Out):
    active: int
    total: int


class UsageSummaryOut(Out):
    model_config = _example(
        {
            "user_id": "user-123",
            "user_tier": "premium",
            "period": "month",
            "usage": {
                "total_requests": 25000,
                "total_tokens": 750000,
                "total_cost": 1.50,
                "average_response_time": 280,
                "error_rate": 0.015,
            },
            "limits": {"requests_per_day": 10000, "tokens_per_month": 250000, "max_keys": 10},
            "utilization": {"requests_percent": 8.33, "tokens_percent": 300.0, "keys_percent": 30.0},
            "keys": {"active": 3, "total": 5},
            "recommendations": ["Token usage is high - consider upgrading tier"],
        }
    )

    user_id: str
    user_tier: str
    period: str
    usage: SummaryUsage
    limits: SummaryLimits
    utilization: SummaryUtilization
    keys: SummaryKeys
    recommendations: list[str]


# ---------------------------------------------------------------- helpers


def _key_out(view: dict[str, Any], today: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {**view, "usage_stats": today.get(view["key_id"]) or usage_report.no_use_today()}


def _new_key(view: dict[str, Any], secret: str, signing_secret: str | None) -> NewKeyOut:
    extra = {"signing_secret": signing_secret} if signing_secret else {}
    return NewKeyOut.model_validate({**view, "api_key": secret, "key": secret, **extra, "warning": ONCE})


# ---------------------------------------------------------------- routes


@app.get("/api/v1/developer/keys", responses=_errors(400))
@rules(permission="read", scope="developer", cost=READ)
def list_keys(
    include_inactive: Annotated[bool, Query(description="Also list revoked and expired keys")] = False,
    limit: Annotated[
        int | None, Query(ge=1, le=100, description="Page size; the next page's token is in X-Next-Token")
    ] = None,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[list[KeyOut]]:
    principal = current_principal(app)
    keys: list[dict[str, Any]] = []
    token = next_token
    while True:
        page, token = key_store.list_keys(
            principal.user_id, include_inactive=include_inactive, limit=limit or 100, next_token=token
        )
        keys.extend(page)
        if limit is not None or not token or len(keys) >= LIST_ALL_CAP:
            break
    today = usage_report.key_today(principal.user_id) if keys else {}
    headers = {NEXT_TOKEN_HEADER: token} if token else None
    return Response(
        status_code=200,
        content_type="application/json",
        body=[KeyOut.model_validate(_key_out(k, today)) for k in keys],
        headers=headers,
    )


@app.post("/api/v1/developer/keys", status_code=201, responses=_errors())
@rules(permission="write", scope="developer", cost=WRITE, idempotent=True)
def create_key(body: KeyCreate) -> NewKeyOut:
    principal = current_principal(app)
    view, secret, signing_secret = key_store.create(
        principal.user_id, principal.tier, body.to_spec(principal)
    )
    return _new_key(view, secret, signing_secret)


@app.get("/api/v1/developer/keys/<key_id>", responses=_errors(404))
@rules(permission="read", scope="developer", cost=READ)
def get_key(key_id: KeyId) -> KeyOut:
    principal = current_principal(app)
    view = key_store.get(principal.user_id, key_id)
    totals = usage.for_key(principal.user_id, key_id, "day")
    stats = {
        "requests_today": totals.requests,
        "tokens_used_today": totals.tokens,
        "average_response_time": usage_report.average_ms(totals),
    }
    return KeyOut.model_validate({**view, "usage_stats": stats})


@app.post("/api/v1/developer/keys/<key_id>/rotate", responses=_errors(400, 404, 409))
@rules(permission="write", scope="developer", cost=WRITE, idempotent=True)
def rotate_key(key_id: KeyId, body: KeyRotate | None = None) -> NewKeyOut:
    principal = current_principal(app)
    view, secret, signing_secret = key_store.rotate(
        principal.user_id, key_id, (body or KeyRotate()).overlap()
    )
    return _new_key(view, secret, signing_secret)


@app.delete("/api/v1/developer/keys/<key_id>", responses=_errors(404))
@rules(permission="write", scope="developer", cost=WRITE)
def revoke_key(key_id: KeyId) -> RevokedOut:
    revoked_at = key_store.revoke(current_principal(app).user_id, key_id) or clock.iso()
    return RevokedOut(
        success=True, message=f"API key {key_id} has been revoked", revoked_at=revoked_at, key_id=key_id
    )


@app.get("/api/v1/developer/keys/<key_id>/usage", responses=_errors(404))
@rules(permission="read", scope="developer", cost=READ)
def key_usage(key_id: KeyId, period: Period = "day") -> KeyUsageOut:
    principal = current_principal(app)
    key = key_store.get(principal.user_id, key_id)
    return KeyUsageOut.model_validate(usage_report.key_report(principal, key, period))


@app.get("/api/v1/developer/usage/summary", responses=_errors())
@rules(permission="read", scope="developer", cost=READ)
def usage_summary(period: Period = "month") -> UsageSummaryOut:
    return UsageSummaryOut.model_validate(usage_report.summary(current_principal(app), period))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
