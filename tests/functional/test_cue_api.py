"""The CUE API through its Lambda handler with real payload-2.0 events on moto."""

from __future__ import annotations

import hashlib
import json

import boto3
import pytest

from tests.functional.cue_support import call, tracklist_body, wav_bytes
from tests.unit.cue.readers import assert_all_agree, read_all
from tracktion.cue.audio import AudioFileNotFound, duration, resolve


def _s3_keys(aws, prefix: str = "cue/") -> list[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    return [o["Key"] for o in s3.list_objects_v2(Bucket=aws["CUE_BUCKET"], Prefix=prefix).get("Contents", [])]


def _generate(fmt: str = "standard", **body_fields):
    status, body, _ = call("POST", "/generate", {"tracklist": tracklist_body(**body_fields), "format": fmt})
    assert status == 200, body
    return body["cue_files"][0]


def test_generate_stores_the_sheet_then_its_record_and_download_matches_the_checksum(aws):
    made = _generate()

    status, info, _ = call("GET", f"/files/{made['cue_file_id']}")
    assert status == 200
    assert info["checksum"] == f"sha256:{made['sha256']}"
    assert info["storage_info"]["key"] == f"cue/user-1/{made['tracklist_id']}/standard/v1.cue"

    status, data, headers = call("GET", f"/download/{made['cue_file_id']}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/x-cue")
    assert headers["X-File-Version"] == "1" and headers["X-File-Format"] == "standard"
    assert headers["Cache-Control"] == "no-cache"
    assert "attachment" in headers["Content-Disposition"] and ".cue" in headers["Content-Disposition"]
    data = data.encode() if isinstance(data, str) else data
    assert hashlib.sha256(data).hexdigest() == made["sha256"] == info["sha256"]
    assert b"INDEX 01 25:00:00" in data


def test_same_generation_twice_returns_one_file(aws):
    body = {"tracklist": tracklist_body(tracklist_id="tl-fixed"), "format": "kodi"}

    a = call("POST", "/generate", body)[1]["cue_files"][0]
    b = call("POST", "/generate", body)[1]["cue_files"][0]

    assert a["cue_file_id"] == b["cue_file_id"]
    assert a["version"] == 1
    assert len([k for k in _s3_keys(aws, "cue/user-1/tl-fixed/kodi/") if k.endswith(".cue")]) == 1


def test_batch_generates_several_formats_with_companions_downloadable(aws, tmp_path):
    status, body, _ = call(
        "POST",
        "/generate/batch",
        {"tracklist": tracklist_body(), "formats": ["standard", "rekordbox", "cdj"]},
    )
    assert status == 200
    by_format = {f["format"]: f for f in body["cue_files"]}
    assert set(by_format) == {"standard", "rekordbox", "cdj"}
    rb = by_format["rekordbox"]
    assert [c["name"] for c in rb["companions"]] == ["rekordbox.xml"]

    status, xml, headers = call("GET", f"/download/{rb['cue_file_id']}/companions/rekordbox.xml")
    assert status == 200 and headers["Content-Type"] == "application/xml"
    assert "POSITION_MARK" in (xml if isinstance(xml, str) else xml.decode())

    # What users download is what the independent parsers read, to the frame.
    expected = [i * 300 * 75 for i in range(6)]
    for fmt, made in by_format.items():
        data = call("GET", f"/download/{made['cue_file_id']}")[1]
        path = tmp_path / f"{fmt}.cue"
        path.write_bytes(data if isinstance(data, bytes) else data.encode(made["encoding"]))
        readings = read_all([path], made["encoding"])[path]
        assert_all_agree(path, readings, expected, [f"Track {i + 1}" for i in range(6)])


def test_missing_cue_times_answer_422_listing_the_tracks_when_gap_handling_is_error(aws):
    body = tracklist_body()
    body["tracks"][2]["start_time"] = None

    status, err, _ = call("POST", "/generate", {"tracklist": body, "options": {"gap_handling": "error"}})

    assert status == 422
    assert err["error_code"] == "CUE_GENERATION_FAILED"
    assert err["details"]["reason"] == "CUE_TIMES_MISSING"
    assert err["details"]["tracks"] == [3]
    assert _s3_keys(aws) == []

    status, ok, _ = call("POST", "/generate", {"tracklist": body, "options": {"gap_handling": "estimate"}})
    assert status == 200
    assert ok["cue_files"][0]["warnings"][0]["tracks"] == [3]
    estimated = ok["validation_report"]["warnings"][0]
    assert estimated["type"] == "timing_warning" and estimated["code"] == "START_ESTIMATED"

    # The reference's "auto" (the default) estimates too; "preserve" invents no time and leaves
    # track 3 out.
    status, auto, _ = call("POST", "/generate", {"tracklist": body})
    assert status == 200 and auto["cue_files"][0]["track_count"] == 6
    assert auto["cue_files"][0]["options"]["gap_handling"] == "auto"
    status, kept, _ = call("POST", "/generate", {"tracklist": body, "options": {"gap_handling": "preserve"}})
    assert status == 200 and kept["cue_files"][0]["track_count"] == 5
    assert kept["cue_files"][0]["warnings"][0]["code"] == "START_MISSING_LEFT_OUT"


def test_unknown_format_answers_400_with_the_supported_ones(aws):
    status, err, _ = call("POST", "/generate", {"tracklist": tracklist_body(), "format": "winamp"})

    assert status == 400
    assert err["error_code"] == "INVALID_FORMAT"
    assert err["details"]["reason"] == "UNSUPPORTED_FORMAT"
    assert "kodi" in err["details"]["supported"]


def test_regenerate_makes_v2_and_keeps_v1(aws):
    made = _generate()

    status, body, _ = call("POST", f"/files/{made['cue_file_id']}/regenerate", {})
    assert status == 200
    assert body["cue_file_id"] == body["cue_files"][0]["id"]
    v2 = body["cue_files"][0]
    assert v2["version"] == 2 and v2["cue_file_id"] != made["cue_file_id"]
    assert v2["s3_key"].endswith("/standard/v2.cue")
    assert call("GET", f"/download/{made['cue_file_id']}")[0] == 200


def test_convert_writes_the_target_format_from_the_same_tracklist(aws):
    made = _generate(title='Quote "Night" Set')

    status, body, _ = call("POST", f"/files/{made['cue_file_id']}/convert", {"target_format": "cdj"})

    assert status == 200
    assert body["cue_file"]["format"] == "cdj"
    assert body["cue_file"]["tracklist_id"] == made["tracklist_id"]
    assert "text re-encoded from utf-8 to latin-1" in body["conversion"]["changes"]
    data = call("GET", f"/download/{body['cue_file']['cue_file_id']}")[1]
    data = data if isinstance(data, bytes) else data.encode("latin-1")
    assert b"TITLE \"Quote 'Night' Set\"" in data


def test_validate_against_a_shorter_wav_names_the_tracks_past_its_end(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key="incoming/user-1/mix.wav", Body=wav_bytes(1000))
    made = _generate()  # 6 tracks, 5 minutes apart: tracks 5 and 6 start after 1000 s

    status, report, _ = call(
        "POST",
        "/validate",
        {"tracklist": tracklist_body(), "format": "standard", "audio_file": "incoming/user-1/mix.wav"},
    )
    assert status == 200
    assert report["valid"] is True
    assert report["audio"]["duration_seconds"] == pytest.approx(1000, abs=0.01)
    past = next(w for w in report["warnings"] if w["code"] == "TRACKS_PAST_AUDIO_END")
    assert past["tracks"] == [5, 6]

    uri = f"s3://{aws['CUE_BUCKET']}/incoming/user-1/mix.wav"
    status, report, _ = call("POST", f"/files/{made['cue_file_id']}/validate", {"audio_file": uri})
    assert status == 200
    assert next(w for w in report["warnings"] if w["code"] == "TRACKS_PAST_AUDIO_END")["tracks"] == [5, 6]


def test_audio_of_another_user_or_bucket_is_a_404(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key="incoming/user-2/mix.wav", Body=wav_bytes(10))

    for ref in (
        "incoming/user-2/mix.wav",
        "s3://someone-elses-bucket/incoming/user-1/mix.wav",
        "cue/user-1/x.wav",
    ):
        status, err, _ = call("POST", "/validate", {"tracklist": tracklist_body(), "audio_file": ref})
        assert status == 404, ref
        assert err["error_code"] == "RESOURCE_NOT_FOUND"


def test_soft_delete_hides_and_hard_delete_removes_sheet_and_record(aws):
    soft = _generate()
    status, _, _ = call("DELETE", f"/files/{soft['cue_file_id']}")
    assert status == 200
    assert call("GET", f"/files/{soft['cue_file_id']}")[0] == 404
    assert call("GET", f"/download/{soft['cue_file_id']}")[0] == 404
    assert soft["s3_key"] in _s3_keys(aws)  # soft: the object stays
    assert call("GET", "/files")[1]["total"] == 0

    hard = _generate(fmt="rekordbox")
    status, _, _ = call("DELETE", f"/files/{hard['cue_file_id']}", query={"soft_delete": "false"})
    assert status == 200
    assert hard["s3_key"] not in _s3_keys(aws)
    assert not any(k.startswith(hard["s3_key"][: -len(".cue")] + "/") for k in _s3_keys(aws))
    versions = boto3.client("s3", region_name="us-east-1").list_object_versions(
        Bucket=aws["CUE_BUCKET"], Prefix=hard["s3_key"]
    )
    assert not versions.get("Versions")
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["CUE_TABLE"])
    assert "Item" not in table.get_item(Key={"pk": f"CUEFILE#{hard['cue_file_id']}", "sk": "FILE"})


