"""Delivering an event to its subscribers: signed, retried with backoff, and logged.

Each delivery is a POST of `{"id", "type", "created_at", "data"}` with
  X-Tracktion-Event: <type>           X-Tracktion-Delivery: <delivery id>
  X-Tracktion-Timestamp: <epoch s>    X-Tracktion-Signature: sha256=<hex>
where the signature is HMAC-SHA256(secret, f"{timestamp}.{body}"). Receivers recompute it
over the raw body, compare in constant time and reject stale timestamps; `id` is stable per
event, so a repeated delivery can be recognised. Redirects are not followed (the guard
checked only the URL we were given). One log item per delivery, with every attempt in it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from typing import Any

from tracktion.clock import epoch, iso
from tracktion.config import WebhookSettings, get, settings
from tracktion.errors import TracktionError
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table
from tracktion.webhooks import subscriptions
from tracktion.webhooks.guard import check_webhook_url
from tracktion.webhooks.subscriptions import Webhook

SIGNATURE_HEADER = "X-Tracktion-Signature"
TIMESTAMP_HEADER = "X-Tracktion-Timestamp"
LOG_RETENTION_SECONDS = 30 * 24 * 3600
TIMEOUT_SECONDS = 5.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300) -> bool:
    """What a receiver does (our SDK and tests use it): signature and freshness."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(epoch() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def _attempts() -> int:
    return get(WebhookSettings).max_attempts


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff before attempt n+1 (seconds)."""
    base = get(WebhookSettings).backoff_seconds
    return random.uniform(0, base * (2**attempt))


def emit(owner_id: str, event_type: str, data: dict[str, Any], *, event_id: str | None = None) -> int:
    """Deliver one event to every webhook of the owner that wants it; returns how many succeeded."""
    hooks = subscriptions.subscribed(owner_id, event_type)
    if not hooks:
        return 0
    event = {"id": event_id or str(uuid.uuid4()), "type": event_type, "created_at": iso(), "data": data}
    body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
    return sum(1 for hook in hooks if deliver(hook, event_type, str(event["id"]), body))


def deliver(hook: Webhook, event_type: str, event_id: str, body: bytes) -> bool:
    import httpx

    delivery_id = f"dlv_{uuid.uuid4().hex}"
    attempts: list[dict[str, Any]] = []
    ok = False
    for attempt in range(_attempts()):
        if attempt:
            time.sleep(_backoff(attempt - 1))
        started = time.perf_counter()
        record: dict[str, Any] = {"at": iso()}
        try:
            check_webhook_url(hook.url)
            ts = epoch()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Tracktion-Webhooks/1",
                "X-Tracktion-Event": event_type,
                "X-Tracktion-Delivery": delivery_id,
                TIMESTAMP_HEADER: str(ts),
                SIGNATURE_HEADER: sign(hook.secret, ts, body),
            }
            with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as http:
                response = http.post(hook.url, content=body, headers=headers)
            record["status_code"] = response.status_code
            ok = 200 <= response.status_code < 300
        except TracktionError as exc:
            record["error"] = exc.message
            attempts.append(record)
            break  # the URL is no longer allowed: retrying cannot help
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
        record["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        attempts.append(record)
        if ok or (400 <= int(record.get("status_code") or 0) < 500 and record.get("status_code") != 429):
            break  # success, or the receiver refused the request itself
    _log(hook, event_type, event_id, delivery_id, ok, attempts)
    if not ok:
        logger.warning("webhook delivery failed", extra={"webhook_id": hook.webhook_id, "event": event_type})
    return ok


def _log(
    hook: Webhook, event_type: str, event_id: str, delivery_id: str, ok: bool, attempts: list[dict[str, Any]]
) -> None:
    table(settings().batches_table).put_item(
        Item={
            "pk": f"WHLOG#{hook.webhook_id}",
            "sk": f"{iso()}#{delivery_id}",
            "delivery_id": delivery_id,
            "event_type": event_type,
            "event_id": event_id,
            "success": ok,
            "attempts": json.dumps(attempts),
            "expires_at": epoch() + LOG_RETENTION_SECONDS,
        }
    )


def delivery_log(
    owner_id: str, webhook_id: str, *, limit: int = 25, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The webhook's deliveries, newest first (the owner's webhooks only)."""
    subscriptions.get(owner_id, webhook_id)
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": f"WHLOG#{webhook_id}"},
        "Limit": max(1, min(limit, 100)),
        "ScanIndexForward": False,
    }
    scope = ddb.CursorScope(
        "webhook_deliveries", bound={"pk": f"WHLOG#{webhook_id}"}, attributes=("pk", "sk")
    )
    found, token = ddb.query_page(table(settings().batches_table).query, scope, cursor, **kwargs)
    items = [
        {
            "delivery_id": i["delivery_id"],
            "event_type": i["event_type"],
            "event_id": i["event_id"],
            "success": bool(i["success"]),
            "attempts": json.loads(i["attempts"]),
        }
        for i in found
    ]
    return items, token
