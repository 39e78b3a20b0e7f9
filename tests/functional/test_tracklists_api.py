"""The tracklists function: import (sync, async, HTML, text), status, retrieval, source cache.

Runs the handler with real payload-2.0 events on moto, against a local copy of the site
(local/source_site.py serving tests/fixtures/1001tracklists) set as SOURCE_BASE_URL.
"""

from __future__ import annotations

import json
import re

import pytest
from boto3.dynamodb.conditions import Attr

from local.source_site import OWN_PAGES, start_source_site
from tests.conftest import principal_ctx, shared_fixture
from tests.gateway import invoke
from tests.unit.sources.test_tracklist_pages import SHARED_PAGES

SITE = "https://www.1001tracklists.com"
KOLSCH = f"{SITE}/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
TURNSTILE = f"{SITE}/tracklist/blk0turn/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
PLEASE_WAIT = f"{SITE}/tracklist/blk0wait/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
EMPTY = f"{SITE}/tracklist/0empty0/nobody-nowhere-2025-01-01.html"
MISSING = f"{SITE}/tracklist/zz99zz99/not-on-the-site.html"
# The reference's import answer, tracklist and track fields ("Import Tracklist", 201 Created).
IMPORT_FIELDS = (
    "success",
    "tracklist",
    "cue_file_path",
    "error",
    "cached",
    "processing_time_ms",
    "correlation_id",
    "message",
)
TRACKLIST_FIELDS = (
    "id",
    "audio_file_id",
    "source",
    "url",
    "dj_name",
    "event_name",
    "created_at",
    "updated_at",
    "tracks",
    "confidence_score",
    "is_draft",
)
STATUS_FIELDS = ("status", "progress", "result", "error", "created_at", "updated_at")
SEARCH_FIELDS = (
    "success",
    "results",
    "total_count",
    "page",
    "page_size",
    "has_more",
    "error",
    "cached",
    "processing_time_ms",
    "correlation_id",
)
SEARCH_RESULT_FIELDS = (
    "id",
    "url",
    "title",
    "dj_name",
    "date",
    "event_name",
    "track_count",
    "duration",
    "genre",
    "confidence",
)
TRACK_FIELDS = (
    "position",
    "artist",
    "title",
    "start_time",
    "end_time",
    "remix",
    "label",
    "catalog_track_id",
    "transition_type",
    "is_manual_entry",
    "bpm",
    "key",
)


@pytest.fixture
def source(aws, monkeypatch):
    """The local copy of the site, configured as every function's SOURCE_BASE_URL."""
    server, base = start_source_site(OWN_PAGES)
    monkeypatch.setenv("SOURCE_BASE_URL", base)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("SOURCE_BLOCK_BACKOFF_SECONDS", "30")
    yield aws
    server.shutdown()
    server.server_close()


def call(lambda_context, method, path, *, body=None, query=None, user="user-1", permissions="read,write"):
    res = invoke(
        method,
        path,
        body=body,
        query=query,
        principal=principal_ctx(user, permissions=permissions),
        context=lambda_context,
    )
    assert res.route is not None and res.route.function == "TracklistsFunction", res.route
    return res.status, res.body, res.headers


def _items(aws, table_env, prefix):
    from tracktion.storage.aws import table

    return table(aws[table_env]).scan(FilterExpression=Attr("pk").begins_with(prefix))["Items"]


def test_import_by_url_stores_the_tracklist_and_answers_it(source, lambda_context):
    status, body, headers = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    assert status == 201
    assert set(IMPORT_FIELDS) <= set(body)
    assert body["success"] is True and body["error"] is None
    assert body["created"] is True and body["cache_hit"] is False and body["cached"] is False
    assert body["correlation_id"] == headers["X-Correlation-ID"]
    assert isinstance(body["processing_time_ms"], int) and body["processing_time_ms"] >= 0
    tracklist = body["tracklist"]
    assert set(TRACKLIST_FIELDS) <= set(tracklist)
    assert tracklist["id"] == tracklist["tracklist_id"] == body["tracklist_id"]
    assert tracklist["source"] == "1001tracklists" and tracklist["url"] == KOLSCH
    assert tracklist["dj_name"] == "Kölsch & Ann Clue" and tracklist["is_draft"] is False
    assert tracklist["owner_id"] == "user-1"
    assert tracklist["djs"] == ["Kölsch", "Ann Clue"]
    assert tracklist["source_page_id"] == "2k7xq9tb"
    assert [t["start_time"] for t in tracklist["tracks"]] == [
        "00:00:00",
        "00:02:24",
        "00:02:30",
        "00:12:34",
        None,
        "01:01:10",
        "01:03:25",
    ]
    assert [t["start_seconds"] for t in tracklist["tracks"]] == [
        0.0,
        144.0,
        150.0,
        754.0,
        None,
        3670.0,
        3805.0,
    ]
    assert all(set(TRACK_FIELDS) <= set(t) for t in tracklist["tracks"])


