"""Exports end to end through the local runtime: the real 1001tracklists pages (and our own page)
imported over HTTP, exported to every target and checked against each target's rules; the
FFMETADATA1 file applied by Debian's ffmpeg to a generated silent mix and read back by ffprobe."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture

pytestmark = pytest.mark.integration

SITE = "https://www.1001tracklists.com/tracklist"
PAGES = {
    "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html": "l3uw499/matroda.html",
    "tracklist_curbi_tape-06_2021-03-12_31trk_45min_cues_mashups_reserialized.html": "nsgpmht/curbi.html",
    "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html": "25fhn7c9/sven.html",
    "tracklist_sven-vath_bbc-radio1-time-warp_2024-10-12_12trk_no-cues.html": "19h6nw7t/sven-bbc.html",
    "tracklist_bicep_nts-radio_2022-06-16_14trk_no-cues.html": "2hjnqr0t/bicep.html",
}
OWN_PAGE = ("tracklist_two-djs_cues_w-row_mashup_id-rows.html", "2k7xq9tb/kolsch-ann-clue.html")
STAMP = re.compile(r"^((?:\d+:)?\d{1,2}:\d{2}) (\S.*)$")
FIELD = re.compile(r"^sections-(\d+)-(artist|song|start_time|chapter)$")


def _seconds(stamp: str) -> int:
    return sum(int(p) * 60**i for i, p in enumerate(reversed(stamp.split(":"))))


def _import(client: Any, html: str, path: str) -> dict[str, Any]:
    res = client.post("/api/v1/tracklists/import/html", json={"url": f"{SITE}/{path}", "html": html})
    assert res.status_code in (200, 201), res.text
    tracklist = client.get(f"/api/v1/tracklists/{res.json()['tracklist_id']}")
    assert tracklist.status_code == 200
    return tracklist.json()


def _pages() -> list[tuple[str, str, Path | None]]:
    real = [(name, path, SHARED_FIXTURES / "1001tracklists" / name) for name, path in PAGES.items()]
    return [(OWN_PAGE[0], OWN_PAGE[1], OWN_FIXTURES / "1001tracklists" / OWN_PAGE[0]), *real]


def _check_youtube(body: dict[str, Any], tracks: list[dict[str, Any]]) -> None:
    lines = [m for ln in body["text"].splitlines() if (m := STAMP.match(ln))]
    assert lines and lines[0].group(1) in ("0:00", "0:00:00")
    assert len(lines) >= 3 and body["valid"] is True
    starts = [_seconds(m.group(1)) for m in lines]
    assert all(b - a >= 10 for a, b in itertools.pairwise(starts)), starts
    for m in lines:  # M:SS under an hour, H:MM:SS from an hour on
        assert re.fullmatch(r"\d{1,2}:\d{2}", m.group(1)) or re.fullmatch(r"\d+:\d{2}:\d{2}", m.group(1))
    untimed = [t["position"] for t in tracks if t["start_seconds"] is None and not t["played_with_previous"]]
    if untimed:
        assert any("are estimated" in ln for ln in body["text"].splitlines())
        assert set(untimed) <= set(body["start_time_estimated"])
    named = " ".join(m.group(2) for m in lines)
    for t in tracks:  # every row is in a chapter title (merged ones too)
        assert t["title"] in named or t["title"].replace("<", "\u2039").replace(">", "\u203a") in named


def _check_mixcloud(body: dict[str, Any], tracks: list[dict[str, Any]], form: str) -> None:
    numbers = set()
    for key in body["fields"]:
        m = FIELD.match(key)
        assert m, key
        numbers.add(int(m.group(1)))
    assert numbers == set(range(len(body["sections"])))
    starts = [int(body["fields"][f"sections-{n}-start_time"]) for n in sorted(numbers)]
    assert starts == sorted(starts) and starts[0] >= 0
    assert len(body["sections"]) == len(tracks)  # every played row (w/ rows too) is a section
    assert dict(parse_qsl(form)) == body["fields"]


def _check_ffmetadata(text: str, tracklist: dict[str, Any], tmp: Path) -> None:
    assert shutil.which("ffmpeg") and shutil.which("ffprobe"), "make system-deps installs ffmpeg"
    lines = text.splitlines()
    assert lines[0] == ";FFMETADATA1"
    chapters = text.count("[CHAPTER]")
    ends = [int(ln[4:]) for ln in lines if ln.startswith("END=")]
    length = max(ends) / 1000 + 1
    mix, meta, out = tmp / "mix.mp3", tmp / "chapters.txt", tmp / "out.mp3"
    meta.write_text(text, encoding="utf-8")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
         "-t", f"{length:.0f}", "-c:a", "libmp3lame", "-b:a", "8k", str(mix)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(mix), "-i", str(meta),
         "-map_metadata", "1", "-codec", "copy", str(out)],
        check=True,
    )  # fmt: skip
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-print_format", "json", str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    read = json.loads(probe.stdout)["chapters"]
    assert len(read) == chapters
    starts = [int(ln[6:]) for ln in lines if ln.startswith("START=")]
    titles = [ln[6:] for ln in lines if ln.startswith("title=")][1:]  # the first is the file's title
    unescape = lambda v: re.sub(r"\\(.)", r"\1", v)  # noqa: E731
    for got, start, title in zip(read, starts, titles, strict=True):
        assert abs(float(got["start_time"]) - start / 1000) < 0.002
        assert got["tags"]["title"] == unescape(title)


def test_every_page_exports_to_every_target_under_its_rules(runtime, tmp_path: Path) -> None:
    checked = 0
    with runtime.client(headers=runtime.admin_headers) as client:
        for name, path, file in _pages():
            if file is None or not file.exists():
                shared_fixture("1001tracklists", name)  # skips with the message when ../shared is absent
            html = file.read_text(encoding="utf-8")  # type: ignore[union-attr]
            tracklist = _import(client, html, path)
            tid, tracks = tracklist["id"], tracklist["tracks"]
            base = f"/api/v1/tracklists/{tid}/export"

            yt = client.get(f"{base}/youtube")
            assert yt.status_code == 200, (name, yt.text)
            _check_youtube(yt.json(), tracks)

            mc = client.get(f"{base}/mixcloud")
            form = client.get(f"{base}/mixcloud", params={"as": "form"})
            assert mc.status_code == form.status_code == 200, (name, mc.text)
            assert form.headers["content-type"].startswith("application/x-www-form-urlencoded")
            _check_mixcloud(mc.json(), tracks, form.text)

            ff = client.get(f"{base}/ffmetadata", params={"as": "text"})
            assert ff.status_code == 200 and ff.headers["content-type"].startswith("text/plain")
            folder = tmp_path / name
            folder.mkdir()
            _check_ffmetadata(ff.text, tracklist, folder)

            txt = client.get(f"{base}/text").json()["text"].splitlines()
            numbered = [ln for ln in txt if re.match(r"^\d{2,}\. \[~?(?:\d+:)?\d{1,2}:\d{2}\] ", ln)]
            together = [t for t in tracks if t["played_with_previous"]]
            assert len(numbered) + len(together) == len(tracks), name
            checked += 1
    assert checked == len(PAGES) + 1


def test_mixcloud_check_names_the_real_sets_breaches(runtime) -> None:
    name = "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html"
    html = shared_fixture("1001tracklists", name).read_text(encoding="utf-8")
    with runtime.client(headers=runtime.admin_headers) as client:
        tid = _import(client, html, PAGES[name])["id"]
        check = client.get(f"/api/v1/tracklists/{tid}/export/mixcloud/check").json()
    by_rule = {b["rule"]: b for b in check["breaches"]}
    assert check["ok"] is False
    assert by_rule["max_tracks_by_artist"]["artist"] == "Sven Väth"
    assert by_rule["max_artist_in_a_row"]["tracks"] == [39, 40, 41, 42, 43, 44, 45]


def test_at_on_real_sets_w_rows_and_uncued_rows(runtime) -> None:
    matroda = "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html"
    sven = "tracklist_sven-vath_time-warp-mannheim_2024-10-25_52trk_2h08_id-rows_no-cues.html"
    with runtime.client(headers=runtime.admin_headers) as client:
        m = _import(
            client, shared_fixture("1001tracklists", matroda).read_text(encoding="utf-8"), PAGES[matroda]
        )
        at = client.get(f"/api/v1/tracklists/{m['id']}/at", params={"t": 4600}).json()
        # 1:16:40: Odd Mob (24, from 1:16:30) with the w/ row Round Table Knights (25) as one group.
        assert at["status"] == "playing" and at["estimated"] is False
        assert [t["position"] for t in at["current"]["tracks"]] == [24, 25]
        assert at["next"]["tracks"][0]["position"] == 26
        after = client.get(f"/api/v1/tracklists/{m['id']}/at", params={"t": 6000}).json()
        assert after["status"] == "after_end" and after["previous"]["tracks"][0]["position"] == 28

        s = _import(client, shared_fixture("1001tracklists", sven).read_text(encoding="utf-8"), PAGES[sven])
        mid = client.get(f"/api/v1/tracklists/{s['id']}/at", params={"t": 3600}).json()
        assert mid["status"] == "playing" and mid["estimated"] is True
        assert mid["current"]["start_time_estimated"] is True
        assert mid["current"]["tracks"][0]["start_time_estimated"] is True
        assert mid["previous"]["start_seconds"] < 3600 <= mid["current"]["end_seconds"]
        bad = client.get(f"/api/v1/tracklists/{s['id']}/at", params={"t": -5})
        assert bad.status_code == 422
