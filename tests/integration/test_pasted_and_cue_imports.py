"""Issue 13 through the local runtime (HTTP): text as people paste it (POST import/text) and CUE
sheets as files (POST import/file), with our small fixtures in the same shapes as the real ones
(tests/fixtures/text, tests/fixtures/cue/histories: always run) and the real rekordbox recording
sheet of ../shared/fixtures/dj-histories (read in place; skips when ../shared is absent).

Expected values were written from reading the files: cues in minutes/clock times, labels and
catalog numbers in brackets, INDEX times (hh:mm:ss for rekordbox's recorder).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.testing import RuntimeProcess
from tests.conftest import shared_fixture

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEXT = "/api/v1/tracklists/import/text"
FILE = "/api/v1/tracklists/import/file"


@pytest.fixture(scope="module")
def client(runtime: RuntimeProcess) -> Iterator[httpx.Client]:
    with runtime.client(headers=runtime.admin_headers) as c:
        yield c


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    return body


def paste(client: httpx.Client, name: str, title: str) -> dict[str, Any]:
    text = (FIXTURES / "text" / name).read_text("utf-8")
    return created(client.post(TEXT, json={"text": text, "title": title, "cue_format": None}))


def test_a_pasted_mixesdb_list_answers_cues_labels_and_catalog_numbers(client: httpx.Client) -> None:
    body = paste(client, "mixesdb_cued.txt", "Harbour 012 (MixesDB)")
    tracks = body["tracklist"]["tracks"]

    assert [(t["artist"], t["title"], t["start_time"]) for t in tracks] == [
        ("Halden Rowe", "Quiet Harbour", "00:00:00"),
        ("Mira Castell & Oto Venn", "Second Light", "00:05:00"),
        ("ID", "ID", "00:12:00"),
        ("Pell Arundel", "Undertow", None),
        ("Dovetail Unit", "Copper Sky", None),
        ("Kestrel Bay", "ID", "01:01:00"),
        ("Sol Ferrant", "Meridian", "01:09:00"),
        ("Ansel Quill", "Last Tram", "01:14:30"),
        ("Vey Morrow", "Open Field", "01:54:00"),
    ]
    assert (tracks[1]["label"], tracks[1]["catalog_number"], tracks[1]["remix"]) == (
        "Northfold",
        "NF 012",
        "Extended Mix",
    )
    assert (tracks[6]["label"], tracks[6]["catalog_number"]) == (None, "SFR.004b")
    assert [t["is_unidentified"] for t in tracks] == [
        False,
        False,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert any(w["type"] == "time_reading" and "[1?]" in w["message"] for w in body["warnings"])


def test_a_pasted_description_imports_only_its_tracklist(client: httpx.Client) -> None:
    body = paste(client, "soundcloud_description.txt", "Harbour 012 (SoundCloud)")

    assert [(t["artist"], t["title"], t["start_seconds"]) for t in body["tracklist"]["tracks"]] == [
        ("Halden Rowe", "Quiet Harbour", 0.0),
        ("Mira Castell", "Second Light", None),
        ("Oto Venn", "Tidewater", 680.0),
        ("Pell Arundel", "Undertow", 905.0),
        ("ID", "ID", None),
        ("Dovetail Unit", "Copper Sky", None),
    ]


def test_pasted_durations_become_start_times_and_the_answer_says_so(client: httpx.Client) -> None:
    body = paste(client, "durations.txt", "Harbour 012 (durations)")

    assert [t["start_time"] for t in body["tracklist"]["tracks"]] == [
        "00:00:00",
        "00:05:12",
        "00:11:52",
        "00:15:57",
    ]
    reading = [w for w in body["warnings"] if w["type"] == "time_reading"]
    assert len(reading) == 1 and "durations" in reading[0]["message"] and reading[0]["field"] == "text"


def test_a_description_without_a_tracklist_is_422_and_stores_nothing(client: httpx.Client) -> None:
    text = (FIXTURES / "text" / "no_tracklist.txt").read_text("utf-8")
    response = client.post(TEXT, json={"text": text, "title": "No list here"})

    assert response.status_code == 422, response.text
    assert response.json()["error_code"] == "NO_TRACKS_FOUND"


def upload(client: httpx.Client, path: Path, **fields: str) -> httpx.Response:
    files = {"file": (path.name, path.read_bytes(), "application/x-cue")}
    return client.post(FILE, files=files, data=fields)


def test_a_rekordbox_shaped_recording_cue_imports_with_rising_offsets(client: httpx.Client) -> None:
    body = created(upload(client, FIXTURES / "cue" / "histories" / "rekordbox_recording.cue"))

    assert body["format"] == "cue"
    assert [(t["artist"], t["title"], t["start_seconds"]) for t in body["tracklist"]["tracks"]] == [
        ("Halden Rowe", "Quiet Harbour", 3.0),
        ("Mira Castell", "Second Light", 250.0),
        ("Oto Venn", "Tidewater", 585.0),
        ("Mira Castell", "Second Light", 750.0),  # brought back: a second appearance
        ("Pell Arundel", "Undertow", 3725.0),
    ]
    assert body["tracklist"]["title"] == "REC-2026-03-14"
    assert any("hh:mm:ss" in w["message"] for w in body["warnings"])


def test_the_real_rekordbox_recording_cue_imports_through_the_route(client: httpx.Client) -> None:
    path = shared_fixture("dj-histories", "rekordbox", "rbcue2txt_rekordbox6_mac_recording.cue")
    body = created(
        client.post(
            FILE, json={"filename": path.name, "content_base64": base64.b64encode(path.read_bytes()).decode()}
        )
    )
    tracks = body["tracklist"]["tracks"]

    assert len(tracks) == 17
    assert (tracks[0]["start_time"], tracks[-1]["start_time"]) == ("00:00:02", "00:57:02")
    assert [t["start_seconds"] for t in tracks] == sorted(t["start_seconds"] for t in tracks)
    assert (tracks[8]["title"], tracks[8]["start_time"]) == (
        "Don't Touch That Dial (feat. Yuuko Sings)",
        "00:30:02",
    )
    assert (tracks[10]["title"], tracks[10]["start_time"]) == (
        "Don't Touch That Dial (feat. Yuuko Sings)",
        "00:33:24",
    )
    assert tracks[8]["remix"] == tracks[10]["remix"] == "Earthworks Acid Hip-House Remix"


def test_a_sheet_we_generated_imports_back_to_the_same_tracklist(client: httpx.Client) -> None:
    pasted = "[00] Halden Rowe - Quiet Harbour (Rhea Marsh Remix)\nw/ Oto Venn - Tidewater\n[04:30] Mira Castell - Second Light\n"
    first = created(client.post(TEXT, json={"text": pasted, "title": "Round trip", "cue_format": "standard"}))
    sheet = client.get(first["cue_file_path"])
    assert sheet.status_code == 200, sheet.text

    again = created(client.post(FILE, json={"filename": "round-trip.cue", "text": sheet.text}))

    def view(body: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (t["artist"], t["title"], t["remix"], t["start_seconds"], t["played_with_previous"])
            for t in body["tracklist"]["tracks"]
        ]

    assert view(again)[0] == ("Halden Rowe", "Quiet Harbour", "Rhea Marsh Remix", 0.0, False)
    assert view(again)[1] == ("Oto Venn", "Tidewater", None, 0.0, True)  # the w/ track shares the entry
    assert view(again)[2] == view(first)[2] == ("Mira Castell", "Second Light", None, 270.0, False)


def test_a_mixxx_recording_sheet_with_raw_quotes_imports(client: httpx.Client) -> None:
    text = (FIXTURES / "cue" / "histories" / "mixxx_recording.cue").read_text("utf-8")
    body = created(client.post(FILE, json={"filename": "set.cue", "text": text}))

    assert [(t["artist"], t["title"], t["start_time"]) for t in body["tracklist"]["tracks"]] == [
        ("Halden Rowe", "Quiet Harbour", "00:00:00"),
        ("Mira Castell", "Second Light", "00:05:13"),
        ("ID", "Tidewater", "01:44:05"),
    ]
    assert body["tracklist"]["dj_name"] == 'DJ "Harbour" Rowe'


def test_an_unreadable_cue_sheet_is_invalid_format_naming_its_line(client: httpx.Client) -> None:
    sheet = 'FILE "mix.wav" WAVE\n  TRACK 01 AUDIO\n    TITLE "A"\n    INDEX 01 00:99:00\n'
    response = client.post(FILE, json={"filename": "broken.cue", "text": sheet})

    assert 400 <= response.status_code < 500, response.text
    error = response.json()
    assert (error["error_code"], error["details"]["line"]) == ("INVALID_FORMAT", 4)