def test_reimport_is_idempotent_and_served_from_the_cache(source, lambda_context):
    _, first, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    status, again, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH + "?utm=x"}
    )

    # The reference documents 201 only: a re-import answers 201 too, `created` tells them apart.
    assert status == 201
    assert again["tracklist_id"] == first["tracklist_id"]
    assert again["created"] is False and again["cache_hit"] is True and again["cached"] is True
    assert again["tracklist"]["version"] == 1


def test_get_by_id_and_by_url_answer_the_same_tracklist(source, lambda_context):
    _, imported, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )
    tracklist_id = imported["tracklist_id"]

    status, got, _ = call(lambda_context, "GET", f"/api/v1/tracklist/{tracklist_id}")
    by_url_status, by_url, _ = call(lambda_context, "POST", "/api/v1/tracklist", body={"url": KOLSCH})

    assert status == 200 and got["tracklist"] == imported["tracklist"]
    assert set(IMPORT_FIELDS) <= set(got) and got["success"] is True and got["cached"] is False
    assert by_url_status == 200 and by_url["tracklist_id"] == tracklist_id and by_url["cache_hit"] is True
    assert set(IMPORT_FIELDS) <= set(by_url) and by_url["created"] is False


def test_another_users_tracklist_is_404_like_a_missing_one(source, lambda_context):
    _, imported, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    theirs = call(lambda_context, "GET", f"/api/v1/tracklist/{imported['tracklist_id']}", user="user-2")
    missing = call(lambda_context, "GET", "/api/v1/tracklist/no-such-id", user="user-2")

    assert theirs[0] == missing[0] == 404
    assert theirs[1]["error_code"] == missing[1]["error_code"] == "RESOURCE_NOT_FOUND"


def test_cache_clear_makes_the_next_import_a_miss_with_the_same_tracklist(source, lambda_context):
    _, first, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    status, cleared, _ = call(lambda_context, "DELETE", "/api/v1/tracklist/cache", query={"url": KOLSCH})
    _, again, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )
    _, cleared_twice, _ = call(
        lambda_context, "DELETE", "/api/v1/tracklist/cache", query={"url": "https://evil.example/x"}
    )

    assert status == 200 and cleared["deleted"] is True
    assert cleared["success"] is True and cleared["entries_cleared"] == 1 and cleared["scope"] == "url"
    assert cleared["message"] == f"Cleared cache for URL: {KOLSCH}"
    assert again["cache_hit"] is False and again["tracklist_id"] == first["tracklist_id"]
    assert cleared_twice["error_code"] == "INVALID_URL"


@pytest.mark.parametrize("url", [TURNSTILE, PLEASE_WAIT])
def test_import_of_blocked_page_answers_503_and_stores_nothing(source, lambda_context, url):
    status, body, headers = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": url}
    )

    assert status == 503
    assert body["error_code"] == "SOURCE_BLOCKED"
    assert body["retry_after"] >= 30 and headers["Retry-After"] == str(body["retry_after"])
    assert _items(source, "TRACKLISTS_TABLE", "TL#") == []
    assert _items(source, "TRACKLISTS_TABLE", "SRC#") == []
    assert _items(source, "CACHE_TABLE", "SRCPAGE#") == []