def test_another_users_file_is_a_404_everywhere(aws):
    made = _generate()
    fid = made["cue_file_id"]

    for method, path, body in [
        ("GET", f"/files/{fid}", None),
        ("GET", f"/download/{fid}", None),
        ("DELETE", f"/files/{fid}", None),
        ("POST", f"/files/{fid}/regenerate", {}),
        ("POST", f"/files/{fid}/convert", {"target_format": "kodi"}),
        ("POST", f"/files/{fid}/validate", {}),
    ]:
        status, err, _ = call(method, path, body, user="user-2")
        assert status == 404, (method, path)
        assert err["error_code"] == "RESOURCE_NOT_FOUND"
    assert call("GET", f"/files/{fid}")[0] == 200


def test_list_filters_and_pages_with_limit_and_offset(aws):
    for fmt in ("standard", "kodi", "serato"):
        _generate(fmt=fmt, tracklist_id="tl-a")
    _generate(fmt="standard", tracklist_id="tl-b")

    status, page, _ = call("GET", "/files", query={"limit": "2", "offset": "0"})
    assert status == 200 and page["total"] == 4 and len(page["files"]) == 2 and page["has_more"]
    rest = call("GET", "/files", query={"limit": "2", "offset": "2"})[1]
    assert {f["cue_file_id"] for f in page["files"]}.isdisjoint({f["cue_file_id"] for f in rest["files"]})
    assert not rest["has_more"]
    assert call("GET", "/files", query={"format": "standard"})[1]["total"] == 2
    assert call("GET", "/files", query={"tracklist_id": "tl-a"})[1]["total"] == 3
    assert call("GET", "/files", user="user-2")[1]["total"] == 0
    assert call("GET", "/files", query={"limit": "500"})[0] == 422


