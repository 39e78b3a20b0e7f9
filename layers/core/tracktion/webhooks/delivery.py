"""Delivering an event to its subscribers: signed as Standard Webhooks, retried, and logged.

Each delivery is a POST of `{"id", "type", "created_at", "data"}` with the headers of the
Standard Webhooks specification (https://www.standardwebhooks.com), so a receiver verifies it
with the published `standardwebhooks` libraries (`Webhook(secret).verify(body, headers)`):

  webhook-id: <event id>              stable across retries: the receiver's deduplication key
  webhook-timestamp: <epoch seconds>  of this attempt (receivers reject stale ones, 5 min)
  webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>
                     where key = base64-decode(secret without its `whsec_` prefix); during a
                     secret rotation's overlap two signatures, space-separated: new, then old

and, beside them, the legacy headers earlier receivers check (kept; new receivers should use
the standard ones): X-Tracktion-Event, X-Tracktion-Delivery, X-Tracktion-Timestamp, and
X-Tracktion-Signature: sha256=<hex HMAC-SHA256(the whole secret string, "{timestamp}.{body}")>,
signed with the current secret only.

Retries: up to WEBHOOK_MAX_ATTEMPTS attempts at once, with full-jitter exponential backoff
(WEBHOOK_BACKOFF_SECONDS doubling); if the receiver still fails (a network error, 5xx, 408 or
429), the delivery is `pending` with a `next_retry_at`, and the scheduled sweep
(`retry_due()`, MaintenanceFunction every minute) tries again after each delay of
WEBHOOK_RETRY_SCHEDULE_SECONDS (1 min, 5 min, 30 min, 2 h, 5 h, 10 h: about 18 hours), then
marks it `failed`. Another 4xx is the receiver refusing the request itself: not retried.
Redirects are not followed (the SSRF guard checked only the URL we were given), and the
receiver's answer body is not read.

One log item per delivery (BATCHES_TABLE pk=WHLOG#{webhook_id}), with every attempt in it;
a pending one is also in the retry index (gsi1pk=WHRETRY, gsi1sk={due epoch}#{delivery id}).
"""

from __future__ import annotations

import base64
import binascii
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

# Legacy headers (receivers written before the Standard Webhooks headers).
SIGNATURE_HEADER = "X-Tracktion-Signature"
TIMESTAMP_HEADER = "X-Tracktion-Timestamp"
# Standard Webhooks headers.
ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"

PING_EVENT = "webhook.ping"
LOG_RETENTION_SECONDS = 30 * 24 * 3600
TIMEOUT_SECONDS = 5.0
RETRY_INDEX = "WHRETRY"
# A sweep claims a due delivery for this long: a sweep that dies mid-attempt leaves it due again.
CLAIM_SECONDS = 300
MAX_SWEEP = 100
SWEEP_BUDGET_SECONDS = 45.0
_RETRYABLE_4XX = (408, 429)


# ---------------------------------------------------------------- signatures


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The legacy X-Tracktion-Signature: HMAC-SHA256 keyed by the secret string itself."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300) -> bool:
    """What a legacy receiver does: signature and freshness."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(epoch() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def standard_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret, read exactly as the standardwebhooks libraries read
    it (base64 after the prefix, padding added)."""
    return base64.b64decode(secret.removeprefix(subscriptions.SECRET_PREFIX) + "==")


