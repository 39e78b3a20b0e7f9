"""Warm cost of identity on every request: authorizer + function (admission, rate limiter, usage).

One authenticated read (GET /api/v1/user/profile with an API key) runs in-process exactly as
the gateway runs it: the authorizer handler on the event, then the auth function's handler
with the authorizer's context. Its DynamoDB calls are counted (botocore events) and then
replayed raw — the same operations with the same parameters on the low-level client, no
Powertools, no pydantic, no JWT — as the floor. Both against moto in-process, interleaved in
the same rounds. Goal: at most 1.5x the raw calls; at most 3 DynamoDB calls for identity
(authorizer + limiter + usage) per authenticated read.
"""

from __future__ import annotations

import contextlib
import copy
import os
import statistics
import time
from typing import Any

from benchmarks.in_process import start_moto

GOAL = 1.5
ROUNDS = 5
PER_ROUND = 20


def _setup() -> tuple[Any, ...]:
    mock, template = start_moto()
    for fn in ("AuthFunction", "AuthorizerFunction"):
        os.environ.update(template.function_environment(fn))
    os.environ.pop("BOOTSTRAP_ADMIN_KEY_PARAM", None)
    from tracktion.auth import key_store, users
    from tracktion.auth.key_store import KeySpec
    from tracktion.config import settings

    settings.cache_clear()
    user = users.register("bench@example.com", "bench-password-1")
    _, secret, _ = key_store.create(
        user["user_id"], "enterprise", KeySpec(name="bench", permissions=frozenset({"read"}))
    )
    from tests.conftest import FakeContext, http_event

    event = http_event("GET", "/api/v1/user/profile", headers={"X-API-Key": secret})
    return mock, event, FakeContext()


def run() -> str:
    mock, event, ctx = _setup()
    try:
        from auth_api.handler import lambda_handler as function
        from authorizer.handler import lambda_handler as authorizer
        from tracktion.storage.aws import client

        ddb = client("dynamodb")
        calls: list[tuple[str, dict[str, Any]]] = []

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            calls.append((model.name, copy.deepcopy(params)))

        def request() -> int:
            ev = copy.deepcopy(event)
            ev["requestContext"]["authorizer"] = {"lambda": authorizer(ev, ctx)["context"]}
            return int(function(ev, ctx)["statusCode"])

        assert request() == 200
        ddb.meta.events.register("provide-client-params.dynamodb.*", record)
        assert request() == 200
        ddb.meta.events.unregister("provide-client-params.dynamodb.*", record)
        recorded = list(calls)
        raw_ops = [(_snake(op), params) for op, params in recorded]

        def raw() -> None:
            for op, params in raw_ops:
                with contextlib.suppress(ddb.exceptions.ConditionalCheckFailedException):
                    getattr(ddb, op)(**params)

        full_t, raw_t = [], []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                request()
            full_t.append((time.perf_counter() - start) / PER_ROUND)
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                raw()
            raw_t.append((time.perf_counter() - start) / PER_ROUND)
        full, floor = statistics.median(full_t), statistics.median(raw_t)
        identity_ops = [op for op, _ in recorded]
        own = len(identity_ops) - 1  # the profile route's own GetItem of the account
        ratio = full / floor
        verdict = "meets" if ratio <= GOAL else "misses"
        lines = [
            "## Identity on every request (authorizer + rate limiter + usage)",
            "",
            "One authenticated read (`GET /api/v1/user/profile` with an API key) in-process, authorizer then "
            "function, against the same DynamoDB calls made raw on the low-level client; moto in-process, "
            f"median of {ROUNDS} rounds of {PER_ROUND}.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| whole request | {full * 1000:.2f} ms |",
            f"| its DynamoDB calls, raw | {floor * 1000:.2f} ms |",
            f"| ratio (goal ≤ {GOAL}x) | **{ratio:.2f}x** ({verdict} the goal) |",
            f"| DynamoDB calls in all | {len(identity_ops)}: {', '.join(identity_ops)} |",
            f"| of which identity (goal ≤ 3) | {own} (authorizer GetItem, limiter UpdateItem, usage UpdateItem) |",
        ]
        return "\n".join(lines) + "\n"
    finally:
        mock.stop()


def _snake(op: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


if __name__ == "__main__":
    print(run())