def test_formats_capabilities_and_conversion_preview(aws):
    status, body, _ = call("GET", "/formats")
    assert status == 200
    assert body == [
        "standard",
        "cdj",
        "rekordbox",
        "traktor",
        "serato",
        "kodi",
    ]

    caps = call("GET", "/formats/cdj/capabilities")[1]
    assert caps["encoding"] == "ISO-8859-1"
    assert caps["limits"] == {
        "max_text_length": 80,
        "max_tracks_per_disc": 99,
        "max_disc_length": "79:57:00",
        "min_track_length_seconds": 4.0,
    }
    assert caps["target_reads_cue_files"] is False
    assert call("GET", "/formats/winamp/capabilities")[0] == 400

    status, preview, headers = call(
        "GET", "/formats/conversion-preview", query={"source_format": "standard", "target_format": "kodi"}
    )
    assert status == 200 and all(isinstance(line, str) for line in preview)
    assert headers["X-Conversion-Lossless"] == "false"
    assert "Not carried by kodi: comment (REM COMMENT)" in preview


def test_cache_counts_real_hits_and_misses_and_clears_by_pattern(aws):
    body = {"tracklist": tracklist_body(tracklist_id="tl-c"), "format": "standard"}
    call("POST", "/generate", body)  # miss: rendered and cached
    call("POST", "/validate", {**body})  # validation renders without the cache
    call("POST", "/generate", {**body, "format": "kodi"})  # miss

    stats = call("GET", "/cache/stats")[1]
    assert (stats["hits"], stats["misses"], stats["entries"]) == (0, 2, 2)

    call(
        "DELETE",
        "/files/" + call("GET", "/files")[1]["files"][0]["cue_file_id"],
        query={"soft_delete": "false"},
    )
    call("POST", "/generate", body)  # its file was removed: made anew, the sheet comes from the cache
    call("POST", "/generate", {**body, "format": "kodi"})
    stats = call("GET", "/cache/stats")[1]
    assert stats["hits"] == 1 and stats["entries_by_format"] == {"standard": 1, "kodi": 1}

    status, cleared, _ = call("DELETE", "/cache/clear", query={"pattern": "*#kodi#*"})
    assert status == 200 and cleared["cleared"] == 1
    assert call("GET", "/cache/stats")[1]["entries"] == 1
    assert call("GET", "/cache/stats", user="user-2")[1]["entries"] == 0


def test_generate_async_answers_202_and_the_job_completes_when_lambda_runs_it(aws, monkeypatch):
    from moto.core.config import default_user_config

    # moto's Lambda without containers: the asynchronous invoke is accepted, as AWS would.
    monkeypatch.setitem(default_user_config, "lambda", {"use_docker": False})
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-cue-test")
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="cue", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName="tracktion-cue-test",
        Runtime="python3.11",
        Role=role,
        Handler="x.h",
        Code={"ZipFile": b"x"},
    )

    status, job, _ = call(
        "POST",
        "/generate",
        {"tracklist": tracklist_body(), "format": "kodi"},
        query={"async_processing": "true"},
    )
    assert status == 202
    assert job["status"] == "queued"
    assert call("GET", f"/jobs/{job['job_id']}/status")[1]["status"] == "queued"
    assert call("GET", f"/jobs/{job['job_id']}/status", user="user-2")[0] == 404

    from cue_api.handler import lambda_handler
    from tests.conftest import FakeContext

    event = {"tracktion_job": {"kind": "cue.job", "payload": {"job_id": job["job_id"]}}}
    assert lambda_handler(event, FakeContext())["status"] == "completed"
    assert lambda_handler(event, FakeContext())["status"] == "skipped"  # a repeated delivery

    done = call("GET", f"/jobs/{job['job_id']}/status")[1]
    assert done["status"] == "completed"
    (fid,) = done["result"]["cue_file_ids"]
    assert call("GET", f"/download/{fid}")[0] == 200


