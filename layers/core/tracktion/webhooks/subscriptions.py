"""Webhook subscriptions: an owner's URLs, the events each wants, and the secret that signs them.

Items in BATCHES_TABLE: pk=WH#{owner} sk=WH#{webhook_id}, so an owner's webhooks (for a
list, or for a delivery) are one Query. The signing secret has to be kept in the clear
(a hash cannot sign; the table is encrypted at rest); it is shown once, at creation.
"""

from __future__ import annotations

import secrets
import uuid
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


class WebhookNotFound(NotFound):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"Webhook {webhook_id} not found", details={"webhook_id": webhook_id})


class Webhook(Model):
    webhook_id: str = Field(default_factory=lambda: f"wh_{uuid.uuid4().hex}")
    owner_id: str
    url: str
    events: list[WebhookEvent]
    description: str | None = None
    secret: str = Field(default_factory=lambda: f"whsec_{secrets.token_urlsafe(32)}")
    created_at: str = Field(default_factory=iso)

    def public(self, *, with_secret: bool = False) -> dict[str, Any]:
        shown = self.model_dump(exclude={"secret", "owner_id"})
        if with_secret:
            shown["secret"] = self.secret
        return shown


def _table() -> Any:
    return table(settings().batches_table)


def _key(owner_id: str, webhook_id: str) -> dict[str, str]:
    return {"pk": f"WH#{owner_id}", "sk": f"WH#{webhook_id}"}


def _from_item(item: dict[str, Any]) -> Webhook:
    return Webhook.model_validate_json(item["body"])


def create(owner_id: str, url: str, events: list[str], description: str | None = None) -> Webhook:
    """Subscribe `url` (which must pass the SSRF guard) to some of the events."""
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
    _table().put_item(
        Item={**_key(owner_id, hook.webhook_id), "body": hook.model_dump_json(), "owner_id": owner_id},
        ConditionExpression="attribute_not_exists(pk)",
    )
    return hook


def get(owner_id: str, webhook_id: str) -> Webhook:
    item = _table().get_item(Key=_key(owner_id, webhook_id), ConsistentRead=True).get("Item")
    if not item:
        raise WebhookNotFound(webhook_id)
    return _from_item(item)


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
