"""POST /api/v1/tracklists/import/file through the local runtime (HTTP), as multipart/form-data
and as JSON, with the real DJ-software samples of ../shared/fixtures/dj-histories (read in place;
those tests skip when ../shared is absent) and the small ones we wrote in the same shapes
(tests/fixtures/dj-histories; always run).

Every expected value was written from reading the files (their rows, fields and times), not
from running the parsers: counts, order, artists/titles, start offsets in seconds.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.testing import RuntimeProcess
from tests.conftest import shared_fixture

pytestmark = pytest.mark.integration

ROUTE = "/api/v1/tracklists/import/file"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "dj-histories"


@pytest.fixture(scope="module")
def client(runtime: RuntimeProcess) -> Iterator[httpx.Client]:
    with runtime.client(headers=runtime.admin_headers) as c:
        yield c


def as_multipart(client: httpx.Client, path: Path, **options: Any) -> httpx.Response:
    data = {k: (json.dumps(v) if isinstance(v, bool) else str(v)) for k, v in options.items()}
    files = {"file": (path.name, path.read_bytes(), "application/octet-stream")}
    return client.post(ROUTE, files=files, data=data)


def as_json(client: httpx.Client, path: Path, **options: Any) -> httpx.Response:
    body = {"filename": path.name, "content_base64": base64.b64encode(path.read_bytes()).decode(), **options}
    return client.post(ROUTE, json=body)


def imported(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    return body


def rows(body: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    return [(t["artist"], t["title"], t["start_seconds"]) for t in body["tracklist"]["tracks"]]


def starts(body: dict[str, Any]) -> list[float | None]:
    return [t["start_seconds"] for t in body["tracklist"]["tracks"]]


def stored_count(runtime: RuntimeProcess) -> int:
    ddb = runtime.aws_client("dynamodb")
    name = next(t for t in ddb.list_tables()["TableNames"] if "racklists" in t)
    return int(ddb.scan(TableName=name, Select="COUNT")["Count"])


# ---------------------------------------------------------------- Serato exports (real samples)


def test_serato_csv_export_with_session_row_and_back_to_back_duplicate(client: httpx.Client) -> None:
    body = imported(as_multipart(client, shared_fixture("dj-histories", "serato", "esgrove_serato.csv")))
    assert body["format"] == "serato_csv"
    # Track rows 16.04.53, 16.05.22, 16.06.09, 16.08.32 EEST; the fifth row repeats the fourth.
    assert rows(body) == [
        ("DJ Esgrove", "Linko 2018.04.07", 0),
        ("DJ Esgrove", "Pastor 2017.10.14 #1", 29),
        ("RUFF CUT DJs", "Merikerho Terrace 2018.05.19 #1", 76),
        ("DJ Esgrove", "Farang 2020.03.07 #02", 219),
    ]
    assert body["dropped"] == [
        {
            "artist": "DJ Esgrove",
            "title": "Farang 2020.03.07 #02",
            "reason": "duplicate",
            "line": 7,
            "merged_into": 4,
        }
    ]
    # The merged track lasts until the duplicate's end (16.09.30).
    assert body["tracklist"]["tracks"][3]["end_seconds"] == 277
    assert body["recording_start"] == "2023-03-30T16:04:53+03:00"
    assert body["tracklist"]["title"] == "Serato 30.3.2023"
    assert body["tracklist"]["date"] == "2023-03-30"
    assert body["timed"] is True
    assert body["created"] is True


def test_serato_fixed_width_text_export_with_bom_reads_as_the_csv(client: httpx.Client) -> None:
    body = imported(as_json(client, shared_fixture("dj-histories", "serato", "esgrove_serato.txt")))
    assert body["format"] == "serato_txt"
    assert [(a, t) for a, t, _ in rows(body)] == [
        ("DJ Esgrove", "Linko 2018.04.07"),
        ("DJ Esgrove", "Pastor 2017.10.14 #1"),
        ("RUFF CUT DJs", "Merikerho Terrace 2018.05.19 #1"),
        ("DJ Esgrove", "Farang 2020.03.07 #02"),
    ]
    assert starts(body) == [0, 29, 76, 219]
    assert [d["reason"] for d in body["dropped"]] == ["duplicate"]
    assert body["dropped"][0]["line"] == 9


def test_serato_csv_with_three_columns_in_another_order(client: httpx.Client) -> None:
    body = imported(
        as_json(client, shared_fixture("dj-histories", "serato", "esgrove_serato_13.12.2018.csv"))
    )
    got = rows(body)
    assert len(got) == 24
    # "artist","name","start time": the artist is the first column here.
    assert got[0] == ("Peter Gabriel", "Sledgehammer (Platurn's Funky Drum Edit)", 0)  # 19.59.04 EET
    assert got[1] == ("Ward Palmen", "Body Mass", 426)  # 20.06.10
    assert got[12] == ("Ganga feat. Ben Ghazi", "Sweet Harmony (Beat Pharmacy Vocal Dub)", 3936)  # 21.04.40
    assert got[-1] == (
        "Dimitri From Paris & DJ Rocca",
        "Disco Shake (In The House Of Disco Edit)",
        6760,
    )  # 21.51.44
    assert body["tracklist"]["title"] == "Basso 13.12.2018"
    assert body["recording_start"] == "2018-12-13T19:59:04+02:00"
    assert body["dropped"] == []


def test_serato_recording_start_given_counts_offsets_from_it(client: httpx.Client) -> None:
    # The session row says 19.58.18 EET; the recording began then: the first track is at 0:46.
    path = shared_fixture("dj-histories", "serato", "esgrove_serato_13.12.2018.csv")
    body = imported(as_multipart(client, path, recording_start="2018-12-13T17:58:18Z"))
    assert starts(body)[:3] == [46, 472, 886]
    assert body["recording_start"] == "2018-12-13T17:58:18+00:00"


# ---------------------------------------------------------------- Serato binary sessions (real samples)


def session(name: str) -> Path:
    return shared_fixture("dj-histories", "serato", name)


def test_serato_session_stored_twice_is_read_once(client: httpx.Client) -> None:
    body = imported(as_multipart(client, session("wnp_serato-2.4-mac_1.session")))
    assert body["format"] == "serato_session"
    # 16 oent chunks, rows 3..10 each twice; starts 20:38:18, 20:40:07, 21:00:00, 21:00:35 (deck 2),
    # 21:01:15, 21:09:32, 21:10:37 (deck 2), 21:13:21 UTC.
    assert rows(body) == [
        ("LĪVE", "10,000 Years (Peace Is Now)", 0),
        ("Björk", "5 Years", 109),
        ("Björk", "107 Steps", 1302),
        ("Coverdale/Page", "Absolution Blues", 1337),
        ("Björk", "Alarm Call", 1377),
        ("LĪVE", "10,000 Years (Peace Is Now)", 1874),
        ("Matthew Sweet & Susanna Hoffs", "(What's So Funny 'Bout) Peace, Love and Understanding", 1939),
        ("LĪVE", "All I Need", 2103),
    ]
    assert body["recording_start"] == "2021-02-06T20:38:18+00:00"
    assert any("stored twice" in w["message"] for w in body["warnings"])


def test_serato_session_across_midnight_utc_with_two_decks(client: httpx.Client) -> None:
    body = imported(as_json(client, session("wnp_serato-2.4-mac_12.session")))
    got = rows(body)
    assert len(got) == 51
    # First entry has no artist field: the track is unidentified by artist.
    assert got[0] == ("ID", "4-12 Towers of London", 0)  # 21:25:11
    assert got[2] == ("LĪVE", "10,000 Years (Peace Is Now)", 25)  # deck 2, 21:25:36
    assert got[-1] == ("Björk", "Immature", 13653)  # 01:12:44 the next day
    assert starts(body) == sorted(starts(body))


def test_serato_session_without_artists_splits_artist_dash_title(client: httpx.Client) -> None:
    body = imported(as_multipart(client, session("wnp_serato-2.4-mac_66.session")))
    assert rows(body) == [
        ("Leonard Nimoy", "The Ballad of Bilbo Baggins", 0),
        ("Leonard Nimoy", "The Ballad of Bilbo Baggins - Full Album Version-BC35cQKHwzg", 104),
        ("ID", "Sing The Song (Laprock)", 132),
        ("ID", "4seasons", 183),
        ("ID", "Daft Punk Coachella 2006", 187),
    ]


def test_serato_session_three_entries(client: httpx.Client) -> None:
    body = imported(as_multipart(client, session("wnp_serato-2.4-mac_74.session")))
    assert rows(body) == [
        ("Björk", "Venus as a Boy", 0),
        ("Björk", "Big Time Sensuality", 97),
        ("Björk", "Like Someone in Love", 406),
    ]


def test_serato_open_session_has_a_last_track_without_end(client: httpx.Client) -> None:
    body = imported(as_json(client, session("wnp_serato-2.4-mac_80.session")))
    assert rows(body) == [("Björk", "Big Time Sensuality", 0)]
    assert body["tracklist"]["tracks"][0]["end_seconds"] is None
    assert any("still open" in w["message"] for w in body["warnings"])


def test_serato_session_same_track_on_both_decks_is_merged(client: httpx.Client) -> None:
    body = imported(as_multipart(client, session("wnp_serato-2.4-mac_84.session")))
    got = rows(body)
    assert len(got) == 16
    # Fischerspooner "●" at 05:36:19 (deck 1), LĪVE "She" 05:38:06, then "●" at 05:39:10, 05:40:26
    # and 05:43:00 back to back: one track.
    assert got[:6] == [
        ("Björk", "Human Behaviour", 0),
        ("Björk", "One Day", 13),
        ("Fischerspooner", "●", 724),
        ("LĪVE", "She", 831),
        ("Fischerspooner", "●", 895),
        ("LĪVE", "Take My Anthem", 1157),
    ]
    assert got[-1] == ("LĪVE", "Lakini's Juice", 2948)
    assert [(d["reason"], d["merged_into"]) for d in body["dropped"]] == [("duplicate", 5), ("duplicate", 5)]


def test_serato_tidal_session_drops_unplayed_loads_unless_asked(client: httpx.Client) -> None:
    path = session("wnp_seratotidal-win_86.session")
    body = imported(as_multipart(client, path))
    got = rows(body)
    assert len(got) == 17
    assert [(d["artist"], d["title"], d["reason"]) for d in body["dropped"]] == [
        ("Björk", "Army of Me", "unplayed"),
        ("Cannons", "Strangers", "unplayed"),
        ("Cannons", "Tunnel of You", "unplayed"),
    ]
    # The played "Army of Me" (02:20:08) stays; 01:56:16 is 0.
    assert got[5] == ("Björk", "Army of Me", 1432)
    assert got[-1] == ("Doomroar", "Laser Evolution", 4099)

    everything = imported(as_multipart(client, path, include_unplayed=True))
    assert len(everything["tracklist"]["tracks"]) == 20
    # The same file is the same tracklist: a new version, not a second one.
    assert everything["tracklist_id"] == body["tracklist_id"]
    assert everything["created"] is False


# ---------------------------------------------------------------- Traktor (real samples)


def test_traktor_history_drops_playedpublic_zero_and_reads_wall_clock(client: httpx.Client) -> None:
    path = shared_fixture("dj-histories", "traktor", "tnu_xml_to_xsd_history.nml")
    body = imported(as_multipart(client, path))
    assert body["format"] == "traktor_nml"
    # STARTTIME 47052 (13:04:12) and 47139 (13:05:39), PLAYEDPUBLIC 1; the others are 0.
    assert rows(body) == [("Florian Meindl", "cswloop 02", 0), ("Florian Meindl", "RK_synth_dark_3_C", 87)]
    assert [(d["entry"], d["reason"]) for d in body["dropped"]] == [(1, "unplayed"), (3, "unplayed")]
    assert body["recording_start"] is None  # no zone stored, none given
    assert body["tracklist"]["date"] == "2020-08-03"


def test_traktor_history_with_timezone_and_every_entry(client: httpx.Client) -> None:
    path = shared_fixture("dj-histories", "traktor", "tnu_xml_to_xsd_history.nml")
    body = imported(as_json(client, path, timezone="Europe/Berlin", include_unplayed=True))
    assert rows(body) == [
        ("Native Instruments", "Artificial Intelligence", 0),  # 46387 = 12:53:07
        ("Florian Meindl", "cswloop 02", 665),
        ("Florian Meindl", "RK_synth_technoid_4_E#_cut", 676),
        ("Florian Meindl", "RK_synth_dark_3_C", 752),
    ]
    assert body["recording_start"] == "2020-08-03T12:53:07+02:00"
    # DURATION is how long the deck played: 56.232254 s.
    assert body["tracklist"]["tracks"][0]["end_seconds"] == pytest.approx(56.232, abs=0.001)


def test_traktor_pretty_printed_history(client: httpx.Client) -> None:
    path = shared_fixture("dj-histories", "traktor", "tnu_tests_fixtures_history_reformatted.nml")
    body = imported(as_multipart(client, path))
    assert rows(body) == [("Father White", "Change (Like Mix Extended Instrumental)", 0)]
    assert body["tracklist"]["date"] == "2019-10-18"


# ---------------------------------------------------------------- rekordbox and VirtualDJ (real samples)


def test_rekordbox_playlist_export_gives_order_only(client: httpx.Client) -> None:
    path = shared_fixture("dj-histories", "rekordbox", "esgrove_rekordbox_history_export.txt")
    body = imported(as_multipart(client, path))
    assert body["format"] == "rekordbox_txt"
    got = rows(body)
    assert len(got) == 28  # 30 rows, rows 5 and 7 repeat 4 and 6
    assert got[0] == ("Bass Hitt", "Hey! (The Rhythm Hype Mix)", None)
    assert got[3] == ("Joey Washington", "Just Us (Bop Til You Drop Mix)", None)
    assert got[4] == ("Barbara Tucker", "Stay Together (Armand's ''Crazy'' Trauma Mix) (Esgrove's Fix)", None)
    # Rows 8-21 have other columns (Album before Genre ...): title and artist stay in place.
    assert got[5] == ("Massiande", "Dancing Is Life (feat. Diamondancer)", None)
    assert got[-1] == ("Cvnt Traxxx", "Sheer Organza (Esgrove's Tweak)", None)
    assert [(d["line"], d["reason"]) for d in body["dropped"]] == [(6, "duplicate"), (8, "duplicate")]
    assert body["timed"] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "wnp_vdj_playlist_testplaylist.m3u",
            [
                ("ACTORS", "Once More With Feeling"),
                ("ACTORS", "Death From Above"),
                ("Bikini Death Race", "Refrigerator"),
            ],
        ),
        (
            "wnp_vdj_playlist_videos.m3u",
            [
                ("311", "All Mixed Up"),
                ("311", "Down"),
                ("1 Giant Leap", "My Culture (feat. Robbie Williams & Maxi Jazz)"),
            ],
        ),
    ],
)
def test_virtualdj_playlists_without_times(
    client: httpx.Client, name: str, expected: list[tuple[str, str]]
) -> None:
    body = imported(as_json(client, shared_fixture("dj-histories", "virtualdj", name)))
    assert body["format"] == "virtualdj_m3u"
    assert [(a, t) for a, t, _ in rows(body)] == expected
    assert starts(body) == [None, None, None]


def test_pasted_text_is_not_a_history_file(client: httpx.Client) -> None:
    path = shared_fixture("dj-histories", "mixesdb", "mixesdb-userscripts_Tracklist_Merger_Examples.txt")
    answer = as_multipart(client, path)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "UNSUPPORTED_FORMAT"
    assert "serato_session" in answer.json()["details"]["formats"]


# ---------------------------------------------------------------- our own small files (always run)


def test_own_serato_csv_across_midnight_with_nfd_artist(client: httpx.Client) -> None:
    body = imported(as_multipart(client, OWN / "serato_midnight.csv"))
    assert rows(body) == [("Kölsch", "Grey", 0), ("Ann Clue", "Don't Stop", 330), ("Âme", "Rej", 760)]
    assert body["tracklist"]["tracks"][2]["artist"] == "\u00c2me"  # NFC
    assert body["dropped"][0]["reason"] == "duplicate"
    assert body["tracklist"]["tracks"][2]["end_seconds"] is None  # the last row has no end
    assert body["recording_start"] == "2025-12-31T23:50:00+01:00"


def test_own_serato_csv_minimum_play_time_drops_short_loads(client: httpx.Client) -> None:
    body = imported(as_json(client, OWN / "serato_midnight.csv", min_play_seconds=60, merge_duplicates=False))
    assert [(a, t) for a, t, _ in rows(body)] == [
        ("Kölsch", "Grey"),
        ("Ann Clue", "Don't Stop"),
        ("Âme", "Rej"),
    ]
    assert body["dropped"] == [
        {"artist": "Ann Clue", "title": "Don't Stop", "reason": "short_play", "line": 5, "play_seconds": 40}
    ]


def test_own_serato_text_with_us_dates_and_pm_times(client: httpx.Client) -> None:
    body = imported(as_multipart(client, OWN / "serato_us.txt"))
    assert body["format"] == "serato_txt"
    assert rows(body) == [("DJ One", "Intro", 0), ("DJ Two", "Second", 90), ("DJ One", "Third", 420)]
    assert body["recording_start"] == "2026-03-28T23:58:00-04:00"


def test_own_serato_session(client: httpx.Client) -> None:
    body = imported(as_multipart(client, OWN / "serato_small.session"))
    assert rows(body) == [
        ("Björk", "Army of Me", 0),
        ("Leonard Nimoy", "Bilbo Baggins", 290),
        ("Daft Punk", "The Grid", 590),
    ]
    assert [(d["artist"], d["reason"]) for d in body["dropped"]] == [("Cannons", "unplayed")]
    assert body["recording_start"] == "2026-01-01T00:00:00+00:00"
    all_of_it = imported(as_json(client, OWN / "serato_small.session", include_unplayed=True))
    assert starts(all_of_it) == [0, 280, 290, 590]


def test_own_traktor_history_across_midnight(client: httpx.Client) -> None:
    body = imported(as_json(client, OWN / "traktor_midnight.nml", timezone="Europe/Berlin"))
    # 23:53:20 on 2026-03-06, then (PLAYEDPUBLIC 0 dropped) 00:03:20 on the 7th.
    assert rows(body) == [("Ada", "Opening", 0), ("ID", "Unknown Tune", 600)]
    assert body["recording_start"] == "2026-03-06T23:53:20+01:00"
    assert body["tracklist"]["tracks"][0]["bpm"] == 124


def test_own_rekordbox_playlist(client: httpx.Client) -> None:
    body = imported(as_multipart(client, OWN / "rekordbox_playlist.txt"))
    assert rows(body) == [
        ("Carla", "First Light", None),
        ("Dan", "Deep Water", None),
        ("Eve", "Last Call", None),
    ]


def test_own_virtualdj_history_m3u_uses_lastplaytime(client: httpx.Client) -> None:
    body = imported(as_multipart(client, OWN / "2026-03-06.m3u"))
    assert rows(body) == [("Floor & Co", "Warm Up", 0), ("Gil", "Peak", 300), ("Hana", "Down", 720)]
    assert body["tracklist"]["tracks"][1]["remix"] == "Dub"
    assert body["recording_start"] == "2026-03-06T21:00:00+00:00"


def test_own_virtualdj_tracklist_reads_the_last_session(client: httpx.Client) -> None:
    body = imported(as_json(client, OWN / "tracklist.txt", timezone="Europe/Paris"))
    assert body["format"] == "virtualdj_tracklist"
    assert rows(body) == [("Ivy", "Before Midnight", 0), ("Jon", "After Midnight", 480), ("Kai", "Late", 900)]
    assert body["recording_start"] == "2026-03-06T23:55:00+01:00"


def test_own_mixxx_exports(client: httpx.Client) -> None:
    text = imported(as_multipart(client, OWN / "mixxx_history.txt"))
    assert text["format"] == "mixxx_text"
    assert rows(text) == [("Lou", "Start", 0), ("Max", "Middle", 270), ("Nia", "End", 555)]
    table = imported(as_json(client, OWN / "mixxx_history.csv"))
    assert table["format"] == "mixxx_csv"
    assert rows(table) == [("Oli", "One", 0), ("Pia", "Two", 360), ("Quin", "Three", 690)]


def test_text_member_draft_and_cue_sheet_on_request(client: httpx.Client) -> None:
    text = (OWN / "mixxx_history.txt").read_text()
    answer = client.post(
        ROUTE,
        json={
            "filename": "set.txt",
            "text": text,
            "is_draft": True,
            "cue_format": "standard",
            "title": "Friday",
        },
    )
    body = imported(answer)
    assert body["tracklist"]["is_draft"] is True
    assert body["tracklist"]["title"] == "Friday"
    assert body["cue_file_path"].startswith("/api/v1/cue/download/")
    sheet = client.get(body["cue_file_path"])
    assert sheet.status_code == 200
    assert 'TITLE "Middle"' in sheet.text


def test_format_given_skips_detection(client: httpx.Client) -> None:
    answer = as_multipart(client, OWN / "mixxx_history.csv", format="serato_csv")
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "INVALID_FORMAT"
    assert answer.json()["details"]["line"] == 1


# ---------------------------------------------------------------- refusals: typed, nothing stored


def test_truncated_session_is_invalid_format_with_offset_and_nothing_stored(
    client: httpx.Client, runtime: RuntimeProcess
) -> None:
    before = stored_count(runtime)
    cut = (OWN / "serato_small.session").read_bytes()[:700]
    answer = client.post(ROUTE, files={"file": ("1.session", cut, "application/octet-stream")})
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["error_code"] == "INVALID_FORMAT"
    assert isinstance(error["details"]["offset"], int)
    assert stored_count(runtime) == before


def test_every_entry_dropped_is_no_tracks_found(client: httpx.Client, runtime: RuntimeProcess) -> None:
    before = stored_count(runtime)
    # Every entry of this history has a DURATION below an hour, or PLAYEDPUBLIC 0.
    answer = as_json(client, OWN / "traktor_midnight.nml", min_play_seconds=3600)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error_code"] == "NO_TRACKS_FOUND"
    assert {d["reason"] for d in answer.json()["details"]["dropped"]} == {"unplayed", "short_play"}
    assert stored_count(runtime) == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"filename": "x.csv"}, 422, "VALIDATION_ERROR"),
        ({"text": "a", "content_base64": "YQ=="}, 422, "VALIDATION_ERROR"),
        ({"content_base64": "not base64!"}, 400, "INVALID_FORMAT"),
        ({"text": "hello", "timezone": "Mars/Olympus"}, 422, "VALIDATION_ERROR"),
        ({"text": "hello", "recording_start": "2026-03-06T21:00:00"}, 422, "VALIDATION_ERROR"),
        ({"text": "hello", "format": "winamp"}, 422, "VALIDATION_ERROR"),
        ({"text": "just some words"}, 400, "UNSUPPORTED_FORMAT"),
        ({"text": "\u0000" * 10, "format": "serato_csv"}, 400, "INVALID_FORMAT"),
    ],
)
def test_bad_requests_answer_typed_errors(
    client: httpx.Client, body: dict[str, Any], status: int, code: str
) -> None:
    answer = client.post(ROUTE, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error_code"] == code


def test_multipart_without_file_and_file_too_large(client: httpx.Client) -> None:
    missing = client.post(ROUTE, files={"title": (None, "x")})
    assert missing.status_code == 400, missing.text
    assert missing.json()["details"]["field"] == "file"
    big = client.post(ROUTE, files={"file": ("big.csv", b"a" * (5 * 1024 * 1024 + 1), "text/csv")})
    assert big.status_code == 422, big.text
    assert big.json()["details"]["max_bytes"] == 5 * 1024 * 1024


def test_recording_started_after_the_first_track_ended(client: httpx.Client) -> None:
    # The recorder started at 23:57 CET: "Grey" (23:50:00-23:56:10) is not on it, "Don't Stop"
    # (23:55:30-00:02:00) was already playing, "Rej" came 5:40 later.
    body = imported(as_json(client, OWN / "serato_midnight.csv", recording_start="2025-12-31T23:57:00+01:00"))
    assert rows(body) == [("Ann Clue", "Don't Stop", 0), ("Âme", "Rej", 340)]
    assert [(d["title"], d["reason"]) for d in body["dropped"]] == [
        ("Don't Stop", "duplicate"),
        ("Grey", "before_recording"),
    ]


SERATO_IST = (
    '"name","artist","start time"\n'
    '"Mumbai","","6.3.2026, 21.00.00 IST"\n'
    '"One","A","21.00.00 IST"\n'
    '"Two","B","21.05.30 IST"\n'
)


def test_an_ambiguous_zone_abbreviation_is_wall_clock_placed_by_timezone(client: httpx.Client) -> None:
    # IST is India, Ireland or Israel: not read; the times space the tracks, the zone places them.
    unplaced = imported(client.post(ROUTE, json={"filename": "ist.csv", "text": SERATO_IST}))
    assert starts(unplaced) == [0, 330]
    assert unplaced["recording_start"] is None
    placed = imported(
        client.post(ROUTE, json={"filename": "ist.csv", "text": SERATO_IST, "timezone": "Asia/Kolkata"})
    )
    assert placed["recording_start"] == "2026-03-06T21:00:00+05:30"
    assert starts(placed) == [0, 330]


def test_serato_csv_with_its_time_columns_hidden_keeps_the_order(client: httpx.Client) -> None:
    text = '"name","artist","deck"\n"Serato 30.3.2023","",""\n"One","A","1"\n"Two","B","2"\n'
    body = imported(client.post(ROUTE, json={"filename": "history.csv", "text": text}))
    assert body["format"] == "serato_csv"
    assert rows(body) == [("A", "One", None), ("B", "Two", None)]
    assert body["tracklist"]["title"] == "Serato 30.3.2023"
    assert body["timed"] is False