def test_after_a_block_the_next_fetch_backs_off_without_touching_the_site(source, lambda_context):
    call(lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": TURNSTILE})

    status, body, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    assert status == 503
    assert body["error_code"] == "SOURCE_BLOCKED"
    assert body["details"]["reason"] == "backoff"


def test_missing_page_is_404_and_empty_page_is_502_and_neither_is_stored(source, lambda_context):
    missing = call(lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": MISSING})
    empty = call(lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": EMPTY})

    # The reference's IMPORT_FAILED, our finer reason beside it.
    assert (missing[0], missing[1]["error_code"]) == (404, "IMPORT_FAILED")
    assert missing[1]["details"]["reason"] == "SOURCE_PAGE_NOT_FOUND"
    assert (empty[0], empty[1]["error_code"]) == (502, "IMPORT_FAILED")
    assert empty[1]["details"]["reason"] == "EMPTY_TRACKLIST"
    assert _items(source, "TRACKLISTS_TABLE", "TL#") == []
    assert _items(source, "CACHE_TABLE", "SRCPAGE#") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/tracklist/2k7xq9tb/x.html",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "https://evil.example/tracklist/2k7xq9tb/x.html",
        "https://www.1001tracklists.com/user/someone/index.html",
    ],
)
def test_urls_that_are_not_1001tracklists_pages_are_400(source, lambda_context, url):
    status, body, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": url}
    )

    assert (status, body["error_code"]) == (400, "INVALID_URL")


def test_redirect_to_the_metadata_address_is_refused(source, lambda_context):
    url = f"{SITE}/tracklist/rdr0meta/redirect-to-metadata.html"

    status, body, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": url}
    )

    assert (status, body["error_code"]) == (502, "IMPORT_FAILED")
    assert body["details"]["reason"] == "DESTINATION_REFUSED"
    assert _items(source, "TRACKLISTS_TABLE", "TL#") == []


def test_read_only_key_cannot_import(source, lambda_context):
    status, body, _ = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/1001tracklists",
        body={"url": KOLSCH},
        permissions="read",
    )

    assert (status, body["error_code"]) == (403, "INSUFFICIENT_PERMISSIONS")


def test_import_from_page_html_lands_on_the_same_tracklist_as_the_url(source, lambda_context):
    html = (OWN_PAGES / "tracklist_two-djs_cues_w-row_mashup_id-rows.html").read_text(encoding="utf-8")

    status, from_html, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/html", body={"url": KOLSCH, "html": html}
    )
    _, from_url, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    assert status == 201 and from_html["tracklist"]["source"] == "html"
    assert from_url["tracklist_id"] == from_html["tracklist_id"]


def test_changed_source_updates_the_same_tracklist_in_place(source, lambda_context):
    html = (OWN_PAGES / "tracklist_two-djs_cues_w-row_mashup_id-rows.html").read_text(encoding="utf-8")
    _, first, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/html", body={"url": KOLSCH, "html": html}
    )

    changed = html.replace(">Grey<", ">Grey Matter<")
    status, second, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/html", body={"url": KOLSCH, "html": changed}
    )

    assert status == 201 and second["created"] is False
    assert second["tracklist_id"] == first["tracklist_id"]
    assert second["tracklist"]["version"] == 2
    assert second["tracklist"]["tracks"][0]["title"] == "Grey Matter"


def test_challenge_page_html_is_422_not_a_tracklist(source, lambda_context):
    html = (OWN_PAGES / "blocked_please-wait.html").read_text(encoding="utf-8")

    status, body, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/html", body={"url": KOLSCH, "html": html}
    )

    assert (status, body["error_code"]) == (422, "NOT_A_TRACKLIST_PAGE")
    assert _items(source, "TRACKLISTS_TABLE", "TL#") == []


