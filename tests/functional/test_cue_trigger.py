"""A tracklist dropped into incoming/{owner}/ becomes CUE files through the cue-trigger function."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from tests.conftest import OWN_FIXTURES, FakeContext
from tests.functional.cue_support import call, tracklist_body
from tests.unit.cue.readers import assert_all_agree, read_all

TEXT = (OWN_FIXTURES / "cue" / "warehouse-night.txt").read_bytes()


def _drop(aws, key: str, body: bytes, **metadata: str) -> dict:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=aws["CUE_BUCKET"], Key=key, Body=body, Metadata=metadata)
    head = s3.head_object(Bucket=aws["CUE_BUCKET"], Key=key)
    sample = json.loads((Path(__file__).parents[2] / "events" / "_samples" / "s3-put.json").read_text())
    record = sample["Records"][0]
    record["s3"]["bucket"]["name"] = aws["CUE_BUCKET"]
    record["s3"]["object"].update(
        {"key": key.replace(" ", "+"), "size": len(body), "eTag": head["ETag"].strip('"')}
    )
    return sample


def _trigger(event: dict) -> dict:
    from cue_trigger.handler import lambda_handler

    return lambda_handler(event, FakeContext())


def test_text_tracklist_becomes_the_requested_formats_once_even_if_delivered_twice(aws, tmp_path):
    event = _drop(aws, "incoming/user-1/up1/warehouse night.txt", TEXT, formats="standard,kodi")

    first = _trigger(event)
    again = _trigger(event)

    assert len(first["cue_file_ids"]) == 2
    assert sorted(again["cue_file_ids"]) == sorted(first["cue_file_ids"])
    listing = call("GET", "/files")[1]
    assert listing["total"] == 2
    assert {f["format"] for f in listing["files"]} == {"standard", "kodi"}
    standard = next(f for f in listing["files"] if f["format"] == "standard")
    text = call("GET", f"/download/{standard['cue_file_id']}")[1]
    text = text if isinstance(text, str) else text.decode()
    assert 'TITLE "″Quoted″ Title (Extended Mix)"' in text
    assert "INDEX 01 62:03:00" in text
    assert 'PERFORMER "ID"' in text
    assert "Nordlys w/ Guest Vocal - Acapella" in text
    path = tmp_path / "upload.cue"
    path.write_text(text, encoding="utf-8")
    starts = [0, 270 * 75, 555 * 75, 842 * 75, 3723 * 75]
    assert_all_agree(path, read_all([path])[path], starts, read_all([path])[path]["gplane"]["titles"])


def test_json_tracklist_without_formats_makes_a_standard_sheet_owned_by_the_uploader(aws):
    body = json.dumps({**tracklist_body(), "owner_id": "someone-else"}).encode()
    event = _drop(aws, "incoming/user-1/up2/set.json", body)

    (fid,) = _trigger(event)["cue_file_ids"]

    info = call("GET", f"/files/{fid}")[1]
    assert info["format"] == "standard" and info["owner_id"] == "user-1"
    assert call("GET", f"/files/{fid}", user="someone-else")[0] == 404


def test_unusable_upload_leaves_an_error_report_beside_it(aws):
    body = json.dumps(tracklist_body()).encode()
    broken = json.loads(body)
    broken["tracks"][1]["start_time"] = None
    event = _drop(aws, "incoming/user-1/up3/set.json", json.dumps(broken).encode())

    assert _trigger(event) == {"cue_file_ids": []}

    s3 = boto3.client("s3", region_name="us-east-1")
    report = json.loads(
        s3.get_object(Bucket=aws["CUE_BUCKET"], Key="incoming/user-1/up3/set.json.error.json")["Body"].read()
    )
    assert report["error_code"] == "CUE_TIMES_MISSING"
    assert report["details"]["tracks"] == [2]
    assert call("GET", "/files")[1]["total"] == 0
    # The report itself lands under incoming/ and triggers again: it is ignored.
    assert _trigger(_drop(aws, "incoming/user-1/up3/set.json.error.json", b"{}")) == {"cue_file_ids": []}


def test_estimated_gaps_can_be_asked_for_in_the_upload_metadata(aws):
    broken = tracklist_body()
    broken["tracks"][1]["start_time"] = None
    event = _drop(
        aws, "incoming/user-1/up4/set.json", json.dumps(broken).encode(), **{"gap-handling": "estimate"}
    )

    assert len(_trigger(event)["cue_file_ids"]) == 1


def test_text_without_tracks_is_reported_not_generated(aws):
    event = _drop(aws, "incoming/user-1/up5/notes.txt", b"just some notes\nnothing here\n")

    assert _trigger(event) == {"cue_file_ids": []}
    s3 = boto3.client("s3", region_name="us-east-1")
    report = json.loads(
        s3.get_object(Bucket=aws["CUE_BUCKET"], Key="incoming/user-1/up5/notes.txt.error.json")["Body"].read()
    )
    assert report["error_code"] and report["source_key"] == "incoming/user-1/up5/notes.txt"
