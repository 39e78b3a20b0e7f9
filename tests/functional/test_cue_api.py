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


def test_missing_cue_times_answer_422_listing_the_tracks(aws):
    body = tracklist_body()
    body["tracks"][2]["start_time"] = None

    status, err, _ = call("POST", "/generate", {"tracklist": body})

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

    # The reference's "auto" estimates too; "preserve" invents no time and leaves track 3 out.
    status, auto, _ = call("POST", "/generate", {"tracklist": body, "options": {"gap_handling": "auto"}})
    assert status == 200 and auto["cue_files"][0]["track_count"] == 6
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

    event = {"source": "tracktion.cue.job", "job_id": job["job_id"]}
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
