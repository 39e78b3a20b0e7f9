"""API key records: create, list, rotate with an overlap, revoke at once, and look up by hash.

Two kinds of item in the identity table:
- the key's record `USER#<owner> / KEY#<key_id>`: what the owner manages and lists (under the
  owner's partition, so another user's key id simply is not found: a 404);
- one lookup item per live secret `APIKEY#<sha256> / APIKEY`: everything the authorizer needs
  in one read (owner, tier, permissions, scopes, IP allow-list, sealed signing secret).
  A rotation adds a lookup for the new secret and gives the old one a `valid_until`;
  revocation deletes the lookups in the same transaction, so the next request fails.
A per-owner slot counter enforces the tier's key limit under concurrent creation.
"""

from __future__ import annotations

import contextlib
import secrets as pysecrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracktion import clock
from tracktion.auth import keys, secrets
from tracktion.auth.records import from_item, to_item, value
from tracktion.auth.tiers import tier as tier_of
from tracktion.config import AuthSettings, settings
from tracktion.config import get as setting
from tracktion.errors import BadRequest, Conflict, Forbidden, NotFound
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client

PERMISSIONS = ("read", "write", "admin")
SCOPES = ("search", "tracklists", "cue", "batch", "developer")
MAX_OVERLAP_SECONDS = 7 * 86400


class ApiKeyNotFound(NotFound):
    """The reference's RESOURCE_NOT_FOUND; `details.resource` says what was looked for."""

    error_code = "RESOURCE_NOT_FOUND"


class KeyLimitReached(Forbidden):
    error_code = "KEY_LIMIT_REACHED"


def default_overlap_seconds() -> int:
    return setting(AuthSettings).key_rotation_overlap_seconds


@dataclass(frozen=True)
class KeySpec:
    name: str
    description: str = ""
    permissions: frozenset[str] = frozenset({"read"})
    scopes: frozenset[str] = frozenset()
    ip_allowlist: tuple[str, ...] = ()
    expires_at: int | None = None
    signature_required: bool = False
    signing: bool = False
    environment: str = "live"


def _table() -> str:
    return settings().identity_table


def _record_key(user_id: str, key_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": f"KEY#{key_id}"}}


def _lookup_key(key_hash: str) -> dict[str, Any]:
    return {"pk": {"S": f"APIKEY#{key_hash}"}, "sk": {"S": "APIKEY"}}


def _slots_key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "KEYSLOTS"}}


def _new_key_id() -> str:
    return f"key_{int(time.time() * 1000):011x}{pysecrets.token_hex(5)}"


def _iso(epoch: int | None) -> str | None:
    return clock.iso(datetime.fromtimestamp(epoch, UTC)) if epoch else None


def _lookup_item(record: dict[str, Any], new: keys.NewKey, sealed: str | None) -> dict[str, Any]:
    return to_item(
        {
            "pk": f"APIKEY#{new.key_hash}",
            "sk": "APIKEY",
            "key_id": record["key_id"],
            "user_id": record["user_id"],
            "tier": record["tier"],
            "permissions": ",".join(sorted(record["permissions"])),
            "scopes": ",".join(sorted(record.get("scopes") or [])),
            "ip_allowlist": ",".join(record.get("ip_allowlist") or []),
            "signature_required": bool(record.get("signature_required")),
            "signing_secret": sealed,
            "key_expires_at": record.get("key_expires_at"),
            "key_prefix": new.key_prefix,
        }
    )


