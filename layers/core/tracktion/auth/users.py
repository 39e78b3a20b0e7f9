"""User accounts: registration, profiles, admin changes, and the links to OAuth identities.

Items in the identity table:
- `USER#<id> / PROFILE`: the account (password as a scrypt hash, tier, admin flag), also in
  index gsi1 under `USERS` (by creation time) for the admin list;
- `EMAIL#<email> / EMAIL`: claims an email for one account (written in the same
  transaction as the account, so two registrations of one email cannot both succeed);
- `OAUTH#<provider>#<subject> / OAUTH`: a provider identity linked to an account.
"""

from __future__ import annotations

import contextlib
import math
import re
import uuid
from typing import Any

from tracktion import clock
from tracktion.auth import passwords
from tracktion.auth.records import from_item, to_item, value
from tracktion.auth.tiers import TIERS
from tracktion.config import settings
from tracktion.errors import Conflict, NotFound, ValidationFailed
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
BOOTSTRAP_ADMIN = "bootstrap-admin"


class UserNotFound(NotFound):
    error_code = "USER_NOT_FOUND"


class EmailTaken(Conflict):
    error_code = "EMAIL_ALREADY_REGISTERED"


class LinkedAlready(Conflict):
    """A concurrent login linked the same provider identity first (never reaches a client)."""


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise ValidationFailed("Invalid email address", details={"field": "email"})
    return email


def _table() -> str:
    return settings().identity_table


def _user_key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}}


