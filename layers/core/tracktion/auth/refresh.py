"""Sessions: a login is a token family; refresh tokens are opaque, stored hashed, and rotate.

`REFRESH#<sha256> / REFRESH` holds one refresh token (user, family, expiry; once spent,
`used_at` and `child`, the hash of the token its last refresh handed out);
`RFAMILY#<id> / RFAMILY` is the login. Each refresh hands out a new refresh token.

The published client (python-client-examples.md, `JWTAuthClient`) keeps the refresh token of
its login and never stores the rotated one, and the reference promises 7 days. So a spent token
stays valid as long as its successor has never been used: presenting it again hands out a fresh
successor and retires the unused one (`superseded_at`). Once a successor has been used, the
client has moved on, and the older token presented again is reuse: the whole family is revoked
(which also stops its access tokens at the authorizer: they carry the family id). A retired,
never-used successor presented later is reuse too. docs/security.md ("Refresh tokens") weighs
this against strict single use and a grace window. Logout revokes the family on purpose.
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
from tracktion.storage import dynamodb as ddb
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


class ReusedToken(tokens.InvalidToken):
    """A refresh token presented after the session moved past it: the session is revoked."""


def _revoke_for_reuse(family: str) -> ReusedToken:
    revoke_family(family)
    return ReusedToken("Refresh token was already used; the session has been revoked")


def _child(item: dict[str, Any]) -> dict[str, Any] | None:
    child = (item.get("child") or {}).get("S")
    if not child:
        return None
    return (
        client("dynamodb")
        .get_item(
            TableName=_table(),
            Key={"pk": {"S": f"REFRESH#{child}"}, "sk": {"S": "REFRESH"}},
            ConsistentRead=True,
        )
        .get("Item")
    )


def rotate(token: str, *, _attempts: int = 3) -> dict[str, Any]:
    """A new pair for a live refresh token; a token the session has moved past ends the session.

    Live: never spent; or spent, but the token its refresh handed out was never used (the
    published client's pattern). Not live: its successor was used, or it is a successor that
    was retired unused, or its family was revoked, or it expired.
    """
    item = _stored(token)
    user_id, family = item["user_id"]["S"], item["family"]["S"]
    if int(item["expires_at"]["N"]) <= clock.epoch():
        raise tokens.ExpiredToken("Refresh token has expired")
    if "superseded_at" in item:
        raise _revoke_for_reuse(family)
    new_token, new_item = _new_refresh(user_id, family)
    new_hash = new_item["pk"]["S"].removeprefix("REFRESH#")
    now = value(clock.iso())
    spend: dict[str, Any]
    extra: list[dict[str, Any]] = []
    if "used_at" not in item:
        spend = {
            "UpdateExpression": "SET used_at = :now, child = :c",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(used_at)",
            "ExpressionAttributeValues": {":now": now, ":c": value(new_hash)},
        }
    else:
        child = _child(item)
        if child is not None and "used_at" in child:
            raise _revoke_for_reuse(family)
        old_child = item["child"]["S"]
        spend = {
            "UpdateExpression": "SET child = :c, reused_at = :now",
            "ConditionExpression": "child = :old",
            "ExpressionAttributeValues": {":now": now, ":c": value(new_hash), ":old": value(old_child)},
        }
        if child is not None:
            # The successor nobody used is retired, so at most one unused successor is live.
            extra.append(
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": {"pk": {"S": f"REFRESH#{old_child}"}, "sk": {"S": "REFRESH"}},
                        "UpdateExpression": "SET superseded_at = :now",
                        "ConditionExpression": "attribute_not_exists(used_at)",
                        "ExpressionAttributeValues": {":now": now},
                    }
                }
            )
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {"Update": {"TableName": _table(), "Key": _refresh_key(token), **spend}},
                {
                    "ConditionCheck": {
                        "TableName": _table(),
                        "Key": family_key(family),
                        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                    }
                },
                {"Put": {"TableName": _table(), "Item": new_item}},
                *extra,
            ]
        )
    except Exception as exc:
        reasons = ddb.cancellation_reasons(exc)
        if reasons is None:
            raise
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            raise tokens.InvalidToken("The session has ended") from None
        if "ConditionalCheckFailed" in reasons and _attempts > 1:
            # A concurrent refresh of the same token (or a use of its successor) won the race:
            # decide again on what is stored now.
            return rotate(token, _attempts=_attempts - 1)
        raise tokens.InvalidToken("The session has ended") from None
    return _answer(user_id, family, new_token)


def logout(token: str) -> None:
    """End the login the refresh token belongs to: its refresh and access tokens stop working."""
    item = _stored(token)
    revoke_family(item["family"]["S"])