def test_generate_async_without_a_reachable_function_fails_clearly(aws, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-cue-missing")

    status, err, _ = call(
        "POST", "/generate", {"tracklist": tracklist_body()}, query={"async_processing": "true"}
    )

    assert status == 503 and err["retry_after"] == 5


def test_stored_tracklist_generates_and_another_users_is_404(aws):
    from tracktion.tracklists.model import Tracklist
    from tracktion.tracklists.store import TracklistStore

    t = TracklistStore().create(Tracklist.model_validate({**tracklist_body(), "owner_id": "user-1"}))

    status, body, _ = call("POST", f"/generate/{t.tracklist_id}", {"formats": ["standard", "traktor"]})
    assert status == 200 and len(body["cue_files"]) == 2
    assert all(f["tracklist_version"] == 1 for f in body["cue_files"])
    assert call("POST", f"/generate/{t.tracklist_id}", {}, user="user-2")[0] == 404

    warm = call("POST", "/cache/warm", {"tracklist_ids": [t.tracklist_id], "formats": ["cdj"]})[1]
    assert warm["warmed"] == 1


def test_presigned_upload_is_limited_to_the_callers_incoming_prefix(aws):
    status, up, _ = call("POST", "/uploads", {"filename": "my set.txt", "formats": ["standard", "kodi"]})

    assert status == 201
    assert up["key"].startswith("incoming/user-1/") and up["key"].endswith("/my_set.txt")
    policy = json.loads(__import__("base64").b64decode(up["fields"]["policy"]))
    assert ["starts-with", "$key", "incoming/user-1/"] in policy["conditions"]
    assert up["fields"]["x-amz-meta-formats"] == "standard,kodi"


def test_wav_duration_is_read_from_a_few_ranges_not_the_whole_object(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    data = wav_bytes(600, rate=8000)  # ~9.6 MB
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key="audio/user-1/long.wav", Body=data)

    info = duration("audio/user-1/long.wav", "user-1")

    assert info.duration_seconds == pytest.approx(600, abs=0.01)
    assert info.bytes_read < len(data) // 20


def test_only_the_callers_prefixes_in_our_bucket_resolve(aws):
    bucket = aws["CUE_BUCKET"]
    assert resolve(f"s3://{bucket}/incoming/user-1/a.wav", "user-1") == "incoming/user-1/a.wav"
    for bad in (
        "incoming/user-2/a.wav",
        "incoming/user-1/../user-2/a.wav",
        "s3://other/incoming/user-1/a.wav",
    ):
        with pytest.raises(AudioFileNotFound):
            resolve(bad, "user-1")


def test_a_sheet_changed_behind_our_back_is_refused_not_served(aws):
    made = _generate()
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key=made["s3_key"], Body=b'FILE "evil.wav" WAVE\n')

    status, err, _ = call("GET", f"/download/{made['cue_file_id']}")

    assert status == 500
    assert err["error_code"] == "STORAGE_ERROR"
    assert err["details"]["reason"] == "CHECKSUM_MISMATCH"


def test_a_generation_that_loses_the_race_returns_the_winners_file_and_removes_its_own(aws):
    # moto's in-process DynamoDB does not serialise threads, so the race is staged in order: the
    # loser read "no claim yet" before the winner committed, then tries to commit its own file.
    from tracktion.cue import files
    from tracktion.cue.options import CueOptions
    from tracktion.tracklists.model import Tracklist

    t = Tracklist.model_validate({**tracklist_body(tracklist_id="tl-race"), "owner_id": "user-1"})
    (winner,) = files.generate_files(t, ["standard"])

    loser = files._generate_one(t, "standard", CueOptions(), new_version=False, claim=(None, None))

    assert loser.cue_file_id == winner.cue_file_id
    assert [k for k in _s3_keys(aws, "cue/user-1/tl-race/") if k.endswith(".cue")] == [winner.s3_key]
    assert call("GET", "/files", query={"tracklist_id": "tl-race"})[1]["total"] == 1
    assert files.generate_files(t, ["standard"])[0].cue_file_id == winner.cue_file_id


def test_regenerate_picks_up_edits_to_the_stored_tracklist(aws):
    from tracktion.tracklists.model import Tracklist
    from tracktion.tracklists.store import TracklistStore

    store = TracklistStore()
    t = store.create(Tracklist.model_validate({**tracklist_body(), "owner_id": "user-1"}))
    (v1,) = call("POST", f"/generate/{t.tracklist_id}", {"formats": ["kodi"]})[1]["cue_files"]
    edited = t.model_copy(deep=True)
    edited.tracks[1].title = "Renamed"
    store.save(edited, expected_version=1)

    status, body, _ = call("POST", f"/files/{v1['cue_file_id']}/regenerate", {})

    assert status == 200
    v2 = body["cue_files"][0]
    assert (v2["version"], v2["tracklist_version"]) == (2, 2)
    sheet = call("GET", f"/download/{v2['cue_file_id']}")[1]
    assert 'TITLE "Renamed"' in (sheet if isinstance(sheet, str) else sheet.decode())


def test_a_job_whose_invocation_died_reads_as_failed(aws):
    from tracktion.cue.jobs import CueJob

    job = CueJob(
        job_id="job-stuck",
        owner_id="user-1",
        status="processing",
        request={"formats": ["standard"]},
        created_at="2026-11-22T07:00:00Z",
        updated_at="2026-11-22T07:00:00Z",
    )
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["CUE_TABLE"])
    table.put_item(
        Item={"pk": "CUEJOB#job-stuck", "sk": "JOB", "owner_id": "user-1", "body": job.model_dump_json()}
    )

    status, body, _ = call("GET", "/jobs/job-stuck/status")

    assert status == 200
    assert body["status"] == "failed" and body["error"]["error_code"] == "JOB_TIMED_OUT"


