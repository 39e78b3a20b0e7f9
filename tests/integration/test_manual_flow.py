"""Manual tracklists and the catalog end to end through the local runtime on the real template.

The session's runtime (tests/conftest.py) serves them: every function gets BEATPORT_BASE_URL /
MUSICBRAINZ_BASE_URL of the local catalog server answering the recorded responses (`catalog`),
and the Beatport credentials are stored in the runtime's SSM as an operator would.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from local.testing import RuntimeProcess
from tests.catalog_server import CatalogServer

pytestmark = pytest.mark.integration

BASE = "/api/v1/tracklists"


@pytest.fixture(scope="module")
def manual_runtime(runtime: RuntimeProcess) -> RuntimeProcess:
    """The session's runtime (tests/conftest.py): its catalog is the recorded server's."""
    return runtime


@pytest.fixture(scope="module")
def client(manual_runtime: RuntimeProcess) -> Iterator[httpx.Client]:
    with manual_runtime.client(headers=manual_runtime.admin_headers) as c:
        yield c


def twenty_tracks() -> list[dict[str, Any]]:
    tracks: list[dict[str, Any]] = [
        {"artist": f"Artist {i}", "title": f"Track {i}", "start_time": f"{(i - 1) * 5}:00"}
        for i in range(1, 21)
    ]
    # The planted overlap: track 15 runs 5 seconds into track 16 (which starts at 75:00).
    tracks[14]["end_time"] = "1:15:05"
    return tracks


def current(runtime: RuntimeProcess, tracklist_id: str) -> dict[str, Any]:
    """The stored tracklist, read from the embedded DynamoDB (the tracklist GET is another part's)."""
    ddb = runtime.aws_client("dynamodb")
    name = next(t for t in ddb.list_tables()["TableNames"] if "racklists" in t)
    item = ddb.get_item(TableName=name, Key={"pk": {"S": f"TL#{tracklist_id}"}, "sk": {"S": "TL"}})["Item"]
    return json.loads(item["body"]["S"])


def test_draft_edit_validate_publish_cue_and_new_version(client: httpx.Client) -> None:
    audio = f"audio-{uuid.uuid4().hex[:8]}"
    made = client.post(
        f"{BASE}/manual",
        json={
            "title": "Integration set",
            "djs": ["DJ Flow"],
            "audio_file_id": audio,
            "audio_duration": "1:40:00",
            "tracks": twenty_tracks(),
        },
    )
    assert made.status_code == 201, made.text
    draft = made.json()
    tid, version = draft["tracklist_id"], draft["version"]
    assert (draft["status"], len(draft["tracks"])) == ("draft", 20)

    added = client.post(
        f"{BASE}/{tid}/tracks",
        json={
            "artist": "Guest",
            "title": "Inserted",
            "start_time": "17:30",
            "position": 5,
            "version": version,
        },
    )
    assert added.status_code == 201, added.text
    assert added.json()["position"] == 5 and added.json()["start_time"] == "00:17:30"
    updated = client.put(
        f"{BASE}/{tid}/tracks/3",
        json={"remix": "Extended Mix"},
        headers={"If-Match": added.headers["ETag"]},
    )
    assert updated.status_code == 200, updated.text
    deleted = client.delete(f"{BASE}/{tid}/tracks/10")
    assert deleted.status_code == 204
    moved = client.post(f"{BASE}/{tid}/tracks/reorder", json={"from_position": 1, "to_position": 2})
    assert moved.status_code == 200
    tracks = moved.json()
    assert [t["position"] for t in tracks] == list(range(1, 21))
    assert [t["title"] for t in tracks[:2]] == ["Track 2", "Track 1"]
    # Times travel with their tracks; put the first two back in time order in one bulk edit.
    fixed = client.put(
        f"{BASE}/{tid}/tracks/bulk",
        json={
            "version": int(moved.headers["X-Tracklist-Version"]),
            "tracks": [{"position": 1, "start_time": "0:00"}, {"position": 2, "start_time": "5:00"}],
        },
    )
    assert fixed.status_code == 200, fixed.text
    assert [t["start_time"] for t in fixed.json()] == ["00:00:00", "00:05:00"]

    report = client.post(f"{BASE}/{tid}/tracks/validate-timing", json={"allow_gaps": True}).json()
    assert not report["is_valid"] and report["track_count"] == 20
    assert "Track 15 overlaps with track 16 by 5.0 seconds" in report["issues"]
    refused = client.post(f"{BASE}/{tid}/publish")
    assert (refused.status_code, refused.json()["error_code"]) == (422, "TIMING_INVALID")

    ends = client.post(f"{BASE}/{tid}/tracks/auto-calculate-end-times", json={})
    assert ends.status_code == 200
    assert ends.json()[-1]["end_time"] == "01:40:00" and ends.json()[-1]["end_seconds"] == 6000
    assert client.post(f"{BASE}/{tid}/tracks/validate-timing").json()["is_valid"]

    published = client.post(f"{BASE}/{tid}/publish", params={"generate_cue_async": "false"})
    assert published.status_code == 200, published.text
    pub = published.json()
    assert (pub["status"], pub["is_draft"], pub["parent_tracklist_id"]) == ("published", False, tid)
    assert pub["cue"]["status"] == "generated" and pub["cue"]["files"]

    edited = client.put(f"{BASE}/{pub['id']}/tracks/1", json={"title": "Track 1 (corrected)"})
    assert edited.status_code == 200
    assert edited.json()["tracklist_version"] == pub["version"] + 1
    history = client.get(f"{BASE}/{audio}/drafts", params={"include_versions": "true"}).json()
    assert [(d["id"], d["is_draft"]) for d in history] == [(tid, True), (pub["id"], False)]


def test_fifty_concurrent_edits_are_each_applied_or_refused_and_none_is_lost(
    client: httpx.Client, manual_runtime: RuntimeProcess
) -> None:
    made = client.post(
        f"{BASE}/manual", json={"title": "Contended", "tracks": [{"artist": "A", "title": "Seed"}]}
    )
    tid = made.json()["tracklist_id"]

    def edit(i: int) -> tuple[int, dict[str, Any]]:
        with manual_runtime.client(headers=manual_runtime.admin_headers) as own:
            body: dict[str, Any] = {"artist": f"Client {i}", "title": f"Edit {i}"}
            if i % 2 == 0:  # half send the version they saw, half let the server use the current one
                seen = own.get(f"{BASE}/{tid}").json()["version"]
                body["version"] = seen
            r = own.post(f"{BASE}/{tid}/tracks", json=body)
            return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(edit, range(50)))

    statuses = [s for s, _ in results]
    assert set(statuses) <= {201, 409}, statuses
    assert all(
        b["error_code"] == "RESOURCE_CONFLICT" and b["details"]["current_version"]
        for s, b in results
        if s == 409
    )
    applied = {f"Edit {i}" for i, (s, _) in enumerate(results) if s == 201}
    versions = sorted(b["tracklist_version"] for s, b in results if s == 201)
    assert len(set(versions)) == len(versions)  # every applied edit made its own version
    final = current(manual_runtime, tid)
    assert {t["title"] for t in final["tracks"]} - {"Seed"} == applied
    assert final["version"] == 1 + len(applied)
    assert [t["position"] for t in final["tracks"]] == list(range(1, len(applied) + 2))


