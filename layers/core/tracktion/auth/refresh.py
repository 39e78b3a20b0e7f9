"""Sessions: a login is a token family; refresh tokens are opaque, single-use and stored hashed.

`REFRESH#<sha256> / REFRESH` holds one refresh token (user, family, expiry, `used_at` once
spent); `RFAMILY#<id> / RFAMILY` is the login. Refreshing spends the presented token and
issues a new one in one transaction. Presenting a spent token again means it was stolen (or
replayed): the whole family is revoked, which also stops its access tokens at the
authorizer (they carry the family id), and logout does the same on purpose.
"""

from __future__ import annotations

import hashlib
import secrets as pysecrets
import uuid
from typing import Any

from tracktion import clock
from tracktion.auth import tokens
from tracktion.auth.records import to_item, value
from tracktion.config import settings
from tracktion.storage.aws import client

REFRESH_TTL_SECONDS = 7 * 86400


def _table() -> str:
    return settings().identity_table


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _refresh_key(token: str) -> dict[str, Any]:
    return {"pk": {"S": f"REFRESH#{_hash(token)}"}, "sk": {"S": "REFRESH"}}


def family_key(family: str) -> dict[str, Any]:
    return {"pk": {"S": f"RFAMILY#{family}"}, "sk": {"S": "RFAMILY"}}


def _new_refresh(user_id: str, family: str) -> tuple[str, dict[str, Any]]:
    token = "rt_" + pysecrets.token_urlsafe(32)
    item = to_item(
        {
            "pk": f"REFRESH#{_hash(token)}",
            "sk": "REFRESH",
            "user_id": user_id,
            "family": family,
            "created_at": clock.iso(),
            "expires_at": clock.epoch() + REFRESH_TTL_SECONDS,
        }
    )
    return token, item


def _answer(user_id: str, family: str, refresh_token: str) -> dict[str, Any]:
    access, ttl = tokens.issue_access(user_id, family)
    return {
        "access_token": access,
        "refresh_token": refresh_token,
        "token_type": "bearer",
        "expires_in": ttl,
        "refresh_expires_in": REFRESH_TTL_SECONDS,
    }


def start_session(user_id: str, method: str) -> dict[str, Any]:
    """A new login: a family, its first refresh token, and an access token."""
    family = uuid.uuid4().hex
    token, item = _new_refresh(user_id, family)
    fam = to_item(
        {
            "pk": f"RFAMILY#{family}",
            "sk": "RFAMILY",
            "user_id": user_id,
            "method": method,
            "created_at": clock.iso(),
            "expires_at": clock.epoch() + REFRESH_TTL_SECONDS + 86400,
        }
    )
    client("dynamodb").transact_write_items(
        TransactItems=[
            {"Put": {"TableName": _table(), "Item": fam}},
            {"Put": {"TableName": _table(), "Item": item}},
        ]
    )
    return _answer(user_id, family, token)


def _stored(token: str) -> dict[str, Any]:
    if not token.startswith("rt_") or len(token) > 100:
        raise tokens.InvalidToken("Invalid refresh token")
    item = (
        client("dynamodb")
        .get_item(TableName=_table(), Key=_refresh_key(token), ConsistentRead=True)
        .get("Item")
    )
    if not item:
        raise tokens.InvalidToken("Invalid refresh token")
    return item


def revoke_family(family: str) -> None:
    client("dynamodb").update_item(
        TableName=_table(),
        Key=family_key(family),
        UpdateExpression="SET revoked_at = :now",
        ExpressionAttributeValues={":now": value(clock.iso())},
    )


def rotate(token: str) -> dict[str, Any]:
    """Spend a refresh token for a new pair; a spent token presented again ends the session."""
    item = _stored(token)
    user_id, family = item["user_id"]["S"], item["family"]["S"]
    if int(item["expires_at"]["N"]) <= clock.epoch():
        raise tokens.ExpiredToken("Refresh token has expired")
    new_token, new_item = _new_refresh(user_id, family)
    ddb = client("dynamodb")
    try:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _refresh_key(token),
                        "UpdateExpression": "SET used_at = :now",
                        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(used_at)",
                        "ExpressionAttributeValues": {":now": value(clock.iso())},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": _table(),
                        "Key": family_key(family),
                        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                    }
                },
                {"Put": {"TableName": _table(), "Item": new_item}},
            ]
        )
    except ddb.exceptions.TransactionCanceledException as exc:
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            revoke_family(family)
            raise tokens.InvalidToken(
                "Refresh token was already used; the session has been revoked"
            ) from None
        raise tokens.InvalidToken("The session has ended") from None
    return _answer(user_id, family, new_token)


def logout(token: str) -> None:
    """End the login the refresh token belongs to: its refresh and access tokens stop working."""
    item = _stored(token)
    revoke_family(item["family"]["S"])