def create(user_id: str, user_tier: str, spec: KeySpec) -> tuple[dict[str, Any], str, str | None]:
    """A new key: (its public view, the secret key, the signing secret if asked), shown once.

    A signing secret exists only for keys that sign (opt-in, or implied by `signature_required`).
    """
    plan = tier_of(user_tier)
    key_id = _new_key_id()
    new = keys.mint(spec.environment)
    signing = spec.signing or spec.signature_required
    signing_secret = "tks_" + pysecrets.token_urlsafe(32) if signing else None
    record = {
        "pk": f"USER#{user_id}",
        "sk": f"KEY#{key_id}",
        "key_id": key_id,
        "user_id": user_id,
        "tier": plan.name,
        "name": spec.name,
        "description": spec.description,
        "key_prefix": new.key_prefix,
        "environment": spec.environment,
        "permissions": sorted(spec.permissions),
        "scopes": sorted(spec.scopes),
        "ip_allowlist": list(spec.ip_allowlist),
        "signature_required": spec.signature_required,
        "signing": signing,
        "key_expires_at": spec.expires_at,
        "status": "active",
        "created_at": clock.iso(),
        "current_hash": new.key_hash,
    }
    sealed = secrets.seal(signing_secret, key_id) if signing_secret else None
    limit_reached = KeyLimitReached(
        f"The {plan.name} tier allows {plan.max_keys} active API keys",
        details={"max_keys": plan.max_keys, "tier": plan.name},
    )
    ddb.transact_write(
        [
            {
                "Update": {
                    "TableName": _table(),
                    "Key": _slots_key(user_id),
                    "UpdateExpression": "ADD active :one",
                    "ConditionExpression": "attribute_not_exists(active) OR active < :max",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": {"N": str(plan.max_keys)}},
                }
            },
            {
                "Put": {
                    "TableName": _table(),
                    "Item": to_item(record),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": _table(),
                    "Item": _lookup_item(record, new, sealed),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ],
        on_condition={0: limit_reached},  # the slot counter: the tier's key limit
    )
    return public_view(record), new.secret, signing_secret


def _get_record(user_id: str, key_id: str) -> dict[str, Any]:
    if not key_id.startswith("key_") or len(key_id) > 64:
        raise ApiKeyNotFound("API key not found", details={"resource": "api_key", "key_id": key_id[:64]})
    item = (
        client("dynamodb")
        .get_item(TableName=_table(), Key=_record_key(user_id, key_id), ConsistentRead=True)
        .get("Item")
    )
    if not item:
        raise ApiKeyNotFound("API key not found", details={"resource": "api_key", "key_id": key_id[:64]})
    return from_item(item)


def get(user_id: str, key_id: str) -> dict[str, Any]:
    record = _get_record(user_id, key_id)
    return public_view(record, _last_used([record]))


def _last_used(records: list[dict[str, Any]]) -> dict[str, str]:
    """last_used_at lives on the lookup items (the authorizer writes it): one BatchGetItem."""
    wanted = {r["current_hash"]: r["key_id"] for r in records if r.get("current_hash")}
    wanted.update({r["previous_hash"]: r["key_id"] for r in records if r.get("previous_hash")})
    found: dict[str, str] = {r["key_id"]: r["last_used_at"] for r in records if r.get("last_used_at")}
    hashes = list(wanted)
    for start in range(0, len(hashes), 100):
        request: dict[str, Any] = {
            _table(): {
                "Keys": [_lookup_key(h) for h in hashes[start : start + 100]],
                "ProjectionExpression": "key_id, last_used_at",
            }
        }
        while request:
            out = client("dynamodb").batch_get_item(RequestItems=request)
            for item in out.get("Responses", {}).get(_table(), []):
                seen = item.get("last_used_at", {}).get("S")
                kid = item["key_id"]["S"]
                if seen and seen > found.get(kid, ""):
                    found[kid] = seen
            request = out.get("UnprocessedKeys") or {}
    return found


def list_keys(
    user_id: str, *, include_inactive: bool, limit: int, next_token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
        "ExpressionAttributeValues": {":pk": {"S": f"USER#{user_id}"}, ":sk": {"S": "KEY#"}},
        "ConsistentRead": True,
        "Limit": limit,
    }
    if not include_inactive:
        kwargs["FilterExpression"] = "#s = :active"
        kwargs["ExpressionAttributeNames"] = {"#s": "status"}
        kwargs["ExpressionAttributeValues"][":active"] = {"S": "active"}
    scope = ddb.CursorScope(
        "api_keys",
        bound={"pk": f"USER#{user_id}"},
        attributes=("pk", "sk"),
        typed=True,
        error_code="INVALID_PAGINATION_TOKEN",
        message="Invalid next_token",
    )
    found, token = ddb.query_page(client("dynamodb").query, scope, next_token, **kwargs)
    records = [from_item(i) for i in found]
    seen = _last_used(records)
    return [public_view(r, seen) for r in records], token


def rotate(
    user_id: str, key_id: str, overlap_seconds: int | None = None
) -> tuple[dict[str, Any], str, str | None]:
    """A new secret for the key; the old secret keeps working for `overlap_seconds`, then stops."""
    overlap = default_overlap_seconds() if overlap_seconds is None else overlap_seconds
    if not 0 <= overlap <= MAX_OVERLAP_SECONDS:
        raise BadRequest(f"overlap_seconds must be between 0 and {MAX_OVERLAP_SECONDS}")
    record = _get_record(user_id, key_id)
    if record.get("status") != "active":
        raise Conflict("A revoked key cannot be rotated", details={"reason": "KEY_REVOKED", "key_id": key_id})
    old_hash = record["current_hash"]
    new = keys.mint(record.get("environment") or "live")
    signing = bool(record.get("signing") or record.get("signature_required"))
    signing_secret = "tks_" + pysecrets.token_urlsafe(32) if signing else None
    sealed = secrets.seal(signing_secret, key_id) if signing_secret else None
    valid_until = clock.epoch() + overlap
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": _table(),
                "Key": _record_key(user_id, key_id),
                "UpdateExpression": (
                    "SET current_hash = :new, previous_hash = :old, previous_valid_until = :vu, "
                    "rotated_at = :now, key_prefix = :prefix"
                ),
                "ConditionExpression": "current_hash = :old AND #s = :active",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":new": value(new.key_hash),
                    ":old": value(old_hash),
                    ":vu": value(valid_until),
                    ":now": value(clock.iso()),
                    ":prefix": value(new.key_prefix),
                    ":active": value("active"),
                },
            }
        },
        {
            "Put": {
                "TableName": _table(),
                "Item": _lookup_item(record, new, sealed),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    if overlap:
        items.append(
            {
                "Update": {
                    "TableName": _table(),
                    "Key": _lookup_key(old_hash),
                    "UpdateExpression": "SET valid_until = :vu, expires_at = :ttl",
                    "ExpressionAttributeValues": {
                        ":vu": value(valid_until),
                        ":ttl": value(valid_until + 86400),
                    },
                }
            }
        )
    else:
        items.append({"Delete": {"TableName": _table(), "Key": _lookup_key(old_hash)}})
    if record.get("previous_hash") and record["previous_hash"] != old_hash:
        # Only one earlier secret is honoured at a time: a second rotation ends the first overlap.
        items.append({"Delete": {"TableName": _table(), "Key": _lookup_key(record["previous_hash"])}})
    ddb.transact_write(
        items,
        otherwise=lambda: Conflict("The key changed during rotation; retry", error_code="RESOURCE_CONFLICT"),
    )
    record.update(
        current_hash=new.key_hash,
        previous_hash=old_hash,
        previous_valid_until=valid_until if overlap else None,
        rotated_at=clock.iso(),
        key_prefix=new.key_prefix,
    )
    return public_view(record), new.secret, signing_secret


def revoke(user_id: str, key_id: str) -> str | None:
    """Revoked at once: both lookups go in the same transaction as the status change.

    Returns when the key was revoked (now, or the earlier revocation's time for a key already
    revoked: revoking is idempotent).
    """
    record = _get_record(user_id, key_id)
    if record.get("status") != "active":
        return record.get("revoked_at")
    last_used = _last_used([record]).get(key_id)
    revoked_at = clock.iso()
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": _table(),
                "Key": _record_key(user_id, key_id),
                "UpdateExpression": (
                    "SET #s = :revoked, revoked_at = :now"
                    + (", last_used_at = :seen" if last_used else "")
                    + " REMOVE current_hash, previous_hash, previous_valid_until"
                ),
                "ConditionExpression": "#s = :active",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":revoked": value("revoked"),
                    ":active": value("active"),
                    ":now": value(revoked_at),
                    **({":seen": value(last_used)} if last_used else {}),
                },
            }
        },
        {
            "Update": {
                "TableName": _table(),
                "Key": _slots_key(user_id),
                "UpdateExpression": "ADD active :minus",
                "ExpressionAttributeValues": {":minus": {"N": "-1"}},
            }
        },
    ]
    for h in {record.get("current_hash"), record.get("previous_hash")} - {None}:
        items.append({"Delete": {"TableName": _table(), "Key": _lookup_key(str(h))}})
    try:
        client("dynamodb").transact_write_items(TransactItems=items)
    except Exception as exc:
        if ddb.cancellation_reasons(exc) is None:
            raise
        # revoked concurrently: the outcome the caller asked for, at the other request's time
        return _get_record(user_id, key_id).get("revoked_at")
    return revoked_at


