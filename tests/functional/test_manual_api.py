"""The manual function through its entry point: real payload-2.0 events on moto's tables."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import http_event, principal_ctx

BASE = "/api/v1/tracklists"


@pytest.fixture
def call(aws, lambda_context):
    from manual_api.handler import lambda_handler

    def _call(
        method: str,
        path: str,
        route: str,
        body: Any = None,
        *,
        user: str = "user-1",
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        event = http_event(
            method,
            path,
            body=body,
            query=query,
            headers=headers,
            principal=principal_ctx(user),
            route_key=f"{method} {route}",
        )
        res = lambda_handler(event, lambda_context)
        raw = res.get("body") or ""
        return res["statusCode"], (json.loads(raw) if raw else None)

    return _call


def tracks(n: int, length: float = 300.0) -> list[dict[str, Any]]:
    return [
        {"artist": f"Artist {i}", "title": f"Title {i}", "start_time": (i - 1) * length}
        for i in range(1, n + 1)
    ]


def create(call, n: int = 5, **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Sunday set",
        "djs": ["DJ One"],
        "audio_file_id": "audio-1",
        "tracks": tracks(n),
        **extra,
    }
    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)
    assert status == 201, tl
    return tl


def test_create_manual_draft_parses_every_time_form(call):
    body = {
        "title": "Mixed forms",
        "audio_file_id": "audio-9",
        "audio_duration": "1:00:00",
        "tracks": [
            {"artist": "A", "title": "One", "start_time": "0:00"},
            {"artist": "B", "title": "Two", "start_time": "04:30.5"},
            {"artist": "C", "title": "Three", "start_time": "0:09:00", "end_time": 600.25},
            {"artist": "ID", "title": "ID", "start_time": 660},
        ],
    }

    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)

    assert status == 201
    assert tl["status"] == "draft" and tl["draft_version"] == 1 and tl["version"] == 1
    assert [t["start_time"] for t in tl["tracks"]] == [0, 270.5, 540, 660]
    assert tl["tracks"][2]["end_time"] == 600.25
    assert tl["tracks"][3]["is_unidentified"]
    assert tl["duration_seconds"] == 3600


@pytest.mark.parametrize(
    ("track", "words"),
    [
        ({"artist": "B", "title": "Two", "start_time": "5:00", "end_time": "4:00"}, ["Track 2", "before"]),
        ({"artist": "B", "title": "Two", "start_time": "-0:10"}, ["Track 2", "negative"]),
        ({"artist": "B", "title": "Two", "start_time": "25:00:00"}, ["Track 2", "24 hours"]),
        ({"artist": "B", "title": "Two", "start_time": "1:75:00"}, ["Track 2", "out of range"]),
    ],
)
def test_impossible_times_answer_422_naming_the_track(call, track, words):
    body = {"title": "Bad", "tracks": [{"artist": "A", "title": "One", "start_time": 0}, track]}

    status, err = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)

    assert status == 422
    assert err["error_code"] == "INVALID_TRACK_TIME"
    assert all(w in err["error"] for w in words)
    assert err["details"]["position"] == 2


def test_missing_fields_answer_422_in_the_standard_format(call):
    status, err = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", {"tracks": [{"artist": "A"}]})

    assert status == 422
    assert set(err) == {"error", "error_code", "correlation_id", "details", "retry_after"}
    assert err["error_code"] == "VALIDATION_ERROR"


def test_add_update_delete_keep_positions_dense_and_versions_rising(call):
    tl = create(call, 3)
    tid = tl["tracklist_id"]
    route = "/api/v1/tracklists/{tracklist_id}/tracks"

    status, tl = call(
        "POST",
        f"{BASE}/{tid}/tracks",
        route,
        {"artist": "New", "title": "Inserted", "position": 2, "version": 1},
    )
    assert status == 201 and tl["version"] == 2
    assert [t["title"] for t in tl["tracks"]] == ["Title 1", "Inserted", "Title 2", "Title 3"]

    status, tl = call(
        "PUT", f"{BASE}/{tid}/tracks/3", route + "/{position}", {"title": "Renamed", "version": 2}
    )
    assert status == 200 and tl["tracks"][2]["title"] == "Renamed" and tl["tracks"][2]["is_manual_entry"]

    status, body = call(
        "DELETE", f"{BASE}/{tid}/tracks/1", route + "/{position}", headers={"If-Match": '"3"'}
    )
    assert status == 204 and body is None

    status, tl = call("POST", f"{BASE}/{tid}/tracks/validate-timing", route + "/validate-timing")
    assert tl["version"] == 4
    assert status == 200


def test_stale_version_answers_409_with_the_current_version_and_changes_nothing(call):
    tl = create(call, 3)
    tid = tl["tracklist_id"]
    route = "/api/v1/tracklists/{tracklist_id}/tracks/{position}"
    assert call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "First edit", "version": 1})[0] == 200

    status, err = call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "Lost edit", "version": 1})

    assert status == 409
    assert err["error_code"] == "RESOURCE_CONFLICT"
    assert err["details"]["current_version"] == 2
    status, report = call(
        "POST",
        f"{BASE}/{tid}/tracks/validate-timing",
        "/api/v1/tracklists/{tracklist_id}/tracks/validate-timing",
    )
    assert report["version"] == 2


def test_unknown_position_and_bad_if_match_are_clear_4xx(call):
    tid = create(call, 2)["tracklist_id"]
    route = "/api/v1/tracklists/{tracklist_id}/tracks/{position}"

    status, err = call("PUT", f"{BASE}/{tid}/tracks/9", route, {"title": "x"})
    assert status == 404 and err["error_code"] == "TRACK_NOT_FOUND"

    status, err = call(
        "PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "x"}, headers={"If-Match": "yesterday"}
    )
    assert status == 422

    status, err = call("PUT", f"{BASE}/{tid}/tracks/0", route, {"title": "x"})
    assert status == 422


def test_another_users_tracklist_is_a_404_like_a_missing_one(call):
    tid = create(call, 2)["tracklist_id"]
    route = "/api/v1/tracklists/{tracklist_id}/tracks/{position}"

    theirs = call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "mine now"}, user="user-2")
    missing = call("PUT", f"{BASE}/nope/tracks/1", route, {"title": "x"})

    assert theirs[0] == missing[0] == 404
    assert theirs[1]["error_code"] == missing[1]["error_code"] == "RESOURCE_NOT_FOUND"


def test_bulk_update_is_all_or_nothing(call):
    tid = create(call, 3)["tracklist_id"]
    route = "/api/v1/tracklists/{tracklist_id}/tracks/bulk"
    bad = {
        "updates": [
            {"position": 1, "title": "Changed"},
            {"position": 2, "start_time": "9:00", "end_time": "8:00"},
        ]
    }

    status, err = call("PUT", f"{BASE}/{tid}/tracks/bulk", route, bad)
    assert status == 422 and "Track 2" in err["error"]

    good = {"version": 1, "updates": [{"position": 1, "title": "Changed"}, {"position": 3, "bpm": 126}]}
    status, tl = call("PUT", f"{BASE}/{tid}/tracks/bulk", route, good)
    assert status == 200 and tl["version"] == 2
    assert tl["tracks"][0]["title"] == "Changed" and tl["tracks"][2]["bpm"] == 126


def test_reorder_renumbers_and_keeps_times_with_their_tracks(call):
    tid = create(call, 3)["tracklist_id"]

    status, tl = call(
        "POST",
        f"{BASE}/{tid}/tracks/reorder",
        "/api/v1/tracklists/{tracklist_id}/tracks/reorder",
        {"order": [3, 1, 2]},
    )

    assert status == 200
    assert [(t["position"], t["title"], t["start_time"]) for t in tl["tracks"]] == [
        (1, "Title 3", 600),
        (2, "Title 1", 0),
        (3, "Title 2", 300),
    ]


def test_timing_validation_suggestions_and_auto_end_times(call):
    tid = create(call, 4, audio_duration="20:00")["tracklist_id"]
    timing = "/api/v1/tracklists/{tracklist_id}/tracks/{position}/timing"
    assert (
        call("PUT", f"{BASE}/{tid}/tracks/2/timing", timing, {"start_time": "5:00", "end_time": "10:05"})[0]
        == 200
    )

    status, report = call(
        "POST",
        f"{BASE}/{tid}/tracks/validate-timing",
        "/api/v1/tracklists/{tracklist_id}/tracks/validate-timing",
    )
    assert status == 200 and not report["valid"]
    assert "Track 2 overlaps with track 3 by 5.0 seconds" in [i["message"] for i in report["issues"]]

    status, sug = call(
        "GET",
        f"{BASE}/{tid}/tracks/timing-suggestions",
        "/api/v1/tracklists/{tracklist_id}/tracks/timing-suggestions",
        query={"target_duration": "15:00"},
    )
    assert status == 200
    kinds = {s["type"] for s in sug["suggestions"]}
    assert {"fix_overlap", "set_end_time", "over_target"} <= kinds
    assert all(s["reason"] for s in sug["suggestions"])

    status, tl = call(
        "POST",
        f"{BASE}/{tid}/tracks/auto-calculate-end-times",
        "/api/v1/tracklists/{tracklist_id}/tracks/auto-calculate-end-times",
        {},
    )
    assert status == 200
    assert [t["end_time"] for t in tl["tracks"]] == [300, 600, 900, 1200]
    status, report = call(
        "POST",
        f"{BASE}/{tid}/tracks/validate-timing",
        "/api/v1/tracklists/{tracklist_id}/tracks/validate-timing",
    )
    assert report["valid"]


def test_publish_creates_a_new_version_generates_cue_and_keeps_the_draft_history(call):
    draft = create(call, 3)
    tid = draft["tracklist_id"]
    publish = "/api/v1/tracklists/{tracklist_id}/publish"

    status, out = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})

    assert status == 201, out
    published = out["tracklist"]
    assert published["status"] == "published"
    assert published["parent_tracklist_id"] == tid and published["draft_version"] == 1
    assert published["tracklist_id"] != tid
    assert out["cue"]["status"] == "generated"
    assert out["cue"]["files"][0]["tracklist_id"] == published["tracklist_id"]

    status, listing = call(
        "GET",
        f"{BASE}/audio-1/drafts",
        "/api/v1/tracklists/{tracklist_id}/drafts",
        query={"include_versions": "true"},
    )
    assert status == 200
    assert [d["tracklist_id"] for d in listing["drafts"]] == [tid]
    assert [v["tracklist_id"] for v in listing["versions"]] == [published["tracklist_id"]]

    status, again = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})
    assert status == 201 and not again["created"]
    assert again["tracklist"]["tracklist_id"] == published["tracklist_id"]

    status, err = call("POST", f"{BASE}/{published['tracklist_id']}/publish", publish)
    assert status == 409 and err["error_code"] == "ALREADY_PUBLISHED"


def test_publish_of_an_edited_draft_makes_a_second_published_version(call):
    tid = create(call, 2)["tracklist_id"]
    publish = "/api/v1/tracklists/{tracklist_id}/publish"
    first = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})[1][
        "tracklist"
    ]
    call(
        "PUT",
        f"{BASE}/{tid}/tracks/1",
        "/api/v1/tracklists/{tracklist_id}/tracks/{position}",
        {"title": "Fixed"},
    )

    status, out = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})

    assert status == 201 and out["created"]
    second = out["tracklist"]
    assert second["tracklist_id"] != first["tracklist_id"]
    assert (first["draft_version"], second["draft_version"]) == (1, 2)
    assert second["tracks"][0]["title"] == "Fixed"


def test_publish_in_the_background_reports_when_it_cannot_queue(call, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-manual-missing")
    tid = create(call, 2)["tracklist_id"]

    status, out = call("POST", f"{BASE}/{tid}/publish", "/api/v1/tracklists/{tracklist_id}/publish")

    # The publication stands; the answer says the CUE was not queued and how to retry.
    assert status == 201 and out["tracklist"]["status"] == "published"
    assert out["cue"]["status"] in ("queued", "failed")
    if out["cue"]["status"] == "failed":
        assert out["cue"]["retry"] == "generate-cue"


def test_generate_cue_answers_files_for_the_current_version(call):
    tid = create(call, 3)["tracklist_id"]

    status, out = call(
        "POST",
        f"{BASE}/{tid}/generate-cue",
        "/api/v1/tracklists/{tracklist_id}/generate-cue",
        {"formats": ["standard"]},
    )

    assert status == 201
    assert out["version"] == 1 and out["files"][0]["format"] == "standard"


def test_cue_event_generates_files_in_the_background(call, lambda_context):
    from manual_api.handler import lambda_handler

    tl = create(call, 2)
    event = {
        "action": "generate_cue",
        "tracklist_id": tl["tracklist_id"],
        "owner_id": "user-1",
        "formats": ["standard"],
    }

    out = lambda_handler(event, lambda_context)

    assert out["tracklist_id"] == tl["tracklist_id"] and out["files"]


def test_publish_with_validation_refuses_timing_errors(call):
    body = {
        "title": "Overlaps",
        "tracks": [
            {"artist": "A", "title": "One", "start_time": 0, "end_time": 310},
            {"artist": "B", "title": "Two", "start_time": 300},
        ],
    }
    tid = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)[1]["tracklist_id"]

    status, err = call("POST", f"{BASE}/{tid}/publish", "/api/v1/tracklists/{tracklist_id}/publish")

    assert status == 422 and err["error_code"] == "TIMING_INVALID"
    assert "Track 1 overlaps with track 2 by 10.0 seconds" in err["error"]


def test_imported_tracklists_are_editable_and_edits_mark_only_changed_tracks(call):
    from tracktion.tracklists.model import Track, Tracklist
    from tracktion.tracklists.store import TracklistStore

    imported = TracklistStore().create(
        Tracklist(
            owner_id="user-1",
            title="Imported",
            source="1001tracklists",
            source_url="https://www.1001tracklists.com/tracklist/x/",
            tracks=[
                Track(position=i, artist=f"A{i}", title=f"T{i}", start_time=i * 60.0) for i in range(1, 4)
            ],
        )
    )

    status, tl = call(
        "PUT",
        f"{BASE}/{imported.tracklist_id}/tracks/2",
        "/api/v1/tracklists/{tracklist_id}/tracks/{position}",
        {"remix": "Extended Mix"},
    )

    assert status == 200 and tl["source"] == "1001tracklists"
    assert [t["is_manual_entry"] for t in tl["tracks"]] == [False, True, False]


def test_drafts_of_an_audio_file_page_with_a_cursor_until_every_draft_is_seen(call):
    made = [create(call, 2, audio_file_id="audio-paged")["tracklist_id"] for _ in range(5)]
    route = "/api/v1/tracklists/{tracklist_id}/drafts"

    seen: list[str] = []
    query: dict[str, str] = {"limit": "2"}
    for _ in range(5):
        status, page = call("GET", f"{BASE}/audio-paged/drafts", route, query=query)
        assert status == 200, page
        assert len(page["drafts"]) <= 2
        seen += [d["tracklist_id"] for d in page["drafts"]]
        if not page["next_cursor"]:
            break
        query = {"limit": "2", "cursor": page["next_cursor"]}

    assert sorted(seen) == sorted(made)
    status, err = call("GET", f"{BASE}/audio-paged/drafts", route, query={"cursor": "not-a-cursor"})
    assert (status, err["error_code"]) == (400, "INVALID_CURSOR")
