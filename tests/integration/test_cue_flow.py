"""CUE sheets end to end through the local runtime on the real template: import a real set,
generate three formats, list, download (checksum), regenerate (v2), convert, validate against a
shorter WAV, soft delete, an async job, and a presigned upload whose CUE appears by itself."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import httpx
import pytest

from tests.conftest import shared_fixture
from tests.functional.cue_support import wav_bytes
from tests.unit.cue.readers import assert_all_agree, read_all

pytestmark = pytest.mark.integration

CUE = "/api/v1/cue"
SET = "tracklist_matroda_club-space-miami_2023-08-05_28trk_1h28_cues_w-row.html"


def _until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := check()) is not None:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting")


def test_cue_files_through_the_local_runtime(runtime, tmp_path):
    html = shared_fixture("1001tracklists", SET).read_text(encoding="utf-8")
    with runtime.client(headers=runtime.admin_headers) as client:
        imported = client.post(
            "/api/v1/tracklists/import/html",
            json={
                "url": "https://www.1001tracklists.com/tracklist/l3uw499/matroda-club-space-miami-united-states-2023-08-05.html",
                "html": html,
            },
        )
        assert imported.status_code in (200, 201), imported.text
        tracklist_id = imported.json()["tracklist_id"]

        # Three formats at once (the set's missing times are estimated on request).
        made = client.post(
            f"{CUE}/generate/{tracklist_id}",
            json={"formats": ["standard", "rekordbox", "cdj"], "options": {"gap_handling": "estimate"}},
        )
        assert made.status_code == 200, made.text
        assert made.json()["success"] is True and made.json()["job_id"]
        files = {f["format"]: f for f in made.json()["cue_files"]}
        assert set(files) == {"standard", "rekordbox", "cdj"}
        owner = files["standard"]["owner_id"]

        listed = client.get(f"{CUE}/files", params={"tracklist_id": tracklist_id}).json()
        assert listed["total"] == 3 and listed["pagination"]["total"] == 3

        standard = files["standard"]
        download = client.get(f"{CUE}/download/{standard['cue_file_id']}")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/x-cue")
        assert download.headers["x-file-version"] == "1"
        assert download.headers["cache-control"] == "no-cache"
        assert hashlib.sha256(download.content).hexdigest() == standard["sha256"]
        path = tmp_path / "standard.cue"
        path.write_bytes(download.content)
        readings = read_all([path])[path]
        assert_all_agree(path, readings, readings["gplane"]["starts"], readings["gplane"]["titles"])
        assert len(readings["deflacue"]["starts"]) == standard["track_count"]
        xml = client.get(f"{CUE}/download/{files['rekordbox']['cue_file_id']}/companions/rekordbox.xml")
        assert xml.status_code == 200 and b"POSITION_MARK" in xml.content

        v2 = client.post(f"{CUE}/files/{standard['cue_file_id']}/regenerate", json={})
        assert v2.status_code == 200 and v2.json()["cue_files"][0]["version"] == 2
        assert client.get(f"{CUE}/download/{standard['cue_file_id']}").status_code == 200

        kodi = client.post(f"{CUE}/files/{standard['cue_file_id']}/convert", json={"target_format": "kodi"})
        assert kodi.status_code == 200 and kodi.json()["cue_file"]["format"] == "kodi"
        assert kodi.json()["target_format"] == "kodi" and kodi.json()["conversion_needed"] is True

        # The reference's complete flow: right after the import, a batch with no tracklist_id
        # renders the caller's latest tracklist (said in warnings).
        flow = client.post(
            f"{CUE}/generate/batch",
            json={
                "formats": ["cdj", "traktor"],
                "options": {"include_metadata": True, "gap_handling": "auto"},
                "audio_file_path": "/path/to/audio.wav",
            },
        )
        assert flow.status_code == 200, flow.text
        assert flow.json()["successful_files"] == 2 and flow.json()["tracklist_id"] == tracklist_id
        flow_sheet = client.get(f"{CUE}/download/{flow.json()['results'][1]['cue_file_id']}")
        assert flow_sheet.status_code == 200 and b'FILE "audio.wav" WAVE' in flow_sheet.content

        # A WAV of 10 minutes: every track that starts later is named.
        s3 = runtime.aws_client("s3")
        bucket = (
            standard["s3_key"]
            and client.get(f"{CUE}/files/{standard['cue_file_id']}").json()["storage_info"]["bucket"]
        )
        s3.put_object(Bucket=bucket, Key=f"audio/{owner}/matroda.wav", Body=wav_bytes(600))
        report = client.post(
            f"{CUE}/files/{standard['cue_file_id']}/validate",
            json={"audio_file": f"audio/{owner}/matroda.wav"},
        ).json()
        past = next(w for w in report["warnings"] if w["code"] == "TRACKS_PAST_AUDIO_END")
        assert past["tracks"] and min(past["tracks"]) > 1
        assert report["audio"]["duration_seconds"] == pytest.approx(600, abs=0.01)

        assert client.delete(f"{CUE}/files/{standard['cue_file_id']}").status_code == 200
        assert client.get(f"{CUE}/files/{standard['cue_file_id']}").status_code == 404

        # ?async_processing=true: the function invokes itself asynchronously.
        queued = client.post(
            f"{CUE}/generate/{tracklist_id}?async_processing=true",
            json={"formats": ["serato"], "options": {"gap_handling": "estimate"}},
        )
        assert queued.status_code == 202
        job_url = f"{CUE}/jobs/{queued.json()['job_id']}/status"

        def finished() -> dict[str, Any] | None:
            job = client.get(job_url).json()
            return job if job["status"] in ("completed", "failed") else None

        done = _until(finished)
        assert done["status"] == "completed", done

        # A presigned POST of a text tracklist: the trigger makes its CUE.
        upload = client.post(
            f"{CUE}/uploads", json={"filename": "warm-up.txt", "formats": ["standard"]}
        ).json()
        text = b"00:00 Opener - First\n05:30 Second Artist - Second\n11:00 Third - Last\n"
        posted = httpx.post(
            upload["url"], data=upload["fields"], files={"file": ("warm-up.txt", text)}, timeout=30
        )
        assert posted.status_code in (200, 201, 204), posted.text

        def appeared() -> dict[str, Any] | None:
            page = client.get(f"{CUE}/files", params={"limit": "100"}).json()["files"]
            return next((f for f in page if f["filename"].startswith("warm-up")), None)

        new = _until(appeared)
        sheet = client.get(f"{CUE}/download/{new['cue_file_id']}").content
        assert b"INDEX 01 05:30:00" in sheet and b'TITLE "Last"' in sheet