def test_import_from_plain_text_is_idempotent(source, lambda_context):
    text = "00:00 Kölsch - Grey (Extended Mix) [KOMPAKT]\n02:24 Ann Clue - Don't Stop\nw/ Acappella Singer - Voices\nID - ID\n"
    payload = {"text": text, "title": "Kölsch @ Home", "djs": ["Kölsch"], "date": "2025-06-14"}

    status, first, _ = call(lambda_context, "POST", "/api/v1/tracklists/import/text", body=payload)
    again_status, again, _ = call(lambda_context, "POST", "/api/v1/tracklists/import/text", body=payload)
    bad_status, bad, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/text", body={**payload, "text": "no tracks here"}
    )

    assert status == again_status == 201 and again["tracklist_id"] == first["tracklist_id"]
    assert first["created"] is True and again["created"] is False
    assert set(IMPORT_FIELDS) <= set(first) and first["tracklist"]["source"] == "text"
    tracks = first["tracklist"]["tracks"]
    assert [
        (
            t["artist"],
            t["title"],
            t["start_time"],
            t["start_seconds"],
            t["transition_type"],
            t["played_with_previous"],
            t["is_unidentified"],
        )
        for t in tracks
    ] == [
        ("Kölsch", "Grey", "00:00:00", 0.0, None, False, False),
        ("Ann Clue", "Don't Stop", "00:02:24", 144.0, None, False, False),
        ("Acappella Singer", "Voices", None, None, "played_with", True, False),
        ("ID", "ID", None, None, None, False, True),
    ]
    assert (bad_status, bad["error_code"]) == (422, "NO_TRACKS_FOUND")


@pytest.fixture
def lambda_service(source, monkeypatch):
    """This function deployed in moto (not executed: no Docker), so it can invoke itself."""
    from moto.core.config import default_user_config

    from tracktion.storage.aws import client

    monkeypatch.setitem(default_user_config["lambda"], "use_docker", False)
    role = client("iam").create_role(RoleName="tracklists-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client("lambda").create_function(
        FunctionName="tracktion-tracklists-test",
        Runtime="python3.11",
        Role=role,
        Handler="tracklists_api.handler.lambda_handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-tracklists-test")
    return source


def test_async_import_answers_202_then_status_follows_the_job(lambda_service, lambda_context):
    from tracklists_api.handler import lambda_handler

    status, queued, queued_headers = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/1001tracklists",
        body={"url": KOLSCH},
        query={"async_processing": "true"},
    )
    cid = queued["correlation_id"]
    _, before, _ = call(lambda_context, "GET", f"/api/v1/tracklists/import/status/{cid}")
    # What Lambda delivers for the InvocationType=Event call the import made:
    ran = lambda_handler(
        {
            "tracktion_job": {
                "kind": "tracklists.import",
                "payload": {"correlation_id": cid, "owner_id": "user-1"},
            }
        },
        lambda_context,
    )
    _, after, _ = call(lambda_context, "GET", f"/api/v1/tracklists/import/status/{cid}")
    other = call(lambda_context, "GET", f"/api/v1/tracklists/import/status/{cid}", user="user-2")
    _, got, _ = call(lambda_context, "GET", f"/api/v1/tracklist/{after['tracklist_id']}")

    # The reference documents 201 for this route, asynchronous or not.
    assert status == 201 and queued["status"] == "queued" and queued["success"] is True
    assert set(IMPORT_FIELDS) <= set(queued) and queued["tracklist"] is None
    assert queued["status_url"] == f"/api/v1/tracklists/import/status/{cid}"
    assert queued_headers["Location"] == queued["status_url"]
    assert (before["status"], before["progress"], before["result"]) == ("queued", 0, None)
    assert ran == {"correlation_id": cid, "status": "completed"}
    assert set(STATUS_FIELDS) <= set(after)
    assert after["status"] == "completed" and after["progress"] == 100 and after["error"] is None
    assert after["result"] == {"tracklist_id": after["tracklist_id"], "cue_file_path": None}
    assert after["created"] is True
    # The page has a track without a start: the default standard CUE sheet is reported, not made.
    assert after["cue_error"]["error_code"] == "CUE_TIMES_MISSING"
    assert got["tracklist"]["source_page_id"] == "2k7xq9tb"
    assert (other[0], other[1]["error_code"]) == (404, "RESOURCE_NOT_FOUND")


def test_async_import_of_a_blocked_page_records_the_failure(lambda_service, lambda_context):
    from tracklists_api.handler import lambda_handler

    _, queued, _ = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/1001tracklists",
        body={"url": TURNSTILE},
        query={"async_processing": "true"},
    )
    lambda_handler(
        {
            "tracktion_job": {
                "kind": "tracklists.import",
                "payload": {"correlation_id": queued["correlation_id"], "owner_id": "user-1"},
            }
        },
        lambda_context,
    )
    _, after, _ = call(lambda_context, "GET", f"/api/v1/tracklists/import/status/{queued['correlation_id']}")

    assert after["status"] == "failed" and after["progress"] == 100 and after["result"] is None
    assert after["error"]["error_code"] == "SOURCE_BLOCKED" and after["error"]["retry_after"] >= 30
    assert _items(lambda_service, "TRACKLISTS_TABLE", "TL#") == []