def _records(user_id: str, *, active_only: bool = False) -> list[dict[str, Any]]:
    """Every key record of the account (a user has a handful: the tier caps live keys)."""
    kwargs: dict[str, Any] = {}
    if active_only:
        kwargs = {
            "FilterExpression": "#s = :active",
            "ExpressionAttributeNames": {"#s": "status"},
        }
    values = {":pk": {"S": f"USER#{user_id}"}, ":sk": {"S": "KEY#"}}
    found = ddb.items(
        client("dynamodb").query,
        TableName=_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={**values, **({":active": {"S": "active"}} if active_only else {})},
        ConsistentRead=True,
        **kwargs,
    )
    return [from_item(i) for i in found]


def all_keys(user_id: str) -> list[dict[str, Any]]:
    """Every key of the account (revoked ones too) as its owner sees them."""
    records = _records(user_id)
    seen = _last_used(records)
    return [public_view(r, seen) for r in records]


def revoke_all(user_id: str) -> int:
    records = _records(user_id, active_only=True)
    for rec in records:
        revoke(user_id, rec["key_id"])
    return len(records)


def retier(user_id: str, new_tier: str) -> None:
    """Copy a tier change onto every live lookup item so the next request is limited by it."""
    for rec in _records(user_id):
        client("dynamodb").update_item(
            TableName=_table(),
            Key=_record_key(user_id, rec["key_id"]),
            UpdateExpression="SET tier = :t",
            ExpressionAttributeValues={":t": value(new_tier)},
        )
        for h in {rec.get("current_hash"), rec.get("previous_hash")} - {None}:
            try:
                client("dynamodb").update_item(
                    TableName=_table(),
                    Key=_lookup_key(str(h)),
                    UpdateExpression="SET tier = :t",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={":t": value(new_tier)},
                )
            except Exception as exc:
                if not ddb.condition_failed(exc):
                    raise  # else: that secret's overlap already ended


