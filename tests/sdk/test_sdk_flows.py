"""The SDK against the local runtime: the flows a customer scripts, and the errors they catch."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from local.testing import RuntimeProcess
from tracktion_sdk import Client, Conflict, NotFound, RateLimited, SourceBlocked, Unauthorized

pytestmark = pytest.mark.integration

KOLSCH = (
    "https://www.1001tracklists.com/tracklist/2k7xq9tb/"
    "kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
)


def _own_key(runtime: RuntimeProcess, **fields: object) -> dict:
    email = f"sdk-{uuid.uuid4().hex[:10]}@example.com"
    with Client(runtime.gateway_url) as anonymous:
        anonymous.register(email, "sdk-flow-password-1")
        anonymous.login(email, "sdk-flow-password-1")
        return anonymous.create_key("sdk", ["read", "write"], **fields)


def test_own_key_searches_imports_and_downloads_a_checksummed_cue(runtime: RuntimeProcess) -> None:
    key = _own_key(runtime)
    with Client(runtime.gateway_url, api_key=key["api_key"]) as client:
        found = client.search("Kolsch Sonar", limit=5)
        assert found["results"][0]["url"] == KOLSCH
        assert any(name.lower() == "x-ratelimit-remaining" for name in client.rate_limit)

        tracklist_id = client.import_url(KOLSCH)["tracklist_id"]
        assert len(client.get_tracklist(tracklist_id)["tracklist"]["tracks"]) == 7

        made = client.generate_cue(tracklist_id, "standard", options={"gap_handling": "estimate"})[
            "cue_files"
        ][0]
        sheet = client.download_cue(made["cue_file_id"])
        listed = list(client.iter_cue_files(tracklist_id=tracklist_id))

    assert hashlib.sha256(sheet).hexdigest() == made["sha256"]
    assert sheet.count(b"TRACK ") == made["track_count"] > 0
    assert [f["cue_file_id"] for f in listed] == [made["cue_file_id"]]


def test_signed_key_works_through_the_sdk_and_unsigned_calls_are_refused(runtime: RuntimeProcess) -> None:
    key = _own_key(runtime, signature_required=True)
    with Client(runtime.gateway_url, api_key=key["api_key"], signing_secret=key["signing_secret"]) as signed:
        signed.create_key("made by a signed POST")
        names = [k["name"] for k in signed.list_keys(limit=10)["keys"]]  # a signed GET with a query
    with (
        Client(runtime.gateway_url, api_key=key["api_key"]) as unsigned,
        pytest.raises(Unauthorized) as refused,
    ):
        unsigned.list_keys()

    assert "made by a signed POST" in names
    assert refused.value.error_code == "SIGNATURE_REQUIRED"


def test_an_edit_on_a_stale_version_raises_conflict_with_the_current_version(runtime: RuntimeProcess) -> None:
    with Client(runtime.gateway_url, api_key=runtime.admin_key) as client:
        draft = client.create_manual("SDK mix", [{"artist": "Bicep", "title": "Glue", "start_time": "0:00"}])
        seen = draft["version"]
        added = client.add_track(
            draft["tracklist_id"], {"artist": "Four Tet", "title": "Baby", "start_time": "4:10"}, version=seen
        )
        with pytest.raises(Conflict) as stale:
            client.update_track(draft["tracklist_id"], 1, {"title": "Glue (edit)"}, version=seen)
        assert client.delete_track(draft["tracklist_id"], 2, version=added["version"]) == added["version"] + 1

    assert added["version"] == seen + 1
    assert stale.value.status == 409 and stale.value.current_version == added["version"]


def test_errors_carry_the_standard_body(runtime: RuntimeProcess) -> None:
    with Client(runtime.gateway_url, api_key=runtime.admin_key) as client, pytest.raises(NotFound) as missing:
        client.get_tracklist("00000000-0000-0000-0000-000000000000")
    with (
        Client(runtime.gateway_url, api_key="tk_live_not-a-real-key") as client,
        pytest.raises(Unauthorized) as bad,
    ):
        client.search("Kolsch")

    assert missing.value.status == 404 and missing.value.correlation_id
    assert set(missing.value.body()) == {"error", "error_code", "correlation_id", "details", "retry_after"}
    assert bad.value.status == 401 and bad.value.error_code == "INVALID_API_KEY"


def test_refusals_are_retried_after_the_servers_delay_unless_it_is_past_the_cap() -> None:
    """A stand-in server (no local limit is low enough to reach in a test) answering 429 and 503."""
    calls: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        body = {"error": "Slow down", "error_code": "RATE_LIMITED", "correlation_id": "c1", "details": {}}
        if len(calls) < 3:
            return httpx.Response(429, json={**body, "retry_after": 0}, headers={"Retry-After": "0"})
        return httpx.Response(200, json={"status": "healthy"})

    with Client("http://api.test", max_retries=3, transport=httpx.MockTransport(server)) as client:
        assert client.health() == {"status": "healthy"}
    calls.clear()
    once = Client("http://api.test", max_retries=1, transport=httpx.MockTransport(server))
    with once, pytest.raises(RateLimited) as limited:
        once.health()
    assert len(calls) == 2 and limited.value.retry_after == 0

    def busy(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        body = {"error": "Blocked", "error_code": "SOURCE_BLOCKED", "correlation_id": "c2", "details": {}}
        return httpx.Response(503, json={**body, "retry_after": 3600})

    calls.clear()
    patient = Client("http://api.test", max_retry_wait=30, transport=httpx.MockTransport(busy))
    with patient, pytest.raises(SourceBlocked) as blocked:  # an hour is past the cap: no retry
        patient.import_url("https://www.1001tracklists.com/tracklist/x/y.html")
    assert len(calls) == 1 and blocked.value.retry_after == 3600