def test_search_with_filters_through_the_tracklists_function(source, lambda_context):
    status, body, _ = call(
        lambda_context,
        "GET",
        "/api/v1/tracklists/search/1001tracklists",
        query={"artist": "Kolsch", "title": "Sonar", "date_from": "2025-01-01", "page_size": "30"},
    )

    assert status == 200
    assert [t["page_id"] for t in body["tracklists"]] == ["2k7xq9tb"]
    # Filters are applied to the rows the site ranks: one row matches, nothing more.
    assert body["pagination"]["has_more"] is body["has_more"] is False and body["cache_hit"] is False
    assert body["response_time_ms"] >= 0
    # The reference's "Advanced Search" answer
    assert set(SEARCH_FIELDS) <= set(body)
    assert body["success"] is True and body["error"] is None and body["cached"] is False
    assert (body["page"], body["page_size"]) == (1, 30)
    assert isinstance(body["total_count"], int) and isinstance(body["processing_time_ms"], int)
    [row] = body["results"]
    assert set(SEARCH_RESULT_FIELDS) <= set(row)
    assert row["id"] == "2k7xq9tb" and row["url"] == KOLSCH
    assert re.fullmatch(r"\d+:\d\d:\d\d", row["duration"]), row["duration"]
    assert row["confidence"] is None or 0 <= row["confidence"] <= 1


@pytest.fixture
def shared_source(aws, monkeypatch):
    """The local copy of the site serving the real captured pages (../shared/fixtures)."""
    directory = shared_fixture("1001tracklists")
    server, base = start_source_site(directory)
    monkeypatch.setenv("SOURCE_BASE_URL", base)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    yield aws
    server.shutdown()
    server.server_close()


def _site_path(file_name):
    manifest = json.loads((OWN_PAGES / "manifest.json").read_text(encoding="utf-8"))
    return next(path for path, name in manifest["pages"].items() if name == file_name)


@pytest.mark.realdata
@pytest.mark.parametrize(
    "expected", SHARED_PAGES, ids=lambda p: p.file.split("_")[1] + "_" + p.file.split("_")[2]
)
def test_every_real_page_imports_exactly_through_the_api(shared_source, lambda_context, expected):
    url = SITE + _site_path(expected.file)

    status, body, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": url}
    )

    assert status == 201, body
    tracklist = body["tracklist"]
    assert {k: tracklist[k] for k in expected.meta} == expected.meta
    rows = [
        (
            t["position"],
            t["artist"],
            t["title"],
            t["remix"],
            t["label"],
            t["start_seconds"],
            t["played_with_previous"],
            t["is_unidentified"],
        )
        for t in tracklist["tracks"]
    ]
    assert rows == expected.tracks


def test_async_import_that_cannot_start_answers_503_and_records_the_failure(
    source, lambda_context, monkeypatch
):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-tracklists-not-deployed")

    status, body, headers = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/1001tracklists",
        body={"url": KOLSCH},
        query={"async_processing": "true"},
    )
    _, job, _ = call(lambda_context, "GET", f"/api/v1/tracklists/import/status/{headers['X-Correlation-ID']}")

    assert (status, body["error_code"]) == (503, "SERVICE_UNAVAILABLE")
    assert job["status"] == "failed"


# ---------------------------------------------------------------- the reference's examples

REFERENCE_IMPORT = {
    "url": KOLSCH,
    "audio_file_id": "123e4567-e89b-12d3-a456-426614174000",
    "force_refresh": False,
    "cue_format": "standard",
}
TIMED_TEXT = "00:00 Kölsch - Grey\n02:24 Ann Clue - Don't Stop\n05:10 Kölsch - Cassiopeia\n"


def _cue_objects(aws):
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    return s3.list_objects_v2(Bucket=aws["CUE_BUCKET"]).get("Contents", [])