def test_cdj_sheet_in_latin_1_downloads_byte_for_byte(aws):
    """cdj sheets are Latin-1 (CD-TEXT), so the download is not UTF-8 text: it must still
    arrive intact and match its checksum."""
    body = {"tracklist": tracklist_body(title="Kölsch b2b Åsa", djs=["Kölsch"]), "format": "cdj"}
    status, made, _ = call("POST", "/generate", body)
    assert status == 200
    cue = made["cue_files"][0]

    status, data, headers = call("GET", f"/download/{cue['cue_file_id']}")

    assert status == 200, data
    assert isinstance(data, bytes)
    assert hashlib.sha256(data).hexdigest() == cue["sha256"]
    assert "Kölsch".encode("latin-1") in data
    assert headers["X-File-Format"] == "cdj"


# ---------------------------------------------------------------- the reference's examples, literally

from tests.functional.cue_support import (  # noqa: E402
    REF_BATCH,
    REF_CONVERT,
    REF_FLOW_BATCH,
    REF_GENERATE,
    REF_GENERATE_STORED,
    REF_REGENERATE,
    REF_VALIDATE,
    REF_VALIDATE_FILE,
    REF_WARM,
    assert_types,
    store_tracklist,
)

GENERATE_FIELDS = {
    "success": bool,
    "job_id": str,
    "cue_file_id": str,
    "file_path": str,
    "validation_report": dict,
    "error": None,
    "processing_time_ms": int,
}
REPORT_FIELDS = {"valid": bool, "error": (str, None), "warnings": list, "metadata": dict}
FILE_FIELDS = {
    "id": str,
    "tracklist_id": str,
    "format": str,
    "file_path": str,
    "file_size": int,
    "checksum": str,
    "created_at": str,
    "updated_at": str,
    "version": int,
    "is_active": bool,
    "metadata": dict,
    "storage_info": dict,
}
VALIDATION_FIELDS = {
    "cue_file_id": (str, None),
    "format": str,
    "file_path": (str, None),
    "validation_timestamp": str,
    "valid": bool,
    "errors": list,
    "warnings": list,
    "metadata": dict,
    "processing_time_ms": int,
    "recommendations": list,
}
VALIDATION_METADATA = {
    "file_size": (int, None),
    "checksum": (str, None),
    "version": (int, None),
    "audio_duration": (int, None),
    "tracklist_duration": (int, None),
}


def _sheet(fid: str) -> bytes:
    status, data, headers = call("GET", f"/download/{fid}")
    assert status == 200, data
    return data if isinstance(data, bytes) else data.encode(headers.get("X-Encoding", "utf-8"))


def _fields(warnings: list[dict]) -> set[str]:
    return {w.get("field") for w in warnings}


def test_reference_generate_without_a_tracklist_renders_the_callers_latest_and_says_so(aws):
    from tracktion.tracklists.store import TracklistStore

    older = store_tracklist(title="Older Set")
    store_tracklist(title="Newer Set")
    TracklistStore().save(older.model_copy(update={"title": "Older Set, edited"}), expected_version=1)

    status, body, _ = call("POST", "/generate", REF_GENERATE)

    assert status == 200, body
    assert_types(body, GENERATE_FIELDS)
    assert body["success"] is True and body["error"] is None
    assert_types(body["validation_report"], REPORT_FIELDS, "validation_report.")
    assert body["validation_report"]["valid"] is True
    assert body["file_path"].startswith("s3://") and body["file_path"].endswith("/standard/v1.cue")
    assert body["tracklist_id"] == older.tracklist_id  # the most recently updated one
    chosen = next(w for w in body["warnings"] if w["type"] == "tracklist_chosen")
    assert older.tracklist_id in chosen["message"] and chosen["field"] == "tracklist_id"
    assert body["download_url"].endswith(body["cue_file_id"]) and len(body["cue_files"]) == 1
    # audio_file_path names the sheet's FILE; include_metadata keeps the REM lines.
    sheet = _sheet(body["cue_file_id"])
    assert b'FILE "audio.wav" WAVE' in sheet and b"REM GENRE" in sheet

    # The job_id is a real job: its status is the reference's.
    status, job, _ = call("GET", f"/jobs/{body['job_id']}/status")
    assert status == 200
    assert_types(
        job,
        {
            "job_id": str,
            "status": str,
            "job_type": str,
            "service_name": str,
            "progress": int,
            "total_items": int,
            "result": dict,
            "error_message": None,
            "started_at": str,
            "completed_at": str,
            "created_at": str,
            "timestamp": str,
        },
    )
    assert (job["status"], job["job_type"], job["progress"], job["total_items"]) == (
        "completed",
        "cue_generation",
        100,
        1,
    )
    assert job["result"]["cue_file_id"] == body["cue_file_id"]
    assert job["result"]["file_path"] == body["file_path"]


def test_reference_generate_with_no_tracklist_at_all_names_the_missing_field(aws):
    status, err, _ = call("POST", "/generate", REF_GENERATE)

    assert status == 422
    assert err["error_code"] == "REQUIRED_FIELD_MISSING"
    assert err["details"]["field"] == "tracklist_id"


