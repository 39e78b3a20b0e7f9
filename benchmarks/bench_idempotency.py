"""What an Idempotency-Key costs: DynamoDB calls and warm time of a creating POST with and
without the header, and of a replay (tracktion.api.idempotency).

`POST /api/v1/tracklists/manual` (a small draft) runs in-process through the manual function's
handler with an authorizer context, against moto in-process; DynamoDB calls are counted with
botocore events. Three cases, interleaved in the same rounds: no key, a fresh key each time
(the route runs once under it), and a replay of one key (the stored answer, the route does not
run).
"""

from __future__ import annotations

import copy
import os
import statistics
import time
import uuid
from collections import Counter
from typing import Any

from benchmarks.in_process import start_moto

ROUNDS = 5
PER_ROUND = 20
BODY = {
    "tracks": [
        {"position": i + 1, "artist": f"A{i}", "title": f"T{i}", "start_time": i * 200.0} for i in range(10)
    ],
    "is_draft": True,
}


def _setup() -> tuple[Any, Any, Any]:
    mock, template = start_moto()
    os.environ.update(template.function_environment("ManualFunction"))
    from tracktion.config import settings

    settings.cache_clear()
    from tests.conftest import FakeContext, http_event, principal_ctx

    event = http_event(
        "POST", "/api/v1/tracklists/manual", body=BODY, route_key="POST /api/v1/tracklists/manual"
    )
    event["requestContext"]["authorizer"] = {"lambda": principal_ctx("bench-user", tier="enterprise")}
    return mock, event, FakeContext()


def run() -> str:
    mock, event, ctx = _setup()
    try:
        from manual_api.handler import lambda_handler as function
        from tracktion.storage.aws import client, resource

        calls: list[str] = []

        def record(model: Any, **_: Any) -> None:
            calls.append(model.name)

        def request(key: str | None) -> dict[str, Any]:
            ev = copy.deepcopy(event)
            if key:
                ev["headers"]["idempotency-key"] = key
            return function(ev, ctx)

        replay_key = f"bench-{uuid.uuid4()}"
        assert request(replay_key)["statusCode"] == 201
        cases = {
            "no key": lambda: request(None),
            "fresh key": lambda: request(f"bench-{uuid.uuid4()}"),
            "replay": lambda: request(replay_key),
        }
        counted: dict[str, Counter[str]] = {}
        for clients in ([client("dynamodb")], [resource("dynamodb").meta.client]):
            for c in clients:
                c.meta.events.register("provide-client-params.dynamodb.*", record)
        for name, call in cases.items():
            calls.clear()
            answer = call()
            assert answer["statusCode"] == 201, answer
            assert (name == "replay") == (answer["headers"].get("Idempotent-Replayed") == "true")
            counted[name] = Counter(calls)
        for c in (client("dynamodb"), resource("dynamodb").meta.client):
            c.meta.events.unregister("provide-client-params.dynamodb.*", record)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(ROUNDS):
            for name, call in cases.items():
                start = time.perf_counter()
                for _ in range(PER_ROUND):
                    call()
                times[name].append((time.perf_counter() - start) / PER_ROUND)
        lines = [
            "## Idempotency-Key (issue 16)",
            "",
            "`POST /api/v1/tracklists/manual` (10 tracks) in-process through the manual function's handler, "
            f"moto in-process, median of {ROUNDS} rounds of {PER_ROUND}; DynamoDB calls counted with botocore "
            "events (the route's own, the limiter's and usage's included).",
            "",
            "| case | warm time | DynamoDB calls |",
            "|---|---|---|",
        ]
        for name in cases:
            ops = ", ".join(f"{op} x{n}" for op, n in sorted(counted[name].items()))
            total = sum(counted[name].values())
            lines.append(f"| {name} | {statistics.median(times[name]) * 1000:.2f} ms | {total}: {ops} |")
        extra = sum(counted["fresh key"].values()) - sum(counted["no key"].values())
        lines += [
            "",
            f"A fresh key adds {extra} DynamoDB writes (the in-progress PutItem, the answer's UpdateItem); "
            "a replay makes one conditional PutItem that fails and returns the stored record "
            "(ReturnValuesOnConditionCheckFailure, no GetItem), and none of the route's own calls.",
        ]
        return "\n".join(lines) + "\n"
    finally:
        mock.stop()


if __name__ == "__main__":
    print(run())