def test_reference_example_on_a_page_with_an_untimed_track_imports_and_reports_the_cue(
    source, lambda_context
):
    status, body, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body=REFERENCE_IMPORT
    )

    # The import stands; the CUE sheet it asked for cannot be made (track 5 has no start).
    assert status == 201, body
    assert body["success"] is True and body["error"] is None
    assert body["tracklist"]["audio_file_id"] == REFERENCE_IMPORT["audio_file_id"]
    assert body["cue_file_path"] is None and body["cue_files"] is None
    assert body["cue_error"]["error_code"] == "CUE_TIMES_MISSING"
    assert "CUE_TIMES_MISSING" in body["message"]
    [note] = [w for w in body["warnings"] if w["type"] == "cue_not_generated"]
    assert note["field"] == "cue_format" and note["error_code"] == "CUE_TIMES_MISSING"
    assert note["details"]["tracks"] == [5]
    # Nothing half-written: no CUE record, no object; the tracklist is there to fix and retry.
    assert _items(source, "CUE_TABLE", "") == [] and _cue_objects(source) == []
    got = call(lambda_context, "GET", f"/api/v1/tracklist/{body['tracklist_id']}")
    assert got[0] == 200 and got[1]["tracklist"]["tracks"][4]["start_time"] is None


def test_import_with_every_start_known_makes_a_cue_file_the_path_downloads(source, lambda_context):
    from tests.functional.cue_support import call as cue_call

    status, body, _ = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/text",
        body={"text": TIMED_TEXT, "title": "Kölsch @ Home", "cue_format": "standard"},
    )

    assert status == 201, body
    [made] = body["cue_files"]
    assert body["cue_file_path"] == f"/api/v1/cue/download/{made['cue_file_id']}"
    assert body["cue_error"] is None and body["message"] is None
    dl_status, sheet, _ = cue_call("GET", body["cue_file_path"].removeprefix("/api/v1/cue"))
    assert dl_status == 200
    sheet = sheet.decode() if isinstance(sheet, bytes) else sheet
    assert "Cassiopeia" in sheet and "INDEX 01 05:10:00" in sheet


def test_import_without_audio_file_id_is_accepted_with_a_note(source, lambda_context):
    status, body, _ = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/1001tracklists",
        body={"url": KOLSCH, "cue_format": None},
    )

    assert status == 201 and body["tracklist"]["audio_file_id"] is None
    assert [w["field"] for w in body["warnings"]] == ["audio_file_id"]
    # An explicit null cue_format asks for no sheet: nothing made, nothing reported.
    assert body["cue_file_path"] is None and body["cue_error"] is None and body["message"] is None


def test_unknown_cue_format_is_refused_before_anything_is_stored(source, lambda_context):
    status, body, _ = call(
        lambda_context,
        "POST",
        "/api/v1/tracklists/import/1001tracklists",
        body={**REFERENCE_IMPORT, "cue_format": "winamp"},
    )

    assert (status, body["error_code"]) == (400, "INVALID_FORMAT")
    assert _items(source, "TRACKLISTS_TABLE", "TL#") == []


def test_tracklist_by_url_reference_body_created_then_present(source, lambda_context):
    payload = {
        "url": KOLSCH,
        "force_refresh": False,
        "include_transitions": True,
        "correlation_id": "123e4567-e89b-12d3-a456-426614174000",
    }

    first_status, first, headers = call(lambda_context, "POST", "/api/v1/tracklist", body=payload)
    again_status, again, _ = call(
        lambda_context, "POST", "/api/v1/tracklist", body={**payload, "include_transitions": False}
    )

    assert (first_status, first["created"]) == (201, True)
    assert (again_status, again["created"]) == (200, False)
    assert set(IMPORT_FIELDS) <= set(first) and set(TRACKLIST_FIELDS) <= set(first["tracklist"])
    assert first["correlation_id"] == payload["correlation_id"]
    assert first["request_correlation_id"] == headers["X-Correlation-ID"]
    assert first["cue_file_path"] is None and first["cue_error"] is None  # no sheet unless asked
    assert "played_with" in [t["transition_type"] for t in first["tracklist"]["tracks"]]
    assert {t["transition_type"] for t in again["tracklist"]["tracks"]} == {None}


