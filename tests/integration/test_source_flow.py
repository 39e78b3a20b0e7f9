"""Search and import through the local runtime, against its local copy of 1001tracklists.

The runtime serves tests/fixtures/1001tracklists as the site (SOURCE_BASE_URL of every
function); these are the flows a user drives over HTTP with an API key.
"""

from __future__ import annotations

import time

import pytest

from local.testing import RuntimeProcess

pytestmark = pytest.mark.integration

SITE = "https://www.1001tracklists.com"
KOLSCH = f"{SITE}/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
TURNSTILE = f"{SITE}/tracklist/blk0turn/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
IMPORT = "/api/v1/tracklists/import/1001tracklists"


def _wait_for_status(client, cid: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/tracklists/import/status/{cid}").json()
        if body.get("status") in ("completed", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def test_search_import_status_retrieval_and_cache_flow(runtime: RuntimeProcess) -> None:
    with runtime.client(headers=runtime.admin_headers) as client:
        found = client.get("/api/v1/search", params={"query": "Kolsch Sonar", "limit": 5})
        assert found.status_code == 200, found.text
        url = found.json()["results"][0]["url"]
        assert url == KOLSCH

        client.delete("/api/v1/tracklist/cache", params={"url": url})  # start from a cold cache
        first = client.post(IMPORT, json={"url": url})
        assert first.status_code == 201, first.text
        assert first.json()["cache_hit"] is False and first.json()["cached"] is False
        tracklist_id = first.json()["tracklist_id"]
        assert first.json()["tracklist"]["id"] == tracklist_id
        # One track has no start: the default standard CUE sheet is reported, the import stands.
        assert first.json()["cue_file_path"] is None
        assert first.json()["cue_error"]["error_code"] == "CUE_TIMES_MISSING"

        again = client.post(IMPORT, json={"url": url})
        assert again.status_code == 201 and again.json()["created"] is False
        assert again.json()["cache_hit"] is True and again.json()["tracklist_id"] == tracklist_id

        queued = client.post(IMPORT, params={"async_processing": "true"}, json={"url": url})
        assert queued.status_code == 201, queued.text
        assert queued.headers["Location"] == queued.json()["status_url"]
        status = _wait_for_status(client, queued.json()["correlation_id"])
        assert status["status"] == "completed" and status["progress"] == 100, status
        assert status["tracklist_id"] == status["result"]["tracklist_id"] == tracklist_id

        by_id = client.get(f"/api/v1/tracklist/{tracklist_id}")
        assert by_id.status_code == 200
        assert len(by_id.json()["tracklist"]["tracks"]) == 7
        by_url = client.post("/api/v1/tracklist", json={"url": url})
        assert by_url.status_code == 200
        assert by_url.json()["tracklist_id"] == tracklist_id and by_url.json()["cache_hit"] is True

        cleared = client.delete("/api/v1/tracklist/cache", params={"url": url})
        assert cleared.json()["deleted"] is True and cleared.json()["entries_cleared"] == 1
        miss = client.post(IMPORT, json={"url": url})
        assert miss.json()["cache_hit"] is False and miss.json()["tracklist_id"] == tracklist_id


def test_blocked_page_answers_503_and_nothing_is_stored(runtime: RuntimeProcess) -> None:
    with runtime.client(headers=runtime.admin_headers) as client:
        response = client.post(IMPORT, json={"url": TURNSTILE})

    assert response.status_code == 503, response.text
    assert response.json()["error_code"] == "SOURCE_BLOCKED"
    assert int(response.headers["Retry-After"]) > 0
    dynamodb = runtime.aws_client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        items = dynamodb.scan(TableName=table)["Items"]
        assert not [i for i in items if "blk0turn" in str(i)], table


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("http://127.0.0.1/tracklist/2k7xq9tb/x.html", 400, "INVALID_URL"),
        ("http://169.254.169.254/latest/meta-data/", 400, "INVALID_URL"),
        ("https://evil.example/tracklist/2k7xq9tb/x.html", 400, "INVALID_URL"),
        ("file:///etc/passwd", 400, "INVALID_URL"),
        # served by the local site as a 302 to http://169.254.169.254/latest/meta-data/
        (f"{SITE}/tracklist/rdr0meta/redirect-to-metadata.html", 502, "IMPORT_FAILED"),
        # a 302 to another local port: the configured origin is the only one trusted
        (f"{SITE}/tracklist/rdr0loop/redirect-to-loopback.html", 502, "IMPORT_FAILED"),
    ],
)
def test_ssrf_attempts_are_refused(runtime: RuntimeProcess, url: str, status: int, code: str) -> None:
    with runtime.client(headers=runtime.admin_headers) as client:
        response = client.post(IMPORT, json={"url": url})

    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    if code == "IMPORT_FAILED":  # the reference's code; ours stays as the reason
        assert response.json()["details"]["reason"] == "DESTINATION_REFUSED"