def _email_key(email: str) -> dict[str, Any]:
    return {"pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "EMAIL"}}


def _create(record: dict[str, Any], extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    ddb.transact_write(
        [
            {
                "Put": {
                    "TableName": _table(),
                    "Item": to_item(
                        {"pk": f"EMAIL#{record['email']}", "sk": "EMAIL", "user_id": record["user_id"]}
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": _table(),
                    "Item": to_item(record),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            *(extra or []),
        ],
        otherwise=lambda: EmailTaken("An account with this email already exists"),
    )
    return record


def _new_record(email: str, name: str, password_hash: str | None, verified: bool) -> dict[str, Any]:
    user_id = "usr_" + uuid.uuid4().hex[:20]
    now = clock.iso()
    return {
        "pk": f"USER#{user_id}",
        "sk": "PROFILE",
        "gsi1pk": "USERS",
        "gsi1sk": f"{now}#{user_id}",
        "user_id": user_id,
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "tier": "free",
        "is_admin": False,
        "email_verified": verified,
        "providers": [],
        "created_at": now,
        "updated_at": now,
    }


def register(email: str, password: str, name: str = "") -> dict[str, Any]:
    email = normalise_email(email)
    if not passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH:
        raise ValidationFailed(
            f"Password must be {passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} characters",
            details={"field": "password"},
        )
    return _create(_new_record(email, name, passwords.hash_password(password), False))


def get(user_id: str) -> dict[str, Any]:
    item = (
        client("dynamodb")
        .get_item(TableName=_table(), Key=_user_key(user_id), ConsistentRead=True)
        .get("Item")
    )
    if not item:
        raise UserNotFound("User not found")
    return from_item(item)


def find_by_email(email: str) -> dict[str, Any] | None:
    try:
        email = normalise_email(email)
    except ValidationFailed:
        return None
    claim = (
        client("dynamodb")
        .get_item(TableName=_table(), Key=_email_key(email), ConsistentRead=True)
        .get("Item")
    )
    if not claim:
        return None
    try:
        return get(claim["user_id"]["S"])
    except UserNotFound:
        return None


def authenticate(email: str, password: str) -> dict[str, Any] | None:
    """The account when the password matches; the KDF runs either way (no timing oracle)."""
    user = find_by_email(email)
    ok = passwords.verify(password, user.get("password_hash") if user else None)
    return user if ok and user else None


def link_oauth(provider: str, subject: str, email: str, name: str) -> dict[str, Any]:
    """The account for a provider identity whose email the provider verified.

    Known identity → its account. Else the account holding that email gets the link (the
    provider proved the email), else a new account is created with it.
    """
    link_key = {"pk": {"S": f"OAUTH#{provider}#{subject}"}, "sk": {"S": "OAUTH"}}
    link = client("dynamodb").get_item(TableName=_table(), Key=link_key, ConsistentRead=True).get("Item")
    if link:
        return get(link["user_id"]["S"])
    email = normalise_email(email)

    def link_item(uid: str) -> dict[str, Any]:
        item = {"pk": f"OAUTH#{provider}#{subject}", "sk": "OAUTH", "user_id": uid, "email": email}
        return {
            "Put": {
                "TableName": _table(),
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    user = find_by_email(email)
    if user is None:
        record = _new_record(email, name, None, True)
        record["providers"] = [provider]
        record["oauth_links"] = [f"{provider}#{subject}"]
        try:
            return _create(record, [link_item(record["user_id"])])
        except EmailTaken:
            user = find_by_email(email)
            if user is None:
                raise
    # A concurrent login through the same identity may have linked it already: fine either way.
    with contextlib.suppress(LinkedAlready):
        ddb.transact_write(
            [
                link_item(user["user_id"]),
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _user_key(user["user_id"]),
                        "UpdateExpression": "SET "
                        "providers = list_append(if_not_exists(providers, :empty), :p), "
                        "oauth_links = list_append(if_not_exists(oauth_links, :empty), :l), "
                        "email_verified = :t, updated_at = :now",
                        "ExpressionAttributeValues": {
                            ":empty": value([]),
                            ":p": value([provider]),
                            ":l": value([f"{provider}#{subject}"]),
                            ":t": value(True),
                            ":now": value(clock.iso()),
                        },
                    }
                },
            ],
            otherwise=LinkedAlready("Linked already"),
        )
    return get(user["user_id"])


def update(user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Admin changes (tier, is_admin, name); a tier change reaches the user's keys at once."""
    from tracktion.auth import key_store

    if "tier" in changes and changes["tier"] not in TIERS:
        raise ValidationFailed("Unknown tier", details={"allowed": sorted(TIERS)})
    current = get(user_id)
    if not changes:
        return current
    names = {f"#{k}": k for k in changes}
    values = {f":{k}": value(v) for k, v in changes.items()}
    sets = ", ".join(f"#{k} = :{k}" for k in changes)
    with ddb.condition_error(lambda: UserNotFound("User not found")):
        out = client("dynamodb").update_item(
            TableName=_table(),
            Key=_user_key(user_id),
            UpdateExpression=f"SET {sets}, updated_at = :now",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":now": value(clock.iso())},
            ReturnValues="ALL_NEW",
        )
    if "tier" in changes and changes["tier"] != current.get("tier"):
        key_store.retier(user_id, changes["tier"])
    return from_item(out["Attributes"])


def delete(user_id: str) -> None:
    """The account, its email claim and provider links go; its keys are revoked first."""
    from tracktion.auth import key_store

    user = get(user_id)
    key_store.revoke_all(user_id)
    dynamo = client("dynamodb")
    deletes = [_user_key(user_id), _email_key(user["email"])]
    deletes += [
        {"pk": {"S": f"OAUTH#{link}"}, "sk": {"S": "OAUTH"}} for link in user.get("oauth_links") or []
    ]
    for key in deletes:
        dynamo.delete_item(TableName=_table(), Key=key)


def list_users(page: int, per_page: int, email: str | None, tier: str | None) -> dict[str, Any]:
    """Admin list, newest first, with page-number pagination over index gsi1 (never a scan)."""
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :users",
        "ExpressionAttributeValues": {":users": {"S": "USERS"}},
        "ScanIndexForward": False,
    }
    filters = []
    if tier:
        filters.append("tier = :tier")
        kwargs["ExpressionAttributeValues"][":tier"] = {"S": tier}
    if email:
        filters.append("contains(email, :email)")
        kwargs["ExpressionAttributeValues"][":email"] = {"S": email.strip().lower()}
    if filters:
        kwargs["FilterExpression"] = " AND ".join(filters)
    start = (page - 1) * per_page
    found, total = ddb.offset_page(client("dynamodb").query, offset=start, limit=per_page, **kwargs)
    return {
        "data": [view(from_item(i)) for i in found],
        "pagination": {
            "page": page,
            "per_page": per_page,
            "pages": math.ceil(total / per_page) if total else 0,
            "total": total,
        },
    }


def view(user: dict[str, Any]) -> dict[str, Any]:
    """An account as its owner or an admin sees it: never the password hash."""
    return {
        "user_id": user["user_id"],
        "email": user.get("email"),
        "name": user.get("name", ""),
        "tier": user.get("tier", "free"),
        "is_admin": bool(user.get("is_admin")),
        "email_verified": bool(user.get("email_verified")),
        "providers": list(user.get("providers") or []),
        "has_password": bool(user.get("password_hash")),
        "created_at": user.get("created_at"),
        "updated_at": user.get("updated_at"),
    }
