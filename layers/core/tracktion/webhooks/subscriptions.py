"""Webhook subscriptions: an owner's URLs, the events each wants, and the secrets that sign them.

Items in BATCHES_TABLE: pk=WH#{owner} sk=WH#{webhook_id}, so an owner's webhooks (for a
list, or for a delivery) are one Query. A signing secret is a Standard Webhooks secret,
`whsec_<base64 of 32 random bytes>`; it has to be usable (a hash cannot sign), so it is kept
sealed (AES-256-GCM under the identity secret, tracktion.auth.secrets, bound to the webhook
id) and shown once: at creation, and at each rotation. A rotation keeps the previous secret
for an overlap (24 hours unless asked otherwise), during which every delivery carries both
signatures. Webhooks made before secrets were sealed keep their clear secret in the item
until their first rotation.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from tracktion.clock import iso
from tracktion.config import settings
from tracktion.errors import BadRequest, Conflict, NotFound
from tracktion.models import Model
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table
from tracktion.webhooks.guard import check_webhook_url

WebhookEvent = Literal["batch.completed", "tracklist.imported", "cue.generated", "tracklist.changed"]
EVENTS: tuple[str, ...] = ("batch.completed", "tracklist.imported", "cue.generated", "tracklist.changed")
MAX_WEBHOOKS_PER_OWNER = 25
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32
DEFAULT_OVERLAP_SECONDS = 24 * 3600
MAX_OVERLAP_SECONDS = 7 * 24 * 3600


class WebhookNotFound(NotFound):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"Webhook {webhook_id} not found", details={"webhook_id": webhook_id})


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _seal(secret: str, webhook_id: str) -> str:
    from tracktion.auth.secrets import seal

    return seal(secret, f"webhook:{webhook_id}")


def _unseal(sealed: str, webhook_id: str) -> str:
    from tracktion.auth.secrets import unseal

    return unseal(sealed, f"webhook:{webhook_id}")


class Webhook(Model):
    webhook_id: str = Field(default_factory=lambda: f"wh_{uuid.uuid4().hex}")
    owner_id: str
    url: str
    events: list[WebhookEvent]
    description: str | None = None
    created_at: str = Field(default_factory=iso)
    secret_rotated_at: str | None = None
    previous_secret_expires_at: str | None = None
    # Never shown: the sealed secrets (and the clear one of a webhook made before sealing).
    sealed_secret: str | None = None
    sealed_previous_secret: str | None = None
    secret: str | None = None

    def public(self) -> dict[str, Any]:
        return self.model_dump(
            exclude={
                "secret",
                "sealed_secret",
                "sealed_previous_secret",
                "owner_id",
                "previous_secret_expires_at",
            }
        ) | {"previous_secret_expires_at": self.overlap_until()}

    def overlap_until(self, now: datetime | None = None) -> str | None:
        """When the previous secret stops signing; None once it has (or without a rotation)."""
        if not self.sealed_previous_secret or not self.previous_secret_expires_at:
            return None
        until = datetime.fromisoformat(self.previous_secret_expires_at.replace("Z", "+00:00"))
        return self.previous_secret_expires_at if until > (now or datetime.now(UTC)) else None

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """The secrets a delivery is signed with now: the current one, then the previous one
        while the rotation's overlap lasts."""
        current = _unseal(self.sealed_secret, self.webhook_id) if self.sealed_secret else self.secret
        found = [current] if current else []
        if self.sealed_previous_secret and self.overlap_until(now):
            found.append(_unseal(self.sealed_previous_secret, self.webhook_id))
        return found


def _table() -> Any:
    return table(settings().batches_table)


def _key(owner_id: str, webhook_id: str) -> dict[str, str]:
    return {"pk": f"WH#{owner_id}", "sk": f"WH#{webhook_id}"}


def _from_item(item: dict[str, Any]) -> Webhook:
    return Webhook.model_validate_json(item["body"])


def _body(hook: Webhook) -> str:
    return hook.model_dump_json(exclude_none=True)


