"""API keys and usage analytics: /api/v1/developer/*."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.auth import key_store, usage, usage_report
from tracktion.auth.key_requests import KeyCreate, KeyRotate
from tracktion.observability import logger

app = make_app("developer")

KeyId = Annotated[str, Path(min_length=5, max_length=64, pattern=r"^key_[0-9a-f]+$")]
Period = Annotated[Literal["day", "week", "month"], Query()]
ONCE = "Store the api_key (and signing_secret, if any) now: they are shown only in this response."


def _signing(secret: str | None) -> dict[str, str]:
    return {"signing_secret": secret} if secret else {}


@app.get("/api/v1/developer/keys")
def list_keys(
    include_inactive: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    principal = current_principal(app)
    keys, token = key_store.list_keys(
        principal.user_id, include_inactive=include_inactive, limit=limit, next_token=next_token
    )
    return {"keys": keys, "count": len(keys), "next_token": token}


@app.post("/api/v1/developer/keys")
def create_key(body: KeyCreate) -> Response[dict[str, Any]]:
    principal = current_principal(app)
    view, secret, signing_secret = key_store.create(
        principal.user_id, principal.tier, body.to_spec(principal)
    )
    return Response(
        status_code=201,
        content_type="application/json",
        body={**view, "api_key": secret, **_signing(signing_secret), "warning": ONCE},
    )


@app.get("/api/v1/developer/keys/<key_id>")
def get_key(key_id: KeyId) -> dict[str, Any]:
    return key_store.get(current_principal(app).user_id, key_id)


@app.post("/api/v1/developer/keys/<key_id>/rotate")
def rotate_key(key_id: KeyId, body: KeyRotate | None = None) -> dict[str, Any]:
    principal = current_principal(app)
    view, secret, signing_secret = key_store.rotate(
        principal.user_id, key_id, (body or KeyRotate()).overlap()
    )
    return {**view, "api_key": secret, **_signing(signing_secret), "warning": ONCE}


@app.delete("/api/v1/developer/keys/<key_id>")
def revoke_key(key_id: KeyId) -> Response[None]:
    key_store.revoke(current_principal(app).user_id, key_id)
    return Response(status_code=204)


@app.get("/api/v1/developer/keys/<key_id>/usage")
def key_usage(key_id: KeyId, period: Period = "day") -> dict[str, Any]:
    principal = current_principal(app)
    key = key_store.get(principal.user_id, key_id)
    totals = usage.for_key(principal.user_id, key_id, period)
    return {
        "key_id": key_id,
        "name": key["name"],
        "period": period,
        "last_used_at": key["last_used_at"],
        **totals.as_dict(),
        "tokens_by_category": totals.categories,
    }


@app.get("/api/v1/developer/usage/summary")
def usage_summary(period: Period = "month") -> dict[str, Any]:
    return usage_report.summary(current_principal(app), period)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