def test_catalog_search_and_match_fill_bpm_and_key_from_recorded_beatport(
    client: httpx.Client, catalog: CatalogServer
) -> None:
    if catalog.real:
        artist, title, bpm, camelot = "deadmau5", "Strobe (Layton Giordani Extended Remix)", 128, "1A"
    else:
        artist, title, bpm, camelot = "Solenoid", "Harbour Lights (Kessler Extended Remix)", 124, "11A"

    found = client.get(f"{BASE}/catalog/search", params={"artist": artist, "title": title.split(" (")[0]})
    assert found.status_code == 200, found.text
    assert any(
        t["source"] == "beatport"
        and t["bpm"] == bpm
        and t["camelot"] == camelot
        and 0 <= t["confidence"] <= 1
        for t in found.json()
    )

    made = client.post(
        f"{BASE}/manual",
        json={
            "title": "To match",
            "tracks": [
                {"artist": artist, "title": title, "start_time": 0},
                {"artist": "ID", "title": "ID", "start_time": 240},
            ],
        },
    )
    tid = made.json()["tracklist_id"]
    matched = client.post(f"{BASE}/{tid}/tracks/match-to-catalog", params={"threshold": "0.8"})
    assert matched.status_code == 200, matched.text
    first, unknown = matched.json()
    assert first["catalog_track_id"].startswith("beatport:") and first["bpm"] == bpm and first["key"]
    assert unknown["catalog_track_id"] is None

    tracks = client.get("/api/v1/search/tracks", params={"q": title.split(" (")[0], "key": camelot})
    assert tracks.status_code == 200
    assert tracks.json()["tracks"] and all(t["camelot"] == camelot for t in tracks.json()["tracks"])


