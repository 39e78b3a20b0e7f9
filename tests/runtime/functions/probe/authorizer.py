"""A REQUEST authorizer (payload 2.0, simple responses): X-Token allow.../deny decides.

Its context counts its own invocations in this worker, so a test can tell a cached answer."""

from __future__ import annotations

import itertools
from typing import Any

_calls = itertools.count(1)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = event["identitySource"][0]
    if token == "boom":
        raise RuntimeError("authorizer crashed")
    return {
        "isAuthorized": token.startswith("allow"),
        "context": {"user": "alice", "token_seen": token, "call": str(next(_calls))},
    }