def public_view(record: dict[str, Any], last_used: dict[str, str] | None = None) -> dict[str, Any]:
    """What an owner may see of a key: never its hash or signing secret."""
    perms = set(record.get("permissions") or [])
    now = clock.epoch()
    expires = record.get("key_expires_at")
    active = record.get("status") == "active" and not (expires and expires <= now)
    prev_until = record.get("previous_valid_until")
    return {
        "key_id": record["key_id"],
        "name": record.get("name", ""),
        "description": record.get("description", ""),
        "key_prefix": record.get("key_prefix"),
        "environment": record.get("environment", "live"),
        "permissions": {p: p in perms for p in PERMISSIONS},
        "scopes": sorted(record.get("scopes") or []),
        "ip_allowlist": list(record.get("ip_allowlist") or []),
        "signature_required": bool(record.get("signature_required")),
        "signing_enabled": bool(record.get("signing") or record.get("signature_required")),
        "status": "expired" if record.get("status") == "active" and not active else record.get("status"),
        "is_active": active,
        "created_at": record.get("created_at"),
        "expires_at": _iso(expires),
        "last_used_at": (last_used or {}).get(record["key_id"]) or record.get("last_used_at"),
        "rotated_at": record.get("rotated_at"),
        "previous_key_valid_until": _iso(prev_until) if prev_until and prev_until > now else None,
        "revoked_at": record.get("revoked_at"),
    }


@dataclass(frozen=True)
class LiveKey:
    """What the authorizer learns from one lookup."""

    key_id: str
    user_id: str
    tier: str
    permissions: frozenset[str]
    scopes: frozenset[str]
    ip_allowlist: tuple[str, ...]
    signature_required: bool
    signing_secret: str | None


# `last_used_at` is stamped at most once per this many seconds per key: a write on every request
# was the largest cost of an authenticated read (docs/cost.md); a minute is precise enough for
# "when was this key last used".
LAST_USED_RESOLUTION_SECONDS = 60


def touch(secret_key: str) -> LiveKey | None:
    """Find a live key by its secret (one strongly consistent GetItem, so a revocation counts at
    once) and stamp `last_used_at` when it is older than LAST_USED_RESOLUTION_SECONDS.

    None for unknown, revoked, expired, or past its rotation overlap.
    """
    dynamo = client("dynamodb")
    now = clock.epoch()
    key = _lookup_key(keys.hash_key(secret_key))
    item = dynamo.get_item(TableName=_table(), Key=key, ConsistentRead=True).get("Item")
    if item is None:
        return None
    seen = item.get("last_used_at", {}).get("S", "")
    stale = clock.iso(datetime.fromtimestamp(now - LAST_USED_RESOLUTION_SECONDS, UTC))
    if not seen or seen < stale:
        # Condition: still there and still stale (another request may have stamped it).
        with contextlib.suppress(dynamo.exceptions.ConditionalCheckFailedException):
            dynamo.update_item(
                TableName=_table(),
                Key=key,
                UpdateExpression="SET last_used_at = :now",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :stale)"
                ),
                ExpressionAttributeValues={":now": {"S": clock.iso()}, ":stale": {"S": stale}},
            )

    def text(name: str) -> str:
        return str(item[name]["S"]) if name in item else ""

    def number(name: str) -> int | None:
        return int(item[name]["N"]) if name in item else None

    expires, valid_until = number("key_expires_at"), number("valid_until")
    if (expires is not None and expires <= now) or (valid_until is not None and valid_until <= now):
        return None
    return LiveKey(
        key_id=text("key_id"),
        user_id=text("user_id"),
        tier=text("tier") or "free",
        permissions=frozenset(p for p in text("permissions").split(",") if p),
        scopes=frozenset(s for s in text("scopes").split(",") if s),
        ip_allowlist=tuple(i for i in text("ip_allowlist").split(",") if i),
        signature_required=bool(item.get("signature_required", {}).get("BOOL")),
        signing_secret=text("signing_secret") or None,
    )