def test_bad_inputs_answer_the_right_4xx_in_the_standard_format(
    client: httpx.Client, manual_runtime: RuntimeProcess
) -> None:
    tid = client.post(
        f"{BASE}/manual", json={"title": "Mine", "tracks": [{"artist": "A", "title": "B"}]}
    ).json()["tracklist_id"]
    with manual_runtime.client() as stranger_client:
        email = f"it-{uuid.uuid4().hex[:10]}@example.com"
        stranger_client.post("/api/v1/auth/register", json={"email": email, "password": "integration-pass-1"})
        login = stranger_client.post(
            "/api/v1/auth/token", json={"username": email, "password": "integration-pass-1"}
        )
        assert login.status_code == 200, login.text
        stranger = {"Authorization": f"Bearer {login.json()['access_token']}"}

        cases = {
            "missing fields": (
                client.post(f"{BASE}/manual", json={"tracks": [{"artist": "A"}]}),
                422,
                "VALIDATION_ERROR",
            ),
            "bad time": (
                client.post(
                    f"{BASE}/{tid}/tracks", json={"artist": "A", "title": "B", "start_time": "99:99:99"}
                ),
                422,
                "INVALID_TRACK_TIME",
            ),
            "end before start": (
                client.put(f"{BASE}/{tid}/tracks/1/timing", json={"start_time": "2:00", "end_time": "1:00"}),
                422,
                "INVALID_TRACK_TIME",
            ),
            "unknown position": (
                client.put(f"{BASE}/{tid}/tracks/42", json={"title": "x"}),
                404,
                "TRACK_NOT_FOUND",
            ),
            "position beyond 999": (client.put(f"{BASE}/{tid}/tracks/1000", json={"title": "x"}), 422, None),
            "time beyond 48 hours": (
                client.put(f"{BASE}/{tid}/tracks/1/timing", json={"start_time": "49:00:01"}),
                422,
                "INVALID_TRACK_TIME",
            ),
            "stale version": (
                client.put(f"{BASE}/{tid}/tracks/1", json={"title": "x", "version": 99}),
                409,
                "RESOURCE_CONFLICT",
            ),
            "no credentials": (stranger_client.post(f"{BASE}/{tid}/tracks/validate-timing"), 401, None),
            "another user's tracklist": (
                stranger_client.put(f"{BASE}/{tid}/tracks/1", json={"title": "mine now"}, headers=stranger),
                404,
                "RESOURCE_NOT_FOUND",
            ),
            "another user's tracklist resource": (
                stranger_client.get(f"{BASE}/{tid}", headers=stranger),
                404,
                "RESOURCE_NOT_FOUND",
            ),
            "another user's delete": (
                stranger_client.delete(f"{BASE}/{tid}", headers=stranger),
                404,
                "RESOURCE_NOT_FOUND",
            ),
        }
    for name, (response, status, code) in cases.items():
        assert response.status_code == status, (name, response.text)
        body = response.json()
        assert set(body) == {"error", "error_code", "correlation_id", "details", "retry_after"}, name
        if code:
            assert body["error_code"] == code, (name, body)


def test_background_cue_after_publish_and_a_new_cue_for_the_edited_version(client: httpx.Client) -> None:
    made = client.post(
        f"{BASE}/manual",
        json={
            "title": "Async CUE",
            "audio_duration": "15:00",
            "tracks": [
                {"artist": "A", "title": "One", "start_time": "0:00"},
                {"artist": "B", "title": "Two", "start_time": "7:30"},
            ],
        },
    )
    tid = made.json()["tracklist_id"]

    published = client.post(f"{BASE}/{tid}/publish", params={"generate_cue_async": "true"})
    assert published.status_code == 200, published.text
    assert published.json()["cue"]["status"] == "queued"
    pub_id = published.json()["id"]

    files: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not files and time.monotonic() < deadline:  # the invocation runs in the background
        listing = client.get("/api/v1/cue/files", params={"tracklist_id": pub_id})
        assert listing.status_code == 200, listing.text
        files = listing.json()["files"]
        if not files:
            time.sleep(0.5)
    assert files, "the queued CUE generation never produced a file"

    edited = client.put(f"{BASE}/{pub_id}/tracks/2", json={"title": "Two (Extended Mix)"})
    assert edited.status_code == 200 and edited.json()["tracklist_version"] == 2
    regenerated = client.post(
        f"{BASE}/{pub_id}/generate-cue", json={"audio_file_path": "/music/set.flac", "cue_format": "standard"}
    )
    assert regenerated.status_code == 200, regenerated.text
    out = regenerated.json()
    assert out["success"] and out["format"] == "standard" and out["version"] == 2
    assert out["cue_file_path"] == f"/api/v1/cue/download/{out['cue_file_id']}"
    assert out["files"][0]["tracklist_version"] == 2
    download = client.get(out["cue_file_path"])
    assert download.status_code == 200 and 'FILE "set.flac"' in download.text


