"""`make run` is warm when a newcomer arrives: every function's first environment is started and
the catalog has signed in to the local Beatport, so the first `curl .../catalog/beatport/search`
answers recorded results without waiting for a cold start or a login (local/runtime.py,
`prewarm`; tests start their runtimes with --no-prewarm to spare the machine)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from local.catalog_site import CatalogSite
from local.testing import RuntimeProcess, start_runtime
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warm() -> Iterator[RuntimeProcess]:
    process = start_runtime(ROOT / "template.yaml", [], timeout=180, prewarm=True)
    try:
        yield process
    finally:
        process.stop()


def _state(runtime: RuntimeProcess) -> dict:
    return httpx.get(f"{runtime.catalog_url}/_stand-in/state", timeout=10).json()


def test_the_first_catalog_search_finds_the_login_done_and_answers_recorded_results(
    warm: RuntimeProcess,
) -> None:
    deadline = time.monotonic() + 120
    while _state(warm)["logins"] < 1:  # the runtime's own background sign-in
        assert time.monotonic() < deadline, "make run never signed in to the local Beatport"
        time.sleep(0.5)
    before = httpx.get(f"{warm.catalog_url}/_stand-in/requests", timeout=10).json()["requests"]
    # A word of the recorded search the stand-in serves (../shared's recording, else ours).
    with CatalogSite() as recordings:
        word = recordings.recorded("catalog_search_tracks.json")["tracks"][0]["name"].split()[0]
    with warm.client(headers=warm.admin_headers) as api:
        found = api.get("/api/v1/catalog/beatport/search", params={"q": word})
    assert found.status_code == 200, found.text
    assert found.json()["results"] and found.json()["results"][0]["bpm"]
    after = httpx.get(f"{warm.catalog_url}/_stand-in/requests", timeout=10).json()["requests"]
    asked = [r["path"] for r in after[len(before) :]]
    # The search itself only searched: no docs page, no login, no token exchange.
    assert asked and all(p.startswith("/v4/catalog/") for p in asked), asked
    assert _state(warm)["logins"] == 1
