"""A REQUEST authorizer (payload 2.0, simple responses): X-Token allow/deny decides."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = event["identitySource"][0]
    if token == "boom":
        raise RuntimeError("authorizer crashed")
    return {"isAuthorized": token == "allow", "context": {"user": "alice", "token_seen": token}}