def sign_standard(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}` (Standard Webhooks)."""
    mac = hmac.new(standard_key(secret), f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature value: one `v1,` signature per secret, space-separated."""
    signatures = []
    for secret in secrets_:
        try:
            signatures.append(sign_standard(secret, message_id, timestamp, body))
        except (binascii.Error, ValueError):
            continue  # a pre-standard secret that is not base64: only the legacy header signs
    return " ".join(signatures)


def headers_for(
    hook: Webhook, event_type: str, event_id: str, delivery_id: str, body: bytes
) -> dict[str, str]:
    """Every header of one attempt, signed now with the webhook's current secrets."""
    secrets_ = hook.signing_secrets()
    ts = epoch()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tracktion-Webhooks/1",
        ID_HEADER: event_id,
        STANDARD_TIMESTAMP_HEADER: str(ts),
        STANDARD_SIGNATURE_HEADER: signature_header(secrets_, event_id, ts, body),
        "X-Tracktion-Event": event_type,
        "X-Tracktion-Delivery": delivery_id,
        TIMESTAMP_HEADER: str(ts),
    }
    if secrets_:
        headers[SIGNATURE_HEADER] = sign(secrets_[0], ts, body)
    return headers


# ---------------------------------------------------------------- attempts


def _attempts() -> int:
    return get(WebhookSettings).max_attempts


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff before attempt n+1 (seconds)."""
    base = get(WebhookSettings).backoff_seconds
    return random.uniform(0, base * (2**attempt))


def retry_schedule() -> list[int]:
    """Delays (seconds) of the scheduled retries after the first round of attempts."""
    return [int(s) for s in get(WebhookSettings).retry_schedule_seconds.split(",") if s.strip()]


def _attempt(hook: Webhook, event_type: str, event_id: str, delivery_id: str, body: bytes) -> dict[str, Any]:
    """One POST; the attempt's record: at, status_code or error, duration_ms, and whether
    retrying may help (`retryable`)."""
    import httpx

    started = time.perf_counter()
    record: dict[str, Any] = {"at": iso()}
    try:
        check_webhook_url(hook.url)
        headers = headers_for(hook, event_type, event_id, delivery_id, body)
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as http,
            http.stream("POST", hook.url, content=body, headers=headers) as response,
        ):
            record["status_code"] = response.status_code
        status = int(record["status_code"])
        record["retryable"] = not (200 <= status < 300) and (
            status >= 500 or status in _RETRYABLE_4XX or status < 200
        )
    except TracktionError as exc:
        # The URL is no longer allowed (retrying cannot help), or a secret could not be
        # unsealed (the identity secret is unavailable: that passes).
        record["error"] = exc.message
        record["retryable"] = exc.status >= 500
    except httpx.HTTPError as exc:
        record["error"] = type(exc).__name__
        record["retryable"] = True
    record["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return record


def _succeeded(record: dict[str, Any]) -> bool:
    return 200 <= int(record.get("status_code") or 0) < 300


def emit(owner_id: str, event_type: str, data: dict[str, Any], *, event_id: str | None = None) -> int:
    """Deliver one event to every webhook of the owner that wants it; returns how many succeeded
    now (the others are retried later, or failed)."""
    hooks = subscriptions.subscribed(owner_id, event_type)
    if not hooks:
        return 0
    event = {"id": event_id or str(uuid.uuid4()), "type": event_type, "created_at": iso(), "data": data}
    body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
    return sum(1 for hook in hooks if deliver(hook, event_type, str(event["id"]), body))


def deliver(hook: Webhook, event_type: str, event_id: str, body: bytes, *, rounds: int | None = None) -> bool:
    """A first round of attempts now; a delivery still failing for a passing reason is left
    pending for the scheduled retries. Returns whether it was delivered."""
    delivery_id = f"dlv_{uuid.uuid4().hex}"
    attempts: list[dict[str, Any]] = []
    for attempt in range(rounds or _attempts()):
        if attempt:
            time.sleep(_backoff(attempt - 1))
        record = _attempt(hook, event_type, event_id, delivery_id, body)
        attempts.append(record)
        if _succeeded(record) or not record["retryable"]:
            break
    ok = _succeeded(attempts[-1])
    schedule = retry_schedule() if rounds is None else []
    due = epoch() + schedule[0] if not ok and attempts[-1]["retryable"] and schedule else None
    _log(hook, event_type, event_id, delivery_id, body, attempts, due)
    if not ok:
        logger.warning(
            "webhook delivery failed",
            extra={"webhook_id": hook.webhook_id, "event": event_type, "retry": due is not None},
        )
    return ok


def ping(owner_id: str, webhook_id: str) -> dict[str, Any]:
    """A `webhook.ping` event to the webhook now (one attempt, not retried), logged like any
    delivery; returns its log entry."""
    hook = subscriptions.get(owner_id, webhook_id)
    event_id = f"ping_{uuid.uuid4().hex}"
    event = {
        "id": event_id,
        "type": PING_EVENT,
        "created_at": iso(),
        "data": {"webhook_id": hook.webhook_id, "url": hook.url, "events": list(hook.events)},
    }
    body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
    deliver(hook, PING_EVENT, event_id, body, rounds=1)
    found, _ = delivery_log(owner_id, webhook_id, limit=5)
    return next(d for d in found if d["event_id"] == event_id)


# ---------------------------------------------------------------- the log and the retry index


def _table() -> Any:
    return table(settings().batches_table)


def _status(ok: bool, due: int | None) -> str:
    return "succeeded" if ok else "pending" if due is not None else "failed"


def _log(
    hook: Webhook,
    event_type: str,
    event_id: str,
    delivery_id: str,
    body: bytes,
    attempts: list[dict[str, Any]],
    due: int | None,
) -> None:
    ok = _succeeded(attempts[-1])
    created = iso()
    item: dict[str, Any] = {
        "pk": f"WHLOG#{hook.webhook_id}",
        "sk": f"{created}#{delivery_id}",
        "delivery_id": delivery_id,
        "webhook_id": hook.webhook_id,
        "owner_id": hook.owner_id,
        "event_type": event_type,
        "event_id": event_id,
        "created_at": created,
        "success": ok,
        "status": _status(ok, due),
        "attempts": json.dumps(attempts),
        "retries_done": 0,
        "expires_at": epoch() + LOG_RETENTION_SECONDS,
    }
    if due is not None:
        item |= {
            "body": body.decode(),
            "next_retry_at": iso_at(due),
            "gsi1pk": RETRY_INDEX,
            "gsi1sk": f"{due:012d}#{delivery_id}",
        }
    _table().put_item(Item=item)


def iso_at(seconds: int) -> str:
    from datetime import UTC, datetime

    return iso(datetime.fromtimestamp(seconds, UTC))


def _view(item: dict[str, Any]) -> dict[str, Any]:
    attempts = json.loads(item["attempts"])
    return {
        "delivery_id": item["delivery_id"],
        "event_type": item["event_type"],
        "event_id": item["event_id"],
        "status": item.get("status") or ("succeeded" if item["success"] else "failed"),
        "success": bool(item["success"]),
        "attempts": [{k: v for k, v in a.items() if k != "retryable"} for a in attempts],
        "attempt_count": len(attempts),
        "next_retry_at": item.get("next_retry_at"),
        "created_at": item.get("created_at"),
    }


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
        "ConsistentRead": True,
    }
    scope = ddb.CursorScope(
        "webhook_deliveries", bound={"pk": f"WHLOG#{webhook_id}"}, attributes=("pk", "sk")
    )
    found, token = ddb.query_page(_table().query, scope, cursor, **kwargs)
    return [_view(i) for i in found], token


def retry_due(*, now: int | None = None, limit: int = MAX_SWEEP) -> dict[str, int]:
    """The scheduled sweep: one more attempt for every pending delivery whose time has come.

    Each is claimed first (a conditional write moving its due time ahead), so two sweeps never
    send one delivery twice at once. Returns counts: due, delivered, rescheduled, failed.
    """
    at = epoch() if now is None else now
    found = _table().query(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p AND gsi1sk <= :due",
        ExpressionAttributeValues={":p": RETRY_INDEX, ":due": f"{at:012d}~"},
        Limit=max(1, min(limit, MAX_SWEEP)),
    )["Items"]
    counts = {"due": len(found), "delivered": 0, "rescheduled": 0, "failed": 0}
    started = time.monotonic()
    for item in found:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break  # the rest stay due for the next minute's sweep (runs must not pile up)
        outcome = _retry_one(item, at)
        if outcome:
            counts[outcome] += 1
    if found:
        logger.info("webhook retries", extra=counts)
    return counts


def _retry_one(item: dict[str, Any], at: int) -> str | None:
    key = {"pk": item["pk"], "sk": item["sk"]}
    try:
        with ddb.condition_error(lambda: LookupError("claimed elsewhere")):
            _table().update_item(
                Key=key,
                UpdateExpression="SET gsi1sk = :claim",
                ConditionExpression="gsi1sk = :seen",
                ExpressionAttributeValues={
                    ":claim": f"{at + CLAIM_SECONDS:012d}#{item['delivery_id']}",
                    ":seen": item["gsi1sk"],
                },
            )
    except LookupError:
        return None
    attempts = json.loads(item["attempts"])
    try:
        hook = subscriptions.get(str(item["owner_id"]), str(item["webhook_id"]))
    except subscriptions.WebhookNotFound:
        attempts.append({"at": iso(), "error": "Webhook deleted", "retryable": False})
        hook = None
    if hook is not None:
        body = str(item["body"]).encode()
        attempts.append(
            _attempt(hook, str(item["event_type"]), str(item["event_id"]), str(item["delivery_id"]), body)
        )
    last = attempts[-1]
    ok = _succeeded(last)
    done = int(item.get("retries_done") or 0) + 1
    schedule = retry_schedule()
    due = at + schedule[done] if not ok and last.get("retryable") and done < len(schedule) else None
    values: dict[str, Any] = {
        ":a": json.dumps(attempts),
        ":s": ok,
        ":st": _status(ok, due),
        ":n": done,
    }
    update = "SET attempts = :a, success = :s, #st = :st, retries_done = :n"
    if due is None:
        update += " REMOVE gsi1pk, gsi1sk, next_retry_at, body"
    else:
        update += ", gsi1sk = :g, next_retry_at = :r"
        values |= {":g": f"{due:012d}#{item['delivery_id']}", ":r": iso_at(due)}
    _table().update_item(
        Key=key,
        UpdateExpression=update,
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues=values,
    )
    return "delivered" if ok else "rescheduled" if due is not None else "failed"