def create(owner_id: str, url: str, events: list[str], description: str | None = None) -> tuple[Webhook, str]:
    """Subscribe `url` (which must pass the SSRF guard) to some of the events; returns the
    webhook and its signing secret (shown once)."""
    check_webhook_url(url)
    wanted = sorted(set(events))
    if not wanted:
        raise BadRequest("Name at least one event", details={"events": list(EVENTS)})
    existing, _ = list_for_owner(owner_id, limit=MAX_WEBHOOKS_PER_OWNER)
    if len(existing) >= MAX_WEBHOOKS_PER_OWNER:
        raise Conflict(
            f"At most {MAX_WEBHOOKS_PER_OWNER} webhooks per account",
            error_code="WEBHOOK_LIMIT_REACHED",
        )
    hook = Webhook(owner_id=owner_id, url=url, events=wanted, description=description)  # type: ignore[arg-type]
    secret = new_secret()
    hook.sealed_secret = _seal(secret, hook.webhook_id)
    _table().put_item(
        Item={**_key(owner_id, hook.webhook_id), "body": _body(hook), "owner_id": owner_id},
        ConditionExpression="attribute_not_exists(pk)",
    )
    return hook, secret


def get(owner_id: str, webhook_id: str) -> Webhook:
    item = _table().get_item(Key=_key(owner_id, webhook_id), ConsistentRead=True).get("Item")
    if not item:
        raise WebhookNotFound(webhook_id)
    return _from_item(item)


def rotate_secret(
    owner_id: str, webhook_id: str, overlap_seconds: int = DEFAULT_OVERLAP_SECONDS
) -> tuple[Webhook, str]:
    """A new signing secret (returned once); the current one keeps signing beside it for
    `overlap_seconds` (0: it stops now). A rotation during an overlap ends the older one."""
    if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
        raise BadRequest(
            f"overlap_seconds must be between 0 and {MAX_OVERLAP_SECONDS}",
            details={"overlap_seconds": overlap_seconds},
        )
    item = _table().get_item(Key=_key(owner_id, webhook_id), ConsistentRead=True).get("Item")
    if not item:
        raise WebhookNotFound(webhook_id)
    hook = _from_item(item)
    now = datetime.now(UTC)
    previous = hook.sealed_secret or (_seal(hook.secret, webhook_id) if hook.secret else None)
    secret = new_secret()
    rotated = hook.model_copy(
        update={
            "sealed_secret": _seal(secret, webhook_id),
            "secret": None,
            "sealed_previous_secret": previous if overlap_seconds else None,
            "previous_secret_expires_at": (
                iso(now + timedelta(seconds=overlap_seconds)) if overlap_seconds and previous else None
            ),
            "secret_rotated_at": iso(now),
        }
    )
    # Two rotations at once: one wins, the other is told so (its secret would never sign).
    with ddb.condition_error(
        lambda: Conflict("The webhook changed meanwhile; rotate again", error_code="RESOURCE_CONFLICT")
    ):
        _table().put_item(
            Item={**_key(owner_id, webhook_id), "body": _body(rotated), "owner_id": owner_id},
            ConditionExpression="body = :seen",
            ExpressionAttributeValues={":seen": item["body"]},
        )
    return rotated, secret


def delete(owner_id: str, webhook_id: str) -> None:
    with ddb.condition_error(lambda: WebhookNotFound(webhook_id)):
        _table().delete_item(Key=_key(owner_id, webhook_id), ConditionExpression="attribute_exists(pk)")


def list_for_owner(
    owner_id: str, *, limit: int = 25, cursor: str | None = None
) -> tuple[list[Webhook], str | None]:
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :w)",
        "ExpressionAttributeValues": {":p": f"WH#{owner_id}", ":w": "WH#"},
        "Limit": max(1, min(limit, 100)),
    }
    scope = ddb.CursorScope("webhooks", bound={"pk": f"WH#{owner_id}"}, attributes=("pk", "sk"))
    found, token = ddb.query_page(_table().query, scope, cursor, **kwargs)
    return [_from_item(i) for i in found], token


def subscribed(owner_id: str, event_type: str) -> list[Webhook]:
    """The owner's webhooks that want this event (one Query)."""
    hooks, _ = list_for_owner(owner_id, limit=MAX_WEBHOOKS_PER_OWNER)
    return [h for h in hooks if event_type in h.events]
