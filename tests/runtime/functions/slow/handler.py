"""Sleeps as long as asked (its Timeout is 1 second)."""

from __future__ import annotations

import time
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(float(event.get("seconds", 0)))
    return {"slept": event.get("seconds", 0), "remaining_ms": context.get_remaining_time_in_millis()}