def test_reference_generate_for_a_stored_tracklist_in_cdj_makes_a_cdj_sheet(aws):
    t = store_tracklist()

    status, body, _ = call("POST", f"/generate/{t.tracklist_id}", REF_GENERATE_STORED)

    assert status == 200, body
    assert_types(body, GENERATE_FIELDS)
    assert body["cue_files"][0]["format"] == "cdj"
    assert "/cdj/v1.cue" in body["file_path"]
    status, _data, headers = call("GET", f"/download/{body['cue_file_id']}")
    assert headers["X-File-Format"] == "cdj"
    # What a CUE sheet cannot carry, or audio a Lambda cannot read, is named, not dropped.
    assert {"options.cdj_version", "options.memory_cue_points", "validate_audio"} <= _fields(body["warnings"])
    assert all(w["type"] == "option_ignored" for w in body["warnings"])


def test_reference_generate_checks_uploaded_audio_when_asked(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key="audio/user-1/mix.wav", Body=wav_bytes(1000))
    t = store_tracklist()

    body = {
        **REF_GENERATE_STORED,
        "format": "standard",
        "audio_file_path": "audio/user-1/mix.wav",
        "options": {},
    }
    status, made, _ = call("POST", f"/generate/{t.tracklist_id}", body)

    assert status == 200, made
    report = made["validation_report"]
    assert report["metadata"]["audio_duration"] == pytest.approx(1000, abs=0.01)
    past = next(w for w in report["warnings"] if w["code"] == "TRACKS_PAST_AUDIO_END")
    assert past["tracks"] == [5, 6] and past["type"] == "timing_warning" and past["severity"] == "warning"
    assert b'FILE "mix.wav" WAVE' in _sheet(made["cue_file_id"])


def test_reference_batch_after_an_import_makes_every_format(aws):
    t = store_tracklist()

    for body in (REF_BATCH, REF_FLOW_BATCH):
        status, batch, _ = call("POST", "/generate/batch", body)
        assert status == 200, batch
        assert_types(
            batch,
            {
                "success": bool,
                "results": list,
                "total_files": int,
                "successful_files": int,
                "failed_files": int,
                "processing_time_ms": int,
            },
        )
        assert batch["success"] is True and batch["tracklist_id"] == t.tracklist_id
        assert [r["format"] for r in batch["results"]] == body["formats"]
        assert (batch["total_files"], batch["successful_files"], batch["failed_files"]) == (
            len(body["formats"]),
            len(body["formats"]),
            0,
        )
        for r in batch["results"]:
            assert_types(
                r, {"format": str, "success": bool, "cue_file_id": str, "file_path": str, "error": None}
            )
            assert _sheet(r["cue_file_id"]).count(b"TRACK ") == 6


def test_batch_reports_a_format_that_cannot_be_made_beside_the_ones_that_were(aws):
    # One 83-minute track: a standard sheet holds it, an audio CD (cdj) cannot.
    long = tracklist_body(n=2, spacing=5000)
    status, batch, _ = call("POST", "/generate/batch", {"tracklist": long, "formats": ["standard", "cdj"]})

    assert status == 200
    assert batch["success"] is True
    assert (batch["total_files"], batch["successful_files"], batch["failed_files"]) == (2, 1, 1)
    ok, failed = batch["results"]
    assert ok["success"] is True and ok["error"] is None
    assert failed["success"] is False and failed["cue_file_id"] is None and failed["file_path"] is None
    assert failed["error_code"] == "CUE_GENERATION_FAILED"
    assert failed["details"]["reason"] == "TRACK_TOO_LONG_FOR_DISC" and failed["error"]


def test_async_generation_answers_202_with_the_job_and_the_generate_fields(aws, monkeypatch):
    from moto.core.config import default_user_config

    monkeypatch.setitem(default_user_config, "lambda", {"use_docker": False})
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tracktion-cue-test")
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="cue", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName="tracktion-cue-test",
        Runtime="python3.11",
        Role=role,
        Handler="x.h",
        Code={"ZipFile": b"x"},
    )
    store_tracklist()

    status, job, _ = call("POST", "/generate/batch", REF_BATCH, query={"async_processing": "true"})

    assert status == 202, job
    assert (job["status"], job["job_type"], job["total_items"], job["progress"]) == (
        "queued",
        "cue_generation",
        3,
        0,
    )
    assert job["success"] is True and job["cue_file_id"] is None and job["result"] is None
    assert job["status_url"] == f"/api/v1/cue/jobs/{job['job_id']}/status"

    from cue_api.handler import lambda_handler
    from tests.conftest import FakeContext

    event = {"tracktion_job": {"kind": "cue.job", "payload": {"job_id": job["job_id"]}}}
    assert lambda_handler(event, FakeContext())["status"] == ("completed")
    done = call("GET", f"/jobs/{job['job_id']}/status")[1]
    assert done["status"] == "completed" and done["progress"] == 100
    assert done["result"]["successful_files"] == 3 and done["result"]["cue_file_id"]
    assert done["result"]["file_path"].startswith("s3://")


