"""The export function through its entry point: real payload-2.0 events on moto's tables.

Tracklists are written through the manual routes (and imported through the HTML import route
from our own fixture page), then exported and asked what plays when, as a client would.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.conftest import OWN_FIXTURES, principal_ctx
from tests.gateway import invoke

BASE = "/api/v1/tracklists"
EXPORT = "/api/v1/tracklists/{tracklist_id}/export/{target}"
YOUTUBE_LINE = re.compile(r"^(?:\d+:)?\d{1,2}:\d{2} \S")


def call(
    method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None, user: str = "user-1"
):
    return invoke(method, path, body=body, query=query, principal=principal_ctx(user))


def write(tracks: list[dict[str, Any]], **extra: Any) -> str:
    res = call(
        "POST", f"{BASE}/manual", body={"title": "Sunday <set>", "djs": ["DJ One"], "tracks": tracks, **extra}
    )
    assert res.status == 201, res.body
    return str(res.body["id"])


def track(n: int, start: float | None, **extra: Any) -> dict[str, Any]:
    return {"artist": f"Artist {n}", "title": f"Title {n}", "start_time": start, **extra}


@pytest.fixture
def timed(aws) -> str:
    """Five tracks, the third 5 s long, the fifth untimed, a 30-minute set."""
    return write(
        [track(1, 0), track(2, 300), track(3, 600), track(4, 605), track(5, None)],
        audio_duration="00:30:00",
    )


def test_youtube_chapters_name_the_broken_rule_and_merge_or_drop(timed: str) -> None:
    res = call("GET", f"{BASE}/{timed}/export/youtube")
    assert res.status == 200, res.body
    body = res.body
    assert body["valid"] is True
    rules = {v["rule"]: v["tracks"] for v in body["violations"]}
    assert rules == {"min_length": [3]}
    assert body["changes"] == [{"action": "merged", "tracks": [3], "into": [2]}]
    lines = body["text"].splitlines()
    chapter_lines = [ln for ln in lines if YOUTUBE_LINE.match(ln)]
    assert chapter_lines[0].startswith("0:00 ")
    assert chapter_lines[1] == "5:00 Artist 2 - Title 2 / Artist 3 - Title 3"
    assert len(chapter_lines) == 4
    # Track 5 had no time: estimated, flagged, and said so in the text and a warning.
    last = body["chapters"][-1]
    assert last["positions"] == [5] and last["start_time_estimated"] is True
    assert body["start_time_estimated"] == [5]
    assert "(Times of tracks 5 are estimated.)" in lines
    assert any(w["type"] == "start_time_estimated" for w in body["warnings"])

    dropped = call("GET", f"{BASE}/{timed}/export/youtube", query={"short_chapters": "drop"}).body
    assert dropped["changes"] == [{"action": "dropped", "tracks": [3]}]
    assert "Title 3" not in dropped["text"]

    plain = call("GET", f"{BASE}/{timed}/export/youtube", query={"as": "text", "hours": "always"})
    assert plain.status == 200 and plain.header("content-type", "").startswith("text/plain")
    assert plain.body.startswith("0:00:00 Artist 1 - Title 1\n")
    assert "youtube-chapters.txt" in (plain.header("content-disposition") or "")


def test_youtube_first_chapter_and_three_chapter_rules(aws) -> None:
    late = write([track(1, 7), track(2, 200), track(3, 400)])
    body = call("GET", f"{BASE}/{late}/export/youtube").body
    assert [v["rule"] for v in body["violations"]] == ["first_at_zero"]
    assert body["text"].startswith("0:00 Artist 1 - Title 1\n")  # moved from 0:07
    intro = write([track(1, 95), track(2, 200), track(3, 400)])
    body = call("GET", f"{BASE}/{intro}/export/youtube").body
    assert body["text"].splitlines()[:2] == ["0:00 Intro", "1:35 Artist 1 - Title 1"]
    two = write([track(1, 0), track(2, 200)])
    body = call("GET", f"{BASE}/{two}/export/youtube").body
    assert body["valid"] is False
    assert [v["rule"] for v in body["violations"]] == ["min_chapters"]


def test_mixcloud_sections_as_json_and_form_and_its_check(aws) -> None:
    tracks = [
        {"artist": "Solo", "title": f"Song {n}", "start_time": (n - 1) * 240.5} for n in range(1, 6)
    ] + [{"artist": "ID", "title": "ID", "start_time": 1300}]
    tid = write(tracks, audio_duration="00:25:00")
    body = call("GET", f"{BASE}/{tid}/export/mixcloud").body
    assert body["fields"]["sections-0-artist"] == "Solo"
    assert body["fields"]["sections-1-song"] == "Song 2"
    assert body["fields"]["sections-1-start_time"] == "241"
    assert body["fields"]["sections-5-chapter"] == "ID"
    breaches = {b["rule"]: b for b in body["check"]["breaches"]}
    assert breaches["max_tracks_by_artist"]["tracks"] == [1, 2, 3, 4, 5]
    assert breaches["max_artist_in_a_row"]["artist"] == "Solo"
    assert body["check"]["ok"] is False

    form = call("GET", f"{BASE}/{tid}/export/mixcloud", query={"as": "form"})
    assert form.status == 200 and form.header("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    assert dict(parse_qsl(form.body))["sections-4-song"] == "Song 5"

    check = call("GET", f"{BASE}/{tid}/export/mixcloud/check").body
    assert check["breaches"] == body["check"]["breaches"]

    short = write([track(1, 0), track(2, 100)], audio_duration="00:10:00")
    rules = [b["rule"] for b in call("GET", f"{BASE}/{short}/export/mixcloud/check").body["breaches"]]
    assert rules == ["min_length"]


def test_ffmetadata_and_text(timed: str) -> None:
    ff = call("GET", f"{BASE}/{timed}/export/ffmetadata", query={"as": "text"})
    assert ff.status == 200
    lines = ff.body.splitlines()
    assert lines[0] == ";FFMETADATA1" and "title=Sunday <set>" in lines
    assert lines.count("[CHAPTER]") == 5 and lines.count("TIMEBASE=1/1000") == 5
    assert "START=300000" in lines and "END=600000" in lines
    assert any(ln.startswith("; start times of tracks 5") for ln in lines)

    text = call("GET", f"{BASE}/{timed}/export/text").body["text"].splitlines()
    assert text[0] == "01. [0:00] Artist 1 - Title 1"
    assert text[4].startswith("05. [~")
    own = call(
        "GET", f"{BASE}/{timed}/export/text", query={"template": "{n}) {artist} / {title}{est} {__class__}"}
    ).body["text"]
    assert own.splitlines()[0] == "1) Artist 1 / Title 1 {__class__}"


def test_bad_requests_and_other_owners(timed: str) -> None:
    assert call("GET", f"{BASE}/{timed}/export/spotify").status == 422
    assert call("GET", f"{BASE}/{timed}/export/youtube", query={"as": "form"}).code == "VALIDATION_ERROR"
    for path in (
        f"{BASE}/{timed}/export/youtube",
        f"{BASE}/{timed}/at",
        f"{BASE}/{timed}/export/mixcloud/check",
    ):
        res = call("GET", path, query={"t": "10"}, user="someone-else")
        assert res.status == 404 and res.code == "RESOURCE_NOT_FOUND"
    for t in ("-1", str(48 * 3600 + 1), "soon"):
        assert call("GET", f"{BASE}/{timed}/at", query={"t": t}).status == 422


def test_at_with_w_rows_shared_cues_uncued_tail_and_the_end(aws) -> None:
    tid = write(
        [
            track(1, 10),
            track(2, 300),
            track(3, None, played_with_previous=True),  # w/ track 2
            track(4, 600),
            track(5, 600),  # shares track 4's cue
            track(6, 900),
            track(7, None),  # uncued tail
            track(8, None),
        ],
        audio_duration="00:40:00",
    )
    at = lambda t: call("GET", f"{BASE}/{tid}/at", query={"t": str(t)}).body  # noqa: E731
    early = at(5)
    assert early["status"] == "before_first" and early["next"]["tracks"][0]["position"] == 1
    mid = at(450)
    assert mid["status"] == "playing"
    assert [x["position"] for x in mid["current"]["tracks"]] == [2, 3]
    assert mid["current"]["tracks"][1]["start_time_estimated"] is True
    assert [x["position"] for x in mid["next"]["tracks"]] == [4, 5]
    assert mid["previous"]["tracks"][0]["position"] == 1
    tail = at(2000)
    assert tail["current"]["tracks"][0]["position"] in (7, 8)
    assert tail["current"]["start_time_estimated"] is True and tail["estimated"] is True
    assert any(w["type"] == "start_time_estimated" for w in tail["warnings"])
    assert 900 < tail["current"]["start_seconds"] < 2400
    done = at(2400)
    assert done["status"] == "after_end" and done["current"] is None
    assert done["previous"]["tracks"][0]["position"] == 8 and "ends at 0:40:00" in done["message"]


def test_an_imported_page_exports_to_every_target(aws) -> None:
    html = (OWN_FIXTURES / "1001tracklists" / "tracklist_two-djs_cues_w-row_mashup_id-rows.html").read_text(
        encoding="utf-8"
    )
    url = "https://www.1001tracklists.com/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
    imported = call("POST", f"{BASE}/import/html", body={"url": url, "html": html})
    assert imported.status == 201, imported.body
    tid = imported.body["tracklist_id"]
    for target in ("youtube", "mixcloud", "ffmetadata", "text"):
        res = call("GET", f"{BASE}/{tid}/export/{target}")
        assert res.status == 200, (target, res.body)
        assert res.body["target"] == target
    yt = call("GET", f"{BASE}/{tid}/export/youtube").body
    assert yt["valid"] is True and all(YOUTUBE_LINE.match(c["timestamp"] + " x") for c in yt["chapters"])
    assert yt["text"].startswith("0:00 ")


def test_an_export_is_stored_like_a_cue_file_and_downloadable(timed: str) -> None:
    made = call("POST", f"{BASE}/{timed}/export/ffmetadata")
    assert made.status == 201, made.body
    record = made.body["cue_file"]
    assert record["format"] == "ffmetadata" and record["version"] == 1
    assert made.body["download_url"] == f"/api/v1/cue/download/{record['id']}"
    download = call("GET", made.body["download_url"])
    assert download.status == 200 and download.header("content-type", "").startswith("text/plain")
    assert download.body.decode("utf-8") == made.body["export"]["text"]
    assert download.body.startswith(b";FFMETADATA1\n")
    again = call("POST", f"{BASE}/{timed}/export/ffmetadata").body["cue_file"]
    assert again["version"] == 2 and again["id"] != record["id"]
    mixcloud = call("POST", f"{BASE}/{timed}/export/mixcloud").body
    stored = call("GET", mixcloud["download_url"]).body  # application/json: decoded by the client
    assert stored["fields"]["sections-0-artist"] == "Artist 1"
    listed = call("GET", "/api/v1/cue/files", query={"tracklist_id": timed}).body
    assert {f["format"] for f in listed["files"]} == {"ffmetadata", "mixcloud"}
    assert call("POST", f"{BASE}/{timed}/export/ffmetadata", user="someone-else").status == 404
    assert call("DELETE", f"{BASE}/{timed}").status == 204
    assert call("GET", made.body["download_url"]).status == 404


def test_catalog_lengths_of_matched_rows_shape_the_estimates(aws) -> None:
    from tracktion.catalog.model import CatalogTrack
    from tracktion.catalog.own_catalog import OwnCatalog
    from tracktion.tracklists.model import Track, Tracklist
    from tracktion.tracklists.store import TracklistStore

    def matched(n: int, start: float | None, cid: str | None) -> Track:
        return Track(position=n, artist=f"A{n}", title=f"T{n}", start_time=start, catalog_track_id=cid)

    def stored(ids: list[str | None]) -> str:
        tracks = [
            matched(1, 0, ids[0]),
            matched(2, 300, ids[1]),
            matched(3, None, ids[2]),
            matched(4, 1000, ids[3]),
        ]
        t = Tracklist(owner_id="user-1", title="Matched", tracks=tracks, duration_seconds=1300)
        return TracklistStore().create(t).tracklist_id

    OwnCatalog().remember(
        [
            CatalogTrack(
                id=f"beatport:{n}", source="beatport", source_id=str(n), artist="A", title="T", duration=d
            )
            for n, d in ((1, 400), (2, 720), (3, 360), (4, 400))
        ]
    )
    plain = stored([None, None, None, None])
    long_second = stored(["beatport:1", "beatport:2", "beatport:3", "beatport:4"])

    def third(tid: str) -> dict[str, Any]:
        res = call("GET", f"{BASE}/{tid}/at", query={"t": "650"})
        assert res.status == 200, res.body
        slot = next(
            s for s in (res.body["previous"], res.body["current"], res.body["next"]) if s and s["number"] == 3
        )
        assert slot["start_time_estimated"] is True
        return slot

    # Track 2 is twice as long as the others in the catalog: its slot grows, track 3 starts later.
    assert third(long_second)["start_seconds"] > third(plain)["start_seconds"]
    exported = call("GET", f"{BASE}/{long_second}/export/youtube").body["chapters"]
    assert exported[2]["start_seconds"] == third(long_second)["start_seconds"]
