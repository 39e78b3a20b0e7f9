"""Live batch progress over the WebSocket API: who listens to which batch, and telling them.

Connection items live in BATCHES_TABLE: pk=CONN#{connection_id} sk=CONN with the owner and
the batch; gsi1pk=PROGRESS#{batch_id} finds a batch's listeners. They expire with the
WebSocket API's own two-hour connection limit (TTL, and the daily maintenance for what the
TTL has not removed yet). A post answered 410 Gone removes the connection at once.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from tracktion.auth.principal import Principal
from tracktion.batch.model import progress_message
from tracktion.batch.store import BatchStore
from tracktion.clock import epoch, iso
from tracktion.config import BatchSettings, get
from tracktion.errors import Unauthorized
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table

# API Gateway closes a WebSocket connection after two hours whatever happens.
CONNECTION_LIFETIME_SECONDS = 2 * 3600
SCAN_MAX_PAGES = 1000  # the stale-connection sweep's bound (1 MB pages)


def _table() -> Any:
    return table(BatchStore().table_name)


def connect(connection_id: str, principal: Principal, batch_id: str | None) -> None:
    """Subscribe a connection to one of its owner's batches (another's is a 404), or to the
    owner's messages only (`batch_id` None: e.g. `tracklist.changed` of followed tracklists).

    Every connection is also listed under its owner (pk=WSOWNER#{owner}), which is how
    messages about the owner's tracklists reach it (`broadcast_to_owner`)."""
    if batch_id:
        BatchStore().get(batch_id, principal.user_id)
    expires = epoch() + CONNECTION_LIFETIME_SECONDS
    item: dict[str, Any] = {
        "pk": f"CONN#{connection_id}",
        "sk": "CONN",
        "connection_id": connection_id,
        "owner_id": principal.user_id,
        "connected_at": iso(),
        "connected_epoch": epoch(),
        "expires_at": expires,
    }
    if batch_id:
        item.update({"batch_id": batch_id, "gsi1pk": f"PROGRESS#{batch_id}", "gsi1sk": connection_id})
    _table().put_item(Item=item)
    _table().put_item(
        Item={
            "pk": f"WSOWNER#{principal.user_id}",
            "sk": f"CONN#{connection_id}",
            "connection_id": connection_id,
            "expires_at": expires,
        }
    )


def connection_owner(connection_id: str) -> str | None:
    item = _table().get_item(Key={"pk": f"CONN#{connection_id}", "sk": "CONN"}).get("Item") or {}
    # A connection recorded without its owner (before connections were listed per owner) has none.
    return str(item["owner_id"]) if item.get("owner_id") else None


def disconnect(connection_id: str) -> None:
    owner = connection_owner(connection_id)
    if owner is not None:
        _table().delete_item(Key={"pk": f"WSOWNER#{owner}", "sk": f"CONN#{connection_id}"})
    _table().delete_item(Key={"pk": f"CONN#{connection_id}", "sk": "CONN"})


def subscribe(connection_id: str, batch_id: str) -> None:
    """A `subscribe` message on an open connection: same owner, another batch; then a snapshot."""
    owner = connection_owner(connection_id)
    if owner is None:
        raise Unauthorized("Unknown connection")
    principal = Principal(user_id=owner)
    connect(connection_id, principal, batch_id)
    snapshot(connection_id, batch_id, owner)


def snapshot(connection_id: str, batch_id: str, owner_id: str) -> None:
    """Send one connection the batch's current state."""
    batch = BatchStore().get(batch_id, owner_id)
    _post(connection_id, progress_message(batch))


def listeners(batch_id: str) -> list[str]:
    found = ddb.items(
        _table().query,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": f"PROGRESS#{batch_id}"},
    )
    return [str(i["connection_id"]) for i in found]


def broadcast(batch_id: str, message: dict[str, Any]) -> int:
    """Send `message` to every connection listening to the batch; returns how many got it."""
    if not management_url():
        return 0
    sent = 0
    for connection_id in listeners(batch_id):
        if _post(connection_id, message):
            sent += 1
    return sent


def broadcast_to_owner(owner_id: str, message: dict[str, Any]) -> int:
    """Send `message` to every open connection of the owner; returns how many got it."""
    if not management_url():
        return 0
    found = ddb.items(
        _table().query,
        KeyConditionExpression="pk = :p AND begins_with(sk, :c)",
        ExpressionAttributeValues={":p": f"WSOWNER#{owner_id}", ":c": "CONN#"},
        ProjectionExpression="connection_id",
    )
    return sum(1 for i in found if _post(str(i["connection_id"]), message))


def _post(connection_id: str, message: dict[str, Any]) -> bool:
    from botocore.exceptions import ClientError

    if not management_url():
        return False
    try:
        _management().post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "GoneException" or status == 410:
            disconnect(connection_id)
            return False
        logger.warning("progress post failed", extra={"connection_id": connection_id, "code": code})
        return False
    return True


def management_url() -> str:
    """The @connections endpoint (https://{api}.execute-api.{region}.amazonaws.com/{stage})."""
    return get(BatchSettings).websocket_management_url


@cache
def _management_for(url: str) -> Any:
    # A client per endpoint: the generic factory (tracktion.storage.aws) knows one endpoint
    # per service, and @connections lives at the WebSocket API's own URL.
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=url, config=config)


def _management() -> Any:
    return _management_for(management_url())


def stale_connections(now_epoch: int, limit: int = 1000) -> list[str]:
    """Connections past their lifetime (for maintenance; scans, never on a request path)."""
    found = ddb.items(
        _table().scan,
        max_items=limit,
        max_pages=SCAN_MAX_PAGES,
        FilterExpression="begins_with(pk, :c) AND connected_epoch < :t",
        ExpressionAttributeValues={":c": "CONN#", ":t": now_epoch - CONNECTION_LIFETIME_SECONDS},
        ProjectionExpression="connection_id",
    )
    return [str(i["connection_id"]) for i in found]


def close(connection_id: str) -> None:
    """Drop a connection: ask API Gateway to close it (if still open), forget it either way."""
    if management_url():
        try:
            _management().delete_connection(ConnectionId=connection_id)
        except Exception as exc:  # gone already, or the API is unreachable: forget it anyway
            logger.info("connection close skipped", extra={"connection_id": connection_id, "error": str(exc)})
    disconnect(connection_id)
