"""Idempotency-Key over HTTP through the local runtime: each function in its own worker
processes (as Lambda runs them), the records in the embedded DynamoDB's IdempotencyTable.

A client library picks a new multipart boundary for every request: a retried file upload is
still the same request. Concurrent requests with one key reach different workers: one runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from local.testing import RuntimeProcess

pytestmark = pytest.mark.integration

OWN = Path(__file__).resolve().parents[1] / "fixtures" / "dj-histories"
MANUAL = {
    "tracks": [
        {"position": 1, "artist": "A", "title": "T", "start_time": "00:00:00", "end_time": "00:03:30"}
    ],
    "is_draft": True,
}


@pytest.fixture(scope="module")
def client(runtime: RuntimeProcess) -> Iterator[httpx.Client]:
    """A new account's key: its first upload of a file creates a tracklist whatever other tests
    of the shared runtime imported before (an account's second upload of a file is no new one)."""
    email, password = f"idem-{uuid.uuid4().hex[:10]}@example.com", "idempotent-Passw0rd"
    with runtime.client() as anonymous:
        anonymous.post(
            "/api/v1/auth/register", json={"email": email, "password": password}
        ).raise_for_status()
        login = anonymous.post("/api/v1/auth/token", json={"username": email, "password": password})
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        made = anonymous.post(
            "/api/v1/developer/keys",
            headers=bearer,
            json={"name": "idempotency", "permissions": ["read", "write"]},
        )
        made.raise_for_status()
    with runtime.client(headers={"X-API-Key": made.json()["api_key"]}) as c:
        yield c


def stored(runtime: RuntimeProcess, table: str) -> int:
    ddb = runtime.aws_client("dynamodb")
    name = next(t for t in ddb.list_tables()["TableNames"] if table in t)
    return sum(p["Count"] for p in ddb.get_paginator("scan").paginate(TableName=name, Select="COUNT"))


def test_a_retried_file_upload_is_replayed_though_its_boundary_changed(runtime, client):
    path = OWN / "serato_us.txt"
    key = {"Idempotency-Key": f"upload-{uuid.uuid4()}"}
    files = {"file": (path.name, path.read_bytes(), "text/plain")}
    before = stored(runtime, "racklists")

    first = client.post("/api/v1/tracklists/import/file", files=files, headers=key)
    after_first = stored(runtime, "racklists")
    again = client.post("/api/v1/tracklists/import/file", files=files, headers=key)
    other = client.post(
        "/api/v1/tracklists/import/file",
        files={
            "file": ("rekordbox_playlist.txt", (OWN / "rekordbox_playlist.txt").read_bytes(), "text/plain")
        },
        headers=key,
    )

    assert first.status_code == 201, first.text
    assert after_first > before
    assert first.request.headers["content-type"] != again.request.headers["content-type"]  # new boundary
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (other.status_code, other.json()["error_code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert stored(runtime, "racklists") == after_first


def test_concurrent_requests_with_one_key_create_one_tracklist(runtime, client):
    key = {"Idempotency-Key": f"manual-{uuid.uuid4()}"}
    before = stored(runtime, "racklists")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(lambda _: client.post("/api/v1/tracklists/manual", json=MANUAL, headers=key), range(4))
        )

    created = [a for a in answers if a.status_code == 201]
    fresh = [a for a in created if "Idempotent-Replayed" not in a.headers]
    waiting = [a for a in answers if a.status_code == 409]
    assert len(fresh) == 1, [(a.status_code, a.text) for a in answers]
    assert len(created) + len(waiting) == 4
    assert {a.json()["id"] for a in created} == {fresh[0].json()["id"]}
    for answer in waiting:
        assert answer.json()["error_code"] == "IDEMPOTENCY_IN_PROGRESS"
        assert int(answer.headers["Retry-After"]) >= 1
    assert stored(runtime, "racklists") == before + 1
    replay = client.post("/api/v1/tracklists/manual", json=MANUAL, headers=key)
    assert replay.json() == fresh[0].json() and replay.headers["Idempotent-Replayed"] == "true"