def test_get_by_id_accepts_force_refresh_and_include_transitions(source, lambda_context):
    _, imported, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )
    _, typed, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/text", body={"text": TIMED_TEXT, "title": "Home"}
    )

    status, refreshed, _ = call(
        lambda_context,
        "GET",
        f"/api/v1/tracklist/{imported['tracklist_id']}",
        query={"force_refresh": "true", "include_transitions": "false"},
    )
    typed_status, kept, _ = call(
        lambda_context, "GET", f"/api/v1/tracklist/{typed['tracklist_id']}", query={"force_refresh": "true"}
    )

    assert status == 200 and refreshed["tracklist_id"] == imported["tracklist_id"]
    assert refreshed["warnings"] == [] and refreshed["cached"] is False
    assert {t["transition_type"] for t in refreshed["tracklist"]["tracks"]} == {None}
    # A typed tracklist has no page to read again: accepted, named in warnings.
    assert typed_status == 200
    assert [(w["type"], w["field"]) for w in kept["warnings"]] == [("option_ignored", "force_refresh")]


def test_cache_clear_without_url_clears_the_callers_pages_or_all_for_an_admin(source, lambda_context):
    call(lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH})

    status, none_of_theirs, _ = call(lambda_context, "DELETE", "/api/v1/tracklist/cache", user="user-2")
    _, own, _ = call(lambda_context, "DELETE", "/api/v1/tracklist/cache")
    call(lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH})
    _, everything, _ = call(
        lambda_context, "DELETE", "/api/v1/tracklist/cache", user="admin-1", permissions="read,write,admin"
    )
    _, again, _ = call(
        lambda_context, "POST", "/api/v1/tracklists/import/1001tracklists", body={"url": KOLSCH}
    )

    assert status == 200 and none_of_theirs["success"] is True
    # user-2 imported nothing: the page user-1 imported stays cached.
    assert (none_of_theirs["scope"], none_of_theirs["entries_cleared"]) == ("own", 0)
    assert (own["scope"], own["entries_cleared"]) == ("own", 1)
    assert (everything["scope"], everything["entries_cleared"]) == ("all", 1)
    assert isinstance(everything["message"], str) and again["cache_hit"] is False


def test_advanced_search_reference_parameters_and_page_size_up_to_100(source, lambda_context):
    status, body, _ = call(
        lambda_context,
        "GET",
        "/api/v1/tracklists/search/1001tracklists",
        query={
            "query": "Kolsch",
            "title": "Sonar",
            "page": "1",
            "page_size": "100",
            "force_refresh": "false",
        },
    )
    too_big = call(
        lambda_context,
        "GET",
        "/api/v1/tracklists/search/1001tracklists",
        query={"query": "Kolsch", "page_size": "101"},
    )
    nothing = call(
        lambda_context, "GET", "/api/v1/tracklists/search/1001tracklists", query={"genre": "Techno"}
    )

    assert status == 200 and body["page_size"] == 100
    assert body["total_count"] >= len(body["results"]) > 0
    assert (too_big[0], too_big[1]["error_code"]) == (422, "VALIDATION_ERROR")
    assert (nothing[0], nothing[1]["error_code"]) == (422, "REQUIRED_FIELD_MISSING")


def test_every_route_declares_its_answers_in_openapi():
    import tracklists_api.handler as handler

    doc = json.loads(handler.app.get_openapi_json_schema())
    expected = {
        ("post", "/api/v1/tracklists/import/1001tracklists"): ("201", "ImportOut"),
        ("post", "/api/v1/tracklists/import/html"): ("201", "ImportOut"),
        ("post", "/api/v1/tracklists/import/text"): ("201", "ImportOut"),
        ("post", "/api/v1/tracklist"): ("200", "ImportOut"),
        ("get", "/api/v1/tracklist/{tracklist_id}"): ("200", "ImportOut"),
        ("get", "/api/v1/tracklists/import/status/{correlation_id}"): ("200", "ImportStatusOut"),
        ("get", "/api/v1/tracklists/search/1001tracklists"): ("200", "AdvancedSearchOut"),
        ("delete", "/api/v1/tracklist/cache"): ("200", "CacheClearOut"),
    }
    for (method, path), (ok, model) in expected.items():
        answers = doc["paths"][path][method]["responses"]
        assert answers[ok]["content"]["application/json"]["schema"]["$ref"].endswith(f"/{model}"), path
        for status in ("404" if "{" in path else "422", "422"):
            assert answers[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
