"""Every SDK method, sync and async, against the local runtime: each answers (or refuses as the
plan says), typed as the document names its answer, and no route of the SDK goes uncalled."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from local.testing import RuntimeProcess
from tests.conftest import ROOT
from tests.sdk.plan import STEPS, Expect, every_route, outcome, outcome_async, recording
from tracktion_sdk import AsyncTracktion, Tracktion, TracktionError
from tracktion_sdk.operations import OPERATIONS

pytestmark = pytest.mark.integration

PAGE = ROOT / "tests" / "fixtures" / "1001tracklists" / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"


def _typed(client: Any, what: str, answer: Any) -> str | None:
    """Why the answer is not the model the document names for its status (None: it is)."""
    response = client.last_response
    op_key = next((k for k in client.called_last), None)
    if response is None or op_key is None or isinstance(answer, list | bytes):
        return None
    name = OPERATIONS.get(op_key, {}).get("answers", {}).get(response.status_code)
    if name and not isinstance(answer, BaseModel | list):
        return f"{what}: answered {type(answer).__name__}, not {name}"
    return None


def _check(what: str, expect: Any, result: Any, error: TracktionError | None) -> str | None:
    if isinstance(expect, Expect):
        if error is None:
            return None if expect.or_success else f"{what}: succeeded, expected {expect.code}"
        if isinstance(error, expect.error) and error.error_code == expect.code:
            return None
    if error is not None:
        return f"{what}: {error}"
    return None


def _world() -> dict[str, Any]:
    return {"page": PAGE.read_text(encoding="utf-8")}


def test_every_method_of_the_sync_client(runtime: RuntimeProcess) -> None:
    client = recording(Tracktion)(runtime.gateway_url, api_key=runtime.admin_key, ws_url=runtime.ws_url)
    world, problems = _world(), []
    with client:
        for what, call, keep in STEPS:
            client.called_last = set()
            result, error = None, None
            try:
                result = outcome(call(client, world))
            except TracktionError as exc:
                error = exc
            problem = _check(what, keep, result, error) or (error is None and _typed(client, what, result))
            if problem:
                problems.append(problem)
            if isinstance(keep, str):
                world[keep] = result
    assert problems == [], problems
    assert every_route(client) - client.called == set()


def test_every_method_of_the_async_client(runtime: RuntimeProcess) -> None:
    async def run() -> tuple[list[str], set[tuple[str, str]]]:
        client = recording(AsyncTracktion)(
            runtime.gateway_url, api_key=runtime.admin_key, ws_url=runtime.ws_url
        )
        world, problems = _world(), []
        async with client:
            for what, call, keep in STEPS:
                client.called_last = set()
                result, error = None, None
                try:
                    result = await outcome_async(call(client, world))
                except TracktionError as exc:
                    error = exc
                problem = _check(what, keep, result, error) or (
                    error is None and _typed(client, what, result)
                )
                if problem:
                    problems.append(problem)
                if isinstance(keep, str):
                    world[keep] = result
        return problems, every_route(client) - client.called

    problems, uncalled = asyncio.run(run())
    assert problems == [], problems
    assert uncalled == set()