def test_reference_file_record_list_and_delete(aws):
    t = store_tracklist()
    made = call("POST", f"/generate/{t.tracklist_id}", {"format": "standard"})[1]
    fid = made["cue_file_id"]

    status, info, _ = call("GET", f"/files/{fid}")
    assert status == 200
    assert_types(info, FILE_FIELDS)
    assert info["id"] == info["cue_file_id"] == fid
    assert info["checksum"].startswith("sha256:") and info["is_active"] is True
    assert info["metadata"]["total_tracks"] == 6 and info["metadata"]["total_duration"] == "00:30:00"
    assert info["storage_info"]["backend"] == "s3" and info["storage_info"]["accessible"] is True
    assert info["storage_info"]["verified"] is True
    assert made["cue_files"][0]["id"] == fid  # one view everywhere

    status, page, _ = call(
        "GET", "/files", query={"tracklist_id": t.tracklist_id, "limit": "20", "offset": "0"}
    )
    assert status == 200
    assert_types(page, {"files": list, "pagination": dict, "filters": dict})
    assert page["pagination"] == {"limit": 20, "offset": 0, "total": 1, "has_more": False, "returned": 1}
    assert page["filters"] == {"tracklist_id": t.tracklist_id, "format": None}
    assert_types(page["files"][0], FILE_FIELDS, "files[0].")

    status, gone, _ = call("DELETE", f"/files/{fid}", query={"soft_delete": "true"})
    assert status == 200
    assert_types(
        gone, {"success": bool, "cue_file_id": str, "deletion_type": str, "deleted_at": str, "message": str}
    )
    assert gone["deletion_type"] == "soft" and gone["message"] == "CUE file soft deleted successfully"
    assert made["file_path"].endswith(made["cue_files"][0]["s3_key"])

    # A soft-deleted file can still be removed for good, S3 object included.
    status, hard, _ = call("DELETE", f"/files/{fid}", query={"soft_delete": "false"})
    assert status == 200 and hard["deletion_type"] == "hard"
    assert made["cue_files"][0]["s3_key"] not in _s3_keys(aws)


def test_reference_regenerate_honours_its_options(aws):
    body = tracklist_body()
    body["tracks"][2]["start_time"] = None
    made = call("POST", "/generate", {"tracklist": body, "options": {"gap_handling": "estimate"}})[1]

    status, again, _ = call("POST", f"/files/{made['cue_file_id']}/regenerate", REF_REGENERATE)

    assert status == 200, again
    assert_types(again, GENERATE_FIELDS)
    v2 = again["cue_files"][0]
    assert v2["version"] == 2 and v2["options"]["gap_handling"] == "preserve"
    assert v2["track_count"] == 5  # preserve invents no start: track 3 is left out
    status, bare, _ = call("POST", f"/files/{made['cue_file_id']}/regenerate", {"include_metadata": False})
    assert status == 200 and b"REM GENRE" not in _sheet(bare["cue_file_id"])


def test_reference_validate_file_with_its_options(aws):
    made = _generate()
    status, report, _ = call("POST", f"/files/{made['cue_file_id']}/validate", REF_VALIDATE_FILE)

    assert status == 200, report
    assert_types(report, VALIDATION_FIELDS)
    assert_types(report["metadata"], VALIDATION_METADATA, "metadata.")
    assert report["cue_file_id"] == made["cue_file_id"] and report["format"] == "standard"
    assert report["metadata"]["version"] == 1 and report["metadata"]["tracklist_duration"] == 1800
    for w in report["warnings"]:
        assert_types(w, {"type": str, "message": str, "severity": str})
    # check_file_references: the sheet's FILE is not the audio named; the path itself is not readable here.
    codes = {w.get("code") for w in report["warnings"]}
    assert "FILE_REFERENCE_MISMATCH" in codes
    assert "audio_file_path" in _fields(report["warnings"])
    assert report["valid"] is True and report["recommendations"]

    # strict_timing makes the timing findings errors.
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key="incoming/user-1/short.wav", Body=wav_bytes(1000))
    strict = {"audio_file_path": "incoming/user-1/short.wav", "validation_options": {"strict_timing": True}}
    status, report, _ = call("POST", f"/files/{made['cue_file_id']}/validate", strict)
    assert status == 200 and report["valid"] is False
    past = next(e for e in report["errors"] if e["code"] == "TRACKS_PAST_AUDIO_END")
    assert (past["severity"], past["type"]) == ("error", "timing_error")
    assert report["metadata"]["audio_duration"] == pytest.approx(1000, abs=0.01)


def test_reference_validate_tracklist(aws):
    status, err, _ = call("POST", "/validate", REF_VALIDATE)  # the reference's id is not ours
    assert status == 404 and err["error_code"] == "RESOURCE_NOT_FOUND"

    t = store_tracklist()
    status, report, _ = call("POST", "/validate", {**REF_VALIDATE, "tracklist_id": t.tracklist_id})
    assert status == 200, report
    assert_types(report, VALIDATION_FIELDS)
    assert_types(report["metadata"], VALIDATION_METADATA, "metadata.")
    assert report["cue_file_id"] is None and report["valid"] is True
    assert report["metadata"]["checksum"].startswith("sha256:") and report["metadata"]["file_size"] > 0

    body = tracklist_body()
    body["tracks"][2]["start_time"] = None
    lax = {"tracklist": body, "options": {"gap_handling": "estimate"}}
    assert call("POST", "/validate", lax)[1]["valid"] is True
    strict = {**lax, "validation_options": {"strict_mode": True}}
    status, report, _ = call("POST", "/validate", strict)
    assert status == 200 and report["valid"] is False
    assert report["errors"][0]["code"] == "START_ESTIMATED" and report["errors"][0]["severity"] == "error"


