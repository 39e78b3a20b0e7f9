"""WebSocket API: $connect (authenticate, subscribe to one of the caller's batches, or with no
`batch_id` to the caller's own messages only, e.g. `tracklist.changed`), $disconnect, and
$default messages (`{"action": "subscribe", "batch_id": ...}`).

A refused $connect answers its status code, which API Gateway turns into the handshake's
HTTP answer: 401 without valid credentials, 403 from an address outside the key's allow-list
(the HTTP API's own status and error code for the same credential), 404 for a batch that is
not the caller's.
"""

from __future__ import annotations

import json
from typing import Any

from tracktion.api.authorizer import credential_from
from tracktion.auth.authenticate import Credential, authenticate
from tracktion.batch import progress
from tracktion.config import AuthSettings, BatchSettings, CoreSettings, load
from tracktion.errors import BadRequest, TracktionError, Unauthorized
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, BatchSettings)


def _answer(status: int, message: str = "") -> dict[str, Any]:
    return {"statusCode": status, "body": message}


def _credential(query: dict[str, str], headers: dict[str, str]) -> Credential | None:
    """The key or token given at $connect, in the query string or the headers.

    Browsers cannot set headers on a WebSocket handshake, so `api_key`/`token` in the query
    string are accepted too (`api_key` first, then an X-API-Key header, then `token`, then
    Authorization). A handshake has no body to sign: a key that requires signing is refused.
    """
    presented = {
        k.lower(): v for k, v in (headers or {}).items() if k.lower() in ("x-api-key", "authorization")
    }
    if query.get("api_key"):
        presented["x-api-key"] = query["api_key"]
    elif query.get("token") and not presented.get("x-api-key"):
        presented["authorization"] = f"Bearer {query['token']}"
    return credential_from(presented, signed=False)


def _connect(event: dict[str, Any], connection_id: str) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    # Without batch_id the connection hears the owner's own messages only (tracklist.changed).
    batch_id = str(query.get("batch_id") or "") or None
    source_ip = str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "")
    credential = _credential(query, event.get("headers") or {})
    if credential is None:
        raise Unauthorized("Authentication required: send api_key or token in the query string")
    # The HTTP authorizer's own checks (key allow-lists on the client's address included).
    principal = authenticate(credential, source_ip)
    progress.connect(connection_id, principal, batch_id)
    return _answer(200, "connected")


def _message(event: dict[str, Any], connection_id: str) -> dict[str, Any]:
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError as exc:
        raise BadRequest("Messages are JSON objects") from exc
    if not isinstance(body, dict) or body.get("action") != "subscribe" or not body.get("batch_id"):
        raise BadRequest('Send {"action": "subscribe", "batch_id": "..."}')
    progress.subscribe(connection_id, str(body["batch_id"]))
    return _answer(200, "subscribed")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    route = str(ctx.get("routeKey") or "")
    connection_id = str(ctx.get("connectionId") or "")
    try:
        if route == "$connect":
            return _connect(event, connection_id)
        if route == "$disconnect":
            progress.disconnect(connection_id)
            return _answer(200, "disconnected")
        return _message(event, connection_id)
    except TracktionError as exc:
        logger.info("websocket request refused", extra={"route": route, "error_code": exc.error_code})
        return _answer(exc.status, json.dumps({"error": exc.message, "error_code": exc.error_code}))
