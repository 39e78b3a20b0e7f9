"""The manual function through its entry point: real payload-2.0 events on moto's tables.

The reference's ("Manual Tracklist API") example bodies are posted literally and every
documented field of the answer is checked by name and type; our additions are checked beside.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import principal_ctx
from tests.gateway import invoke

BASE = "/api/v1/tracklists"
TRACKS = "/api/v1/tracklists/{tracklist_id}/tracks"
ONE = "/api/v1/tracklists/{tracklist_id}"

# ---------------------------------------------------------------- the reference's examples, verbatim

REF_CREATE = {
    "audio_file_id": "123e4567-e89b-12d3-a456-426614174000",
    "tracks": [
        {
            "position": 1,
            "artist": "Artist Name",
            "title": "Track Title",
            "start_time": "00:00:00",
            "end_time": "00:03:30",
            "remix": "Extended Mix",
            "label": "Label Name",
        }
    ],
    "is_draft": True,
}
REF_ADD = {
    "position": 2,
    "artist": "New Artist",
    "title": "New Track",
    "start_time": "03:30:00",
    "end_time": "06:45:00",
    "remix": "Radio Edit",
    "label": "New Label",
}
REF_UPDATE = {"artist": "Updated Artist", "title": "Updated Title", "start_time": "03:35:00"}
REF_TIMING = {"start_time": "03:40:00", "end_time": "06:50:00"}
REF_BULK = {
    "tracks": [
        {
            "position": 1,
            "artist": "Artist 1",
            "title": "Track 1",
            "start_time": "00:00:00",
            "end_time": "03:30:00",
        },
        {
            "position": 2,
            "artist": "Artist 2",
            "title": "Track 2",
            "start_time": "03:30:00",
            "end_time": "07:00:00",
        },
    ]
}
REF_REORDER = {"from_position": 3, "to_position": 1}
REF_AUTO_END = {"audio_duration": "01:30:00"}
REF_VALIDATE = {"audio_duration": "01:30:00", "allow_gaps": True}
REF_MATCH = {
    "tracks": [{"position": 1, "artist": "Artist Name", "title": "Track Title", "start_time": "00:00:00"}],
    "threshold": 0.7,
}
REF_GENERATE_CUE = {"audio_file_path": "/path/to/audio.wav", "cue_format": "standard"}

TRACK_FIELDS = {
    "position": int,
    "artist": str,
    "title": str,
    "start_time": (str, type(None)),
    "end_time": (str, type(None)),
    "remix": (str, type(None)),
    "label": (str, type(None)),
    "catalog_track_id": (str, type(None)),
    "transition_type": (str, type(None)),
    "is_manual_entry": bool,
    "bpm": (float, int, type(None)),
    "key": (str, type(None)),
}
TRACKLIST_FIELDS = {
    "id": str,
    "audio_file_id": (str, type(None)),
    "source": str,
    "created_at": str,
    "updated_at": str,
    "tracks": list,
    "confidence_score": float,
    "draft_version": (int, type(None)),
    "is_draft": bool,
    "parent_tracklist_id": (str, type(None)),
    "default_cue_format": (str, type(None)),
}


def assert_fields(obj: dict[str, Any], fields: dict[str, Any]) -> None:
    for name, kind in fields.items():
        assert name in obj, f"missing documented field {name!r} in {sorted(obj)}"
        assert isinstance(obj[name], kind), (name, obj[name])


def assert_track(obj: dict[str, Any]) -> None:
    assert_fields(obj, TRACK_FIELDS)


def assert_tracklist(obj: dict[str, Any]) -> None:
    assert_fields(obj, TRACKLIST_FIELDS)
    for t in obj["tracks"]:
        assert_track(t)


class Caller:
    def __init__(self, lambda_context: Any) -> None:
        self.context = lambda_context
        self.headers: dict[str, str] = {}

    def __call__(
        self,
        method: str,
        path: str,
        route: str,
        body: Any = None,
        *,
        user: str = "user-1",
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        res = invoke(
            method,
            path,
            body=body,
            query=query,
            headers=headers,
            principal=principal_ctx(user),
            context=self.context,
        )
        assert res.route is not None and res.route.route_key == f"{method} {route}", res.route
        self.headers = res.lower_headers
        return res.status, res.body

    def warnings(self) -> list[dict[str, Any]]:
        return json.loads(self.headers.get("x-tracktion-warnings", "[]"))


@pytest.fixture
def call(aws, lambda_context):
    return Caller(lambda_context)


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


def stored(tracklist_id: str) -> dict[str, Any]:
    from tracktion.tracklists.store import TracklistStore

    return TracklistStore().get(tracklist_id, "user-1").model_dump(mode="json")


# ---------------------------------------------------------------- create


def test_the_reference_create_example_is_accepted_and_answers_every_documented_field(call):
    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", REF_CREATE)

    assert status == 201, tl
    assert_tracklist(tl)
    assert tl["audio_file_id"] == REF_CREATE["audio_file_id"]
    assert (tl["source"], tl["confidence_score"], tl["draft_version"], tl["is_draft"]) == (
        "manual",
        1.0,
        1,
        True,
    )
    assert tl["parent_tracklist_id"] is None and tl["default_cue_format"] is None
    track = tl["tracks"][0]
    assert {k: track[k] for k in REF_CREATE["tracks"][0]} == REF_CREATE["tracks"][0]
    assert track["is_manual_entry"] is True and track["transition_type"] is None
    assert (track["start_seconds"], track["end_seconds"]) == (0, 210)
    # Ours beside: no title was given, so one is derived; the id is also tracklist_id.
    assert tl["title"] == "Untitled mix" and tl["tracklist_id"] == tl["id"]
    assert tl["warnings"] == [] and call.headers["etag"] == '"1"'


def test_create_reads_every_time_form_and_answers_hh_mm_ss(call):
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
    assert [t["start_seconds"] for t in tl["tracks"]] == [0, 270.5, 540, 660]
    assert [t["start_time"] for t in tl["tracks"]] == ["00:00:00", "00:04:31", "00:09:00", "00:11:00"]
    assert tl["tracks"][2]["end_seconds"] == 600.25
    assert tl["tracks"][3]["is_unidentified"]
    assert tl["duration_seconds"] == 3600 and tl["duration"] == "01:00:00"


def test_create_derives_a_title_and_takes_the_references_names_for_dj_and_event(call):
    status, tl = call(
        "POST",
        f"{BASE}/manual",
        "/api/v1/tracklists/manual",
        {"dj_name": "DJ Ref", "tracks": [], "default_cue_format": "cdj"},
    )

    assert status == 201
    assert (tl["title"], tl["dj_name"], tl["djs"], tl["default_cue_format"]) == (
        "DJ Ref mix",
        "DJ Ref",
        ["DJ Ref"],
        "cdj",
    )
    status, tl = call(
        "POST", f"{BASE}/manual", "/api/v1/tracklists/manual", {"event_name": "Awakenings", "tracks": []}
    )
    assert (tl["title"], tl["event_name"]) == ("Awakenings", "Awakenings")


def test_create_orders_tracks_by_their_positions(call):
    body = {
        "tracks": [
            {"position": 2, "artist": "B", "title": "Second", "start_time": "00:05:00"},
            {"position": 1, "artist": "A", "title": "First", "start_time": "00:00:00"},
        ]
    }
    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)

    assert status == 201
    assert [(t["position"], t["title"]) for t in tl["tracks"]] == [(1, "First"), (2, "Second")]


def test_manual_style_times_ending_in_00_are_read_as_minutes_with_a_warning(call):
    body = {
        "tracks": [
            {"artist": "A", "title": "One", "start_time": "00:00:00", "end_time": "03:30:00"},
            {"artist": "B", "title": "Two", "start_time": "03:30:00", "end_time": "07:00:00"},
        ]
    }

    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)

    assert status == 201
    assert [(t["start_time"], t["end_time"]) for t in tl["tracks"]] == [
        ("00:00:00", "00:03:30"),
        ("00:03:30", "00:07:00"),
    ]
    assert [w["type"] for w in tl["warnings"]] == ["time_reading"]
    assert tl["warnings"][0]["field"] == "time_format" and "03:30:00" in tl["warnings"][0]["message"]
    assert json.loads(call.headers["x-tracktion-warnings"]) == tl["warnings"]


def test_an_explicit_time_format_wins_over_the_guess(call):
    body = {
        "time_format": "hh:mm:ss",
        "tracks": [{"artist": "A", "title": "One", "start_time": "00:00:00", "end_time": "03:30:00"}],
    }
    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)
    assert status == 201 and tl["tracks"][0]["end_seconds"] == 3.5 * 3600 and tl["warnings"] == []

    body["time_format"] = "mm:ss:ff"
    body["tracks"][0]["end_time"] = "03:30:15"  # 15 frames = 0.2 s
    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)
    assert status == 201 and tl["tracks"][0]["end_seconds"] == 210.2

    status, err = call(
        "POST", f"{BASE}/manual", "/api/v1/tracklists/manual", {**body, "time_format": "minutes"}
    )
    assert status == 422 and err["error_code"] == "VALIDATION_ERROR"


def test_hh_mm_ss_stays_when_it_is_plausible(call):
    body = {
        "audio_duration": "02:00:00",
        "tracks": [
            {"artist": "A", "title": "One", "start_time": "00:00:00"},
            {"artist": "B", "title": "Two", "start_time": "01:05:00"},
        ],
    }
    status, tl = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)

    assert status == 201
    assert tl["tracks"][1]["start_seconds"] == 3900 and tl["warnings"] == []


@pytest.mark.parametrize(
    ("track", "words", "field"),
    [
        (
            {"artist": "B", "title": "Two", "start_time": "5:00", "end_time": "4:00"},
            ["Track 2", "before"],
            "end_time",
        ),
        ({"artist": "B", "title": "Two", "start_time": "-0:10"}, ["Track 2", "negative"], "start_time"),
        ({"artist": "B", "title": "Two", "start_time": "49:00:01"}, ["Track 2", "48 hours"], "start_time"),
        ({"artist": "B", "title": "Two", "start_time": 172801}, ["Track 2", "48 hours"], "start_time"),
        ({"artist": "B", "title": "Two", "start_time": "1:75:30"}, ["Track 2", "out of range"], "start_time"),
    ],
)
def test_impossible_times_answer_422_naming_the_track_and_field(call, track, words, field):
    body = {"title": "Bad", "tracks": [{"artist": "A", "title": "One", "start_time": 0}, track]}

    status, err = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)

    assert status == 422
    assert err["error_code"] == "INVALID_TRACK_TIME"
    assert all(w in err["error"] for w in words)
    assert err["details"]["position"] == 2 and err["details"]["field"] == field


def test_missing_fields_and_positions_beyond_999_answer_422_in_the_standard_format(call):
    status, err = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", {"tracks": [{"artist": "A"}]})
    assert status == 422
    assert set(err) == {"error", "error_code", "correlation_id", "details", "retry_after"}
    assert err["error_code"] == "VALIDATION_ERROR"

    body = {"tracks": [{"artist": "A", "title": "B", "position": 1000}]}
    status, err = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)
    assert status == 422 and "position" in json.dumps(err["details"])


# ---------------------------------------------------------------- track routes, reference bodies


def test_the_reference_track_examples_in_order(call):
    tid = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", REF_CREATE)[1]["id"]

    status, added = call("POST", f"{BASE}/{tid}/tracks", TRACKS, REF_ADD)
    assert status == 201, added
    assert_track(added)
    assert {k: added[k] for k in ("position", "artist", "title", "remix", "label")} == {
        k: REF_ADD[k] for k in ("position", "artist", "title", "remix", "label")
    }
    assert (added["start_time"], added["end_time"]) == ("00:03:30", "00:06:45")
    assert added["is_manual_entry"] is True and added["catalog_track_id"] is None
    assert [w["type"] for w in added["warnings"]] == ["time_reading"]
    assert (added["tracklist_id"], added["tracklist_version"], call.headers["etag"]) == (tid, 2, '"2"')

    status, updated = call("PUT", f"{BASE}/{tid}/tracks/2", TRACKS + "/{position}", REF_UPDATE)
    assert status == 200, updated
    assert_track(updated)
    assert (updated["artist"], updated["title"], updated["start_time"]) == (
        "Updated Artist",
        "Updated Title",
        "00:03:35",
    )
    assert updated["end_time"] == "00:06:45"

    status, timed = call("PUT", f"{BASE}/{tid}/tracks/2/timing", TRACKS + "/{position}/timing", REF_TIMING)
    assert status == 200, timed
    assert_track(timed)
    assert (timed["start_time"], timed["end_time"]) == ("00:03:40", "00:06:50")

    status, changed = call("PUT", f"{BASE}/{tid}/tracks/bulk", TRACKS + "/bulk", REF_BULK)
    assert status == 200, changed
    assert isinstance(changed, list) and len(changed) == 2
    for t in changed:
        assert_track(t)
    assert [(t["position"], t["artist"], t["start_time"], t["end_time"]) for t in changed] == [
        (1, "Artist 1", "00:00:00", "00:03:30"),
        (2, "Artist 2", "00:03:30", "00:07:00"),
    ]
    assert [w["type"] for w in call.warnings()] == ["time_reading"]
    assert call.headers["x-tracklist-version"] == "5"

    # A third track, then the reference's reorder (3 → 1).
    call(
        "POST",
        f"{BASE}/{tid}/tracks",
        TRACKS,
        {"artist": "Third", "title": "Three", "start_time": "00:07:00"},
    )
    status, order = call("POST", f"{BASE}/{tid}/tracks/reorder", TRACKS + "/reorder", REF_REORDER)
    assert status == 200 and isinstance(order, list)
    assert [(t["position"], t["title"]) for t in order] == [(1, "Three"), (2, "Track 1"), (3, "Track 2")]
    call("POST", f"{BASE}/{tid}/tracks/reorder", TRACKS + "/reorder", {"from_position": 1, "to_position": 3})

    status, ends = call(
        "POST",
        f"{BASE}/{tid}/tracks/auto-calculate-end-times",
        TRACKS + "/auto-calculate-end-times",
        REF_AUTO_END,
    )
    assert status == 200 and isinstance(ends, list)
    for t in ends:
        assert_track(t)
    assert ends[-1]["end_time"] == "01:30:00" and ends[-1]["end_seconds"] == 5400
    assert stored(tid)["duration_seconds"] == 5400

    status, report = call(
        "POST", f"{BASE}/{tid}/tracks/validate-timing", TRACKS + "/validate-timing", REF_VALIDATE
    )
    assert status == 200
    assert_fields(report, {"is_valid": bool, "issues": list, "track_count": int})
    assert report["is_valid"] and report["track_count"] == 3
    assert all(isinstance(i, str) for i in report["issues"])

    status, sug = call(
        "GET",
        f"{BASE}/{tid}/tracks/timing-suggestions",
        TRACKS + "/timing-suggestions",
        query={"target_duration": "01:25:00"},
    )
    assert status == 200 and isinstance(sug, list) and sug
    over = next(s for s in sug if s["type"] == "over_target")
    assert_fields(
        over,
        {
            "track_position": int,
            "suggestion": str,
            "current_duration": str,
            "suggested_duration": str,
            "reason": str,
        },
    )
    assert over["track_position"] == 3 and over["suggestion"] == "reduce_by_300_seconds"
    assert (over["current_duration"], over["suggested_duration"]) == ("01:23:00", "01:18:00")

    status, body = call("DELETE", f"{BASE}/{tid}/tracks/1", TRACKS + "/{position}")
    assert status == 204 and body is None


def test_edits_without_a_version_apply_and_a_stale_version_is_409(call):
    tid = create(call, 3)["tracklist_id"]
    route = TRACKS + "/{position}"
    assert call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "First edit", "version": 1})[0] == 200
    assert call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "No version"})[0] == 200

    status, err = call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "Lost edit", "version": 1})
    assert status == 409
    assert err["error_code"] == "RESOURCE_CONFLICT" and err["details"]["current_version"] == 3
    status, err = call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "Lost"}, headers={"If-Match": '"2"'})
    assert status == 409

    status, _ = call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "Fresh"}, headers={"If-Match": '"3"'})
    assert status == 200 and call.headers["etag"] == '"4"'
    assert stored(tid)["tracks"][0]["title"] == "Fresh"


def test_unknown_position_bad_if_match_and_bounds_are_clear_4xx(call):
    tid = create(call, 2)["tracklist_id"]
    route = TRACKS + "/{position}"

    status, err = call("PUT", f"{BASE}/{tid}/tracks/9", route, {"title": "x"})
    assert status == 404 and err["error_code"] == "TRACK_NOT_FOUND"
    status, err = call(
        "PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "x"}, headers={"If-Match": "yesterday"}
    )
    assert status == 422
    assert call("PUT", f"{BASE}/{tid}/tracks/0", route, {"title": "x"})[0] == 422
    assert call("PUT", f"{BASE}/{tid}/tracks/1000", route, {"title": "x"})[0] == 422
    status, err = call(
        "POST", f"{BASE}/{tid}/tracks/reorder", TRACKS + "/reorder", {"from_position": 1, "to_position": 1000}
    )
    assert status == 422


def test_another_users_tracklist_is_a_404_like_a_missing_one(call):
    tid = create(call, 2)["tracklist_id"]
    route = TRACKS + "/{position}"

    theirs = call("PUT", f"{BASE}/{tid}/tracks/1", route, {"title": "mine now"}, user="user-2")
    missing = call("PUT", f"{BASE}/nope/tracks/1", route, {"title": "x"})
    assert theirs[0] == missing[0] == 404
    assert theirs[1]["error_code"] == missing[1]["error_code"] == "RESOURCE_NOT_FOUND"
    for method, body in (("GET", None), ("PATCH", {"title": "x"}), ("DELETE", None)):
        status, err = call(method, f"{BASE}/{tid}", ONE, body, user="user-2")
        assert (status, err["error_code"]) == (404, "RESOURCE_NOT_FOUND"), method
    assert stored(tid)["title"] == "Sunday set"


def test_bulk_update_is_all_or_nothing_and_takes_updates_or_tracks(call):
    tid = create(call, 3)["tracklist_id"]
    route = TRACKS + "/bulk"
    bad = {
        "updates": [
            {"position": 1, "title": "Changed"},
            {"position": 2, "start_time": "9:00", "end_time": "8:00"},
        ]
    }

    status, err = call("PUT", f"{BASE}/{tid}/tracks/bulk", route, bad)
    assert status == 422 and "Track 2" in err["error"]
    assert stored(tid)["tracks"][0]["title"] == "Title 1"

    good = {"version": 1, "updates": [{"position": 1, "title": "Changed"}, {"position": 3, "bpm": 126}]}
    status, changed = call("PUT", f"{BASE}/{tid}/tracks/bulk", route, good)
    assert status == 200 and call.headers["x-tracklist-version"] == "2"
    assert [(t["position"], t["title"], t["bpm"]) for t in changed] == [
        (1, "Changed", None),
        (3, "Title 3", 126),
    ]

    both = {"updates": [{"position": 1, "title": "x"}], "tracks": [{"position": 1, "title": "y"}]}
    assert call("PUT", f"{BASE}/{tid}/tracks/bulk", route, both)[0] == 422
    # A position right after the last adds a track; one further away is a 404.
    status, changed = call(
        "PUT",
        f"{BASE}/{tid}/tracks/bulk",
        route,
        {"tracks": [{"position": 4, "artist": "New", "title": "Four"}]},
    )
    assert status == 200 and changed[0]["position"] == 4
    status, err = call(
        "PUT", f"{BASE}/{tid}/tracks/bulk", route, {"tracks": [{"position": 9, "artist": "A", "title": "B"}]}
    )
    assert status == 404


def test_reorder_with_a_whole_order_keeps_times_with_their_tracks(call):
    tid = create(call, 3)["tracklist_id"]

    status, order = call("POST", f"{BASE}/{tid}/tracks/reorder", TRACKS + "/reorder", {"order": [3, 1, 2]})

    assert status == 200
    assert [(t["position"], t["title"], t["start_seconds"]) for t in order] == [
        (1, "Title 3", 600),
        (2, "Title 1", 0),
        (3, "Title 2", 300),
    ]


def test_validate_timing_reads_audio_duration_and_allow_gaps(call):
    body = {
        "title": "Gappy",
        "tracks": [
            {"artist": "A", "title": "One", "start_time": "0:00", "end_time": "4:00"},
            {"artist": "B", "title": "Two", "start_time": "5:00", "end_time": "9:00"},
        ],
    }
    tid = call("POST", f"{BASE}/manual", "/api/v1/tracklists/manual", body)[1]["id"]
    route = TRACKS + "/validate-timing"

    status, report = call("POST", f"{BASE}/{tid}/tracks/validate-timing", route, {"allow_gaps": True})
    assert status == 200 and report["is_valid"] and report["issues"] == []
    assert report["track_count"] == 2

    status, report = call("POST", f"{BASE}/{tid}/tracks/validate-timing", route, {"allow_gaps": False})
    assert not report["is_valid"]
    assert report["issues"] == ["Gap of 60.0 seconds between track 1 and track 2"]

    status, report = call(
        "POST", f"{BASE}/{tid}/tracks/validate-timing", route, {"audio_duration": "00:08:00"}
    )
    assert not report["is_valid"] and any("after the end of the audio" in i for i in report["issues"])
    assert report["audio_duration"] == 480

    status, report = call("POST", f"{BASE}/{tid}/tracks/validate-timing", route)
    assert status == 200 and report["is_valid"]


def test_timing_validation_suggestions_and_auto_end_times(call):
    tid = create(call, 4, audio_duration="20:00")["tracklist_id"]
    assert (
        call(
            "PUT",
            f"{BASE}/{tid}/tracks/2/timing",
            TRACKS + "/{position}/timing",
            {"start_time": "5:00", "end_time": "10:05"},
        )[0]
        == 200
    )

    status, report = call("POST", f"{BASE}/{tid}/tracks/validate-timing", TRACKS + "/validate-timing")
    assert status == 200 and not report["is_valid"]
    assert "Track 2 overlaps with track 3 by 5.0 seconds" in report["issues"]

    status, sug = call(
        "GET",
        f"{BASE}/{tid}/tracks/timing-suggestions",
        TRACKS + "/timing-suggestions",
        query={"target_duration": "00:15:00"},
    )
    assert status == 200
    assert {"fix_overlap", "set_end_time", "over_target"} <= {s["type"] for s in sug}
    overlap = next(s for s in sug if s["type"] == "fix_overlap")
    assert (overlap["track_position"], overlap["suggestion"]) == (2, "reduce_by_5_seconds")
    assert (overlap["current_duration"], overlap["suggested_duration"]) == ("00:05:05", "00:05:00")
    assert all(s["reason"] for s in sug)

    status, ends = call(
        "POST", f"{BASE}/{tid}/tracks/auto-calculate-end-times", TRACKS + "/auto-calculate-end-times", {}
    )
    assert status == 200
    assert [t["end_seconds"] for t in ends] == [300, 600, 900, 1200]
    status, report = call("POST", f"{BASE}/{tid}/tracks/validate-timing", TRACKS + "/validate-timing")
    assert report["is_valid"]


# ---------------------------------------------------------------- drafts, publish, CUE


def test_publish_answers_200_the_published_tracklist_and_drafts_list_as_an_array(call):
    draft = create(call, 3)
    tid = draft["tracklist_id"]
    publish = "/api/v1/tracklists/{tracklist_id}/publish"

    status, published = call(
        "POST",
        f"{BASE}/{tid}/publish",
        publish,
        query={"validate_before_publish": "true", "generate_cue_async": "false"},
    )

    assert status == 200, published
    assert_tracklist(published)
    assert published["is_draft"] is False and published["status"] == "published"
    assert published["parent_tracklist_id"] == tid and published["draft_version"] == 1
    assert published["id"] != tid and published["created"] is True
    assert published["cue"]["status"] == "generated"
    assert published["cue"]["files"][0]["tracklist_id"] == published["id"]

    route = "/api/v1/tracklists/{tracklist_id}/drafts"
    status, listing = call("GET", f"{BASE}/audio-1/drafts", route, query={"include_versions": "false"})
    assert status == 200 and isinstance(listing, list)
    assert [d["id"] for d in listing] == [tid]
    assert_tracklist(listing[0])
    status, listing = call("GET", f"{BASE}/audio-1/drafts", route, query={"include_versions": "true"})
    assert [d["id"] for d in listing] == [tid, published["id"]]

    status, again = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})
    assert status == 200 and again["created"] is False and again["id"] == published["id"]

    status, err = call("POST", f"{BASE}/{published['id']}/publish", publish)
    assert status == 409 and err["error_code"] == "ALREADY_PUBLISHED"


def test_publish_of_an_edited_draft_makes_a_second_published_version(call):
    tid = create(call, 2)["tracklist_id"]
    publish = "/api/v1/tracklists/{tracklist_id}/publish"
    first = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})[1]
    call("PUT", f"{BASE}/{tid}/tracks/1", TRACKS + "/{position}", {"title": "Fixed"})

    status, second = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})

    assert status == 200 and second["created"]
    assert second["id"] != first["id"]
    assert (first["draft_version"], second["draft_version"]) == (1, 2)
    assert second["tracks"][0]["title"] == "Fixed"


def test_publish_in_the_background_reports_when_it_cannot_queue(call, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-manual-missing")
    tid = create(call, 2)["tracklist_id"]

    status, out = call("POST", f"{BASE}/{tid}/publish", "/api/v1/tracklists/{tracklist_id}/publish")

    # The publication stands; the answer says the CUE was not queued and how to retry.
    assert status == 200 and out["status"] == "published"
    assert out["cue"]["status"] in ("queued", "failed")
    if out["cue"]["status"] == "failed":
        assert out["cue"]["retry"] == "generate-cue"


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


def test_the_reference_generate_cue_example_answers_200_with_the_documented_fields(call):
    tid = create(call, 3)["tracklist_id"]
    route = "/api/v1/tracklists/{tracklist_id}/generate-cue"

    status, out = call("POST", f"{BASE}/{tid}/generate-cue", route, REF_GENERATE_CUE)

    assert status == 200, out
    assert_fields(out, {"success": bool, "cue_file_path": str, "cue_file_id": str, "format": str})
    assert out["success"] is True and out["format"] == "standard"
    assert out["cue_file_path"] == f"/api/v1/cue/download/{out['cue_file_id']}"
    assert out["files"][0]["filename"] and out["files"][0]["options"]["audio_filename"] == "audio.wav"
    assert [w["field"] for w in out["warnings"]] == ["audio_file_path"]

    status, out = call("POST", f"{BASE}/{tid}/generate-cue", route, {"formats": ["standard"]})
    assert status == 200 and out["version"] == 1 and out["files"][0]["format"] == "standard"
    status, err = call("POST", f"{BASE}/{tid}/generate-cue", route, {"cue_format": "nonsense"})
    assert status == 422 and err["details"]["field"] == "cue_format"


def test_cue_event_generates_files_in_the_background(call, lambda_context):
    from manual_api.handler import lambda_handler

    tl = create(call, 2)
    event = {
        "tracktion_job": {
            "kind": "tracklists.generate_cue",
            "payload": {"tracklist_id": tl["tracklist_id"], "owner_id": "user-1", "formats": ["standard"]},
        }
    }

    out = lambda_handler(event, lambda_context)

    assert out["tracklist_id"] == tl["tracklist_id"] and out["files"]


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

    status, track = call(
        "PUT", f"{BASE}/{imported.tracklist_id}/tracks/2", TRACKS + "/{position}", {"remix": "Extended Mix"}
    )

    assert status == 200 and track["remix"] == "Extended Mix"
    assert [t["is_manual_entry"] for t in stored(imported.tracklist_id)["tracks"]] == [False, True, False]


def test_drafts_of_an_audio_file_page_with_a_cursor_until_every_draft_is_seen(call):
    made = [create(call, 2, audio_file_id="audio-paged")["tracklist_id"] for _ in range(5)]
    route = "/api/v1/tracklists/{tracklist_id}/drafts"

    seen: list[str] = []
    query: dict[str, str] = {"limit": "2"}
    for _ in range(5):
        status, page = call("GET", f"{BASE}/audio-paged/drafts", route, query=query)
        assert status == 200, page
        assert len(page) <= 2
        seen += [d["id"] for d in page]
        cursor = call.headers.get("x-next-cursor")
        if not cursor:
            break
        query = {"limit": "2", "cursor": cursor}

    assert sorted(seen) == sorted(made)
    status, err = call("GET", f"{BASE}/audio-paged/drafts", route, query={"cursor": "not-a-cursor"})
    assert (status, err["error_code"]) == (400, "INVALID_CURSOR")


# ---------------------------------------------------------------- the tracklist resource


def test_list_my_tracklists_with_filters_and_offset_pagination(call):
    a = create(call, 1, audio_file_id="audio-a")
    b = create(call, 1, audio_file_id="audio-b", is_draft=False)
    c = create(call, 1, audio_file_id="audio-a")
    call(
        "POST",
        f"{BASE}/manual",
        "/api/v1/tracklists/manual",
        {"title": "Theirs", "tracks": []},
        user="user-2",
    )

    status, page = call("GET", BASE, BASE, query={"limit": "2"})
    assert status == 200
    assert_fields(page, {"tracklists": list, "pagination": dict, "filters": dict})
    assert page["pagination"] == {"limit": 2, "offset": 0, "total": 3, "has_more": True, "returned": 2}
    assert [t["id"] for t in page["tracklists"]] == [c["id"], b["id"]]
    assert page["tracklists"][0]["tracks"] is None and page["tracklists"][0]["track_count"] == 1
    status, rest = call("GET", BASE, BASE, query={"limit": "2", "offset": "2"})
    assert [t["id"] for t in rest["tracklists"]] == [a["id"]] and rest["pagination"]["has_more"] is False

    status, drafts = call("GET", BASE, BASE, query={"status": "draft", "audio_file_id": "audio-a"})
    assert {t["id"] for t in drafts["tracklists"]} == {a["id"], c["id"]}
    assert drafts["filters"]["status"] == "draft" and drafts["filters"]["audio_file_id"] == "audio-a"
    status, published = call("GET", BASE, BASE, query={"is_draft": "false", "source": "manual"})
    assert [t["id"] for t in published["tracklists"]] == [b["id"]]
    status, none = call("GET", BASE, BASE, query={"source": "1001tracklists"})
    assert none["tracklists"] == [] and none["pagination"]["total"] == 0
    status, dated = call(
        "GET", BASE, BASE, query={"created_from": a["created_at"][:10], "created_to": "2999-01-01"}
    )
    assert dated["pagination"]["total"] == 3
    status, past = call("GET", BASE, BASE, query={"created_to": "2000-01-01"})
    assert past["pagination"]["total"] == 0
    status, full = call("GET", BASE, BASE, query={"include_tracks": "true", "limit": "1"})
    assert_tracklist(full["tracklists"][0])

    assert call("GET", BASE, BASE, query={"limit": "101"})[0] == 422
    assert call("GET", BASE, BASE, query={"status": "deleted"})[0] == 422
    assert call("GET", BASE, BASE, query={"status": "draft", "is_draft": "false"})[0] == 422


def test_get_and_patch_a_tracklist_with_if_match(call):
    tid = create(call, 2)["id"]

    status, tl = call("GET", f"{BASE}/{tid}", ONE)
    assert status == 200 and call.headers["etag"] == '"1"'
    assert_tracklist(tl)

    patch = {
        "title": "Renamed",
        "dj_name": "DJ Two",
        "event_name": "Club",
        "venue": "Berghain",
        "date": "2024-01-15",
        "default_cue_format": "traktor",
    }
    status, tl = call("PATCH", f"{BASE}/{tid}", ONE, patch, headers={"If-Match": '"1"'})
    assert status == 200, tl
    assert (tl["title"], tl["dj_name"], tl["event_name"], tl["venue"], tl["date"]) == (
        "Renamed",
        "DJ Two",
        "Club",
        "Berghain",
        "2024-01-15",
    )
    assert tl["default_cue_format"] == "traktor" and tl["version"] == 2 and call.headers["etag"] == '"2"'
    assert len(tl["tracks"]) == 2

    status, err = call("PATCH", f"{BASE}/{tid}", ONE, {"title": "Stale"}, headers={"If-Match": '"1"'})
    assert (status, err["error_code"], err["details"]["current_version"]) == (409, "RESOURCE_CONFLICT", 2)
    assert call("PATCH", f"{BASE}/{tid}", ONE, {"venue": None})[1]["venue"] is None
    assert call("PATCH", f"{BASE}/{tid}", ONE, {})[0] == 422
    assert call("PATCH", f"{BASE}/{tid}", ONE, {"tracks": []})[0] == 422
    status, err = call("PATCH", f"{BASE}/{tid}", ONE, {"default_cue_format": "wav"})
    assert (status, err["details"]["field"]) == (422, "default_cue_format")
    status, tl = call("GET", f"{BASE}/{tid}", ONE)
    assert tl["default_cue_format"] == "traktor"  # the setting survives edits of the tracks too
    call("PUT", f"{BASE}/{tid}/tracks/1", TRACKS + "/{position}", {"title": "x"})
    assert call("GET", f"{BASE}/{tid}", ONE)[1]["default_cue_format"] == "traktor"


def _everything_about(aws: dict[str, str], tracklist_ids: list[str]) -> list[str]:
    """Every stored thing (item or S3 object) that names one of the tracklists."""
    import boto3

    found: list[str] = []
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    for name in ddb.list_tables()["TableNames"]:
        for page in ddb.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                text = json.dumps(item)
                found += [f"{name}: {item['pk']}" for tid in tracklist_ids if tid in text]
    s3 = boto3.client("s3", region_name="us-east-1")
    for bucket in s3.list_buckets()["Buckets"]:
        listing = s3.list_object_versions(Bucket=bucket["Name"])
        for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
            found += [f"s3: {v['Key']}" for tid in tracklist_ids if tid in v["Key"]]
    return found


def test_delete_removes_the_tracklist_its_drafts_cue_files_objects_and_cache(call, aws):
    tid = create(call, 3, default_cue_format="standard")["id"]
    publish = "/api/v1/tracklists/{tracklist_id}/publish"
    pub = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})[1]
    call("PUT", f"{BASE}/{tid}/tracks/1", TRACKS + "/{position}", {"title": "Again"})
    pub2 = call("POST", f"{BASE}/{tid}/publish", publish, query={"generate_cue_async": "false"})[1]
    call("POST", f"{BASE}/{tid}/generate-cue", ONE + "/generate-cue", {"cue_format": "cdj"})
    keep = create(call, 1)["id"]
    call("POST", f"{BASE}/{keep}/generate-cue", ONE + "/generate-cue", {})
    ids = [tid, pub["id"], pub2["id"]]
    assert len(_everything_about(aws, ids)) > 10  # tracklists, claims, CUE records, objects, cache

    status, body = call("DELETE", f"{BASE}/{pub['id']}", ONE)

    assert status == 204 and body is None
    assert set(call.headers["x-deleted-tracklists"].split(",")) == set(ids)
    assert _everything_about(aws, ids) == []
    for i in ids:
        assert call("GET", f"{BASE}/{i}", ONE)[0] == 404
    # Someone else's data and my other tracklist are untouched.
    assert call("GET", f"{BASE}/{keep}", ONE)[0] == 200
    assert _everything_about(aws, [keep])
    assert call("DELETE", f"{BASE}/{tid}", ONE)[0] == 404


def test_delete_with_a_stale_if_match_deletes_nothing(call):
    tid = create(call, 1)["id"]
    call("PATCH", f"{BASE}/{tid}", ONE, {"title": "v2"})

    status, err = call("DELETE", f"{BASE}/{tid}", ONE, headers={"If-Match": '"1"'})

    assert status == 409 and err["error_code"] == "RESOURCE_CONFLICT"
    assert call("GET", f"{BASE}/{tid}", ONE)[0] == 200
    assert call("DELETE", f"{BASE}/{tid}", ONE, headers={"If-Match": '"2"'})[0] == 204


def test_literal_routes_win_over_the_tracklist_id(call):
    status, err = call("GET", f"{BASE}/manual", ONE)
    assert status == 404 and err["error_code"] == "RESOURCE_NOT_FOUND"
    # The catalog search is its own route, never a tracklist called "catalog".
    status, err = call("GET", f"{BASE}/catalog/search", "/api/v1/tracklists/catalog/search")
    assert status == 400 and err["error_code"] == "MISSING_QUERY"