def _stored_mentions(runtime: RuntimeProcess, ids: list[str]) -> list[str]:
    """Every item of every table and every S3 object version that names one of `ids`."""
    found: list[str] = []
    ddb = runtime.aws_client("dynamodb")
    for name in ddb.list_tables()["TableNames"]:
        for page in ddb.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                # Binary attributes (other tests' items share the session's runtime) are
                # searched as their bytes.
                text = json.dumps(item, default=lambda b: b.decode("latin-1"))
                found += [f"{name}: {item.get('pk')}" for i in ids if i in text]
    s3 = runtime.aws_client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        listing = s3.list_object_versions(Bucket=bucket["Name"])
        for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
            found += [f"s3 {bucket['Name']}: {v['Key']}" for i in ids if i in v["Key"]]
    return found


def test_the_tracklist_resource_lists_reads_patches_and_deletes_leaving_nothing(
    client: httpx.Client, manual_runtime: RuntimeProcess
) -> None:
    audio = f"audio-{uuid.uuid4().hex[:8]}"
    # The reference's create example (no title; manual-style times read as MM:SS:00).
    made = client.post(
        f"{BASE}/manual",
        json={
            "audio_file_id": audio,
            "tracks": [
                {
                    "position": 1,
                    "artist": "A",
                    "title": "One",
                    "start_time": "00:00:00",
                    "end_time": "03:30:00",
                },
                {
                    "position": 2,
                    "artist": "B",
                    "title": "Two",
                    "start_time": "03:30:00",
                    "end_time": "07:00:00",
                },
            ],
            "is_draft": True,
        },
    )
    assert made.status_code == 201, made.text
    draft = made.json()
    assert [t["end_time"] for t in draft["tracks"]] == ["00:03:30", "00:07:00"]
    assert made.headers["X-Tracktion-Warnings"]
    tid = draft["id"]

    listed = client.get(BASE, params={"audio_file_id": audio, "status": "draft"})
    assert listed.status_code == 200, listed.text
    assert [t["id"] for t in listed.json()["tracklists"]] == [tid]
    assert listed.json()["pagination"]["total"] == 1

    got = client.get(f"{BASE}/{tid}")
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'
    patched = client.patch(
        f"{BASE}/{tid}", json={"title": "Named", "dj_name": "DJ Flow"}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json()["dj_name"] == "DJ Flow"
    stale = client.patch(f"{BASE}/{tid}", json={"title": "Stale"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409

    pub = client.post(f"{BASE}/{tid}/publish", params={"generate_cue_async": "false"}).json()
    cue = client.post(f"{BASE}/{tid}/generate-cue", json={"cue_format": "cdj"})
    assert cue.status_code == 200, cue.text
    ids = [tid, pub["id"]]
    assert len(_stored_mentions(manual_runtime, ids)) > 5

    deleted = client.delete(f"{BASE}/{tid}")

    assert deleted.status_code == 204, deleted.text
    assert _stored_mentions(manual_runtime, ids) == []
    assert client.get(f"{BASE}/{pub['id']}").status_code == 404
    assert client.get(f"/api/v1/cue/download/{cue.json()['cue_file_id']}").status_code == 404
    # Literal siblings still reach their own routes, never GET /tracklists/{tracklist_id}.
    assert client.get(f"{BASE}/catalog/search", params={"query": "x"}).status_code == 200
    status = client.get(f"{BASE}/import/status/nope")
    assert status.status_code == 404 and "Import nope" in status.json()["error"]