def test_reference_convert(aws):
    made = _generate()

    status, conv, _ = call("POST", f"/files/{made['cue_file_id']}/convert", REF_CONVERT)

    assert status == 200, conv
    assert_types(
        conv,
        {
            "success": bool,
            "cue_file_id": str,
            "source_cue_file_id": str,
            "source_format": str,
            "target_format": str,
            "conversion_needed": bool,
            "warnings": list,
            "errors": list,
            "metadata": dict,
            "file_path": str,
            "file_size": int,
            "checksum": str,
            "version": int,
            "processing_time_ms": int,
            "recommendations": list,
        },
    )
    assert (conv["source_format"], conv["target_format"], conv["conversion_needed"]) == (
        "standard",
        "cdj",
        True,
    )
    assert conv["metadata"] == {
        "preserve_metadata": True,
        "conversion_options": REF_CONVERT["conversion_options"],
    }
    assert conv["recommendations"][0] == "Successfully converted from standard to cdj"
    assert {"conversion_options.cdj_version", "conversion_options.generate_memory_cues"} <= _fields(
        conv["warnings"]
    )
    assert any(w["type"] == "conversion_warning" for w in conv["warnings"])
    assert b"REM GENRE" in _sheet(conv["cue_file_id"])

    status, bare, _ = call(
        "POST", f"/files/{made['cue_file_id']}/convert", {"target_format": "kodi", "preserve_metadata": False}
    )
    assert status == 200 and b"REM GENRE" not in _sheet(bare["cue_file_id"])


def test_reference_formats_and_capabilities(aws):
    status, caps, _ = call("GET", "/formats/cdj/capabilities")
    assert status == 200
    assert_types(caps, {"format": str, "features": list, "limitations": list, "metadata_support": dict})
    assert "max_tracks_99" in caps["limitations"]
    assert {k: caps["metadata_support"][k] for k in ("artist", "title", "remix", "bpm", "key")} == {
        "artist": True,
        "title": True,
        "remix": True,
        "bpm": False,
        "key": False,
    }
    assert "memory_cue_points" in call("GET", "/formats/rekordbox/capabilities")[1]["features"]
    status, err, _ = call("GET", "/formats/winamp/capabilities")
    assert status == 400 and err["error_code"] == "INVALID_FORMAT"


def test_reference_cache_stats_warm_and_clear(aws):
    mine = store_tracklist()
    theirs = store_tracklist(user="user-2")

    status, warm, _ = call("POST", "/cache/warm", REF_WARM)
    assert status == 200
    assert_types(
        warm,
        {
            "success": bool,
            "tracklists_processed": int,
            "formats_cached": int,
            "total_entries_created": int,
            "processing_time_ms": int,
            "cache_hit_improvement": float,
        },
    )
    assert warm["success"] is False and warm["not_found"] == REF_WARM["tracklist_ids"]

    body = {**REF_WARM, "tracklist_ids": [mine.tracklist_id, theirs.tracklist_id]}
    warm = call("POST", "/cache/warm", body)[1]
    assert (warm["tracklists_processed"], warm["formats_cached"], warm["total_entries_created"]) == (1, 2, 2)
    assert warm["not_found"] == [theirs.tracklist_id] and warm["success"] is False
    assert warm["cache_hit_improvement"] == 1.0
    assert call("GET", "/cache/stats", user="user-2")[1]["cached_items"] == 0  # never warmed for them

    call("POST", f"/generate/{mine.tracklist_id}", {"format": "cdj"})  # a hit: warmed
    call("POST", f"/generate/{mine.tracklist_id}", {"format": "kodi"})  # a miss
    status, stats, _ = call("GET", "/cache/stats")
    assert status == 200
    assert_types(
        stats,
        {
            "hit_rate": float,
            "total_requests": int,
            "cache_hits": int,
            "cache_misses": int,
            "cached_items": int,
            "cache_size_mb": float,
            "memory_usage": dict,
            "popular_formats": dict,
        },
    )
    assert (stats["cache_hits"], stats["cache_misses"], stats["total_requests"]) == (1, 1, 2)
    assert stats["hit_rate"] == 0.5 and stats["cached_items"] == 3
    assert stats["popular_formats"] == {"cdj": 1, "kodi": 1}
    usage = stats["memory_usage"]
    assert_types(usage, {"used_mb": float, "available_mb": float, "utilization": float}, "memory_usage.")
    assert usage["used_mb"] == stats["cache_size_mb"] > 0
    assert usage["available_mb"] == pytest.approx(usage["budget_mb"] - usage["used_mb"], abs=1e-3)

    status, cleared, _ = call("DELETE", "/cache/clear", query={"pattern": "cue:*"})
    assert status == 200
    assert_types(
        cleared, {"success": bool, "cleared_entries": int, "pattern": str, "message": str, "timestamp": str}
    )
    assert (cleared["cleared_entries"], cleared["pattern"]) == (3, "cue:*")
    assert cleared["message"] == "Cleared 3 cache entries"


def test_inline_times_beyond_48_hours_are_refused_naming_the_field(aws):
    body = tracklist_body()
    body["tracks"][1]["start_time"] = 49 * 3600

    status, err, _ = call("POST", "/generate", {"tracklist": body})

    assert status == 422 and err["error_code"] == "VALIDATION_ERROR"
    assert any("start_time" in e["loc"] for e in err["details"]["errors"])
