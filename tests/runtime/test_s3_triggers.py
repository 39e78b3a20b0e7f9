"""S3 ObjectCreated notifications reach the function whose prefix/suffix filter they match."""

from __future__ import annotations

import json
import uuid

import httpx

from local.testing import RuntimeProcess
from tests.runtime.conftest import eventually, seen

BUCKET = "runtime-uploads-rt"


def delivered(runtime: RuntimeProcess, key: str) -> dict:
    item = eventually(lambda: seen(runtime, f"s3:{key}"))
    return json.loads(item["record"]["S"])


def test_put_of_a_matching_key_delivers_an_s3_event_record(runtime: RuntimeProcess) -> None:
    s3 = runtime.aws_client("s3")
    key = f"incoming/{uuid.uuid4().hex}.cue"
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=b'FILE "a.wav" WAVE\n')
    record = delivered(runtime, key)
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == BUCKET
    assert record["s3"]["object"]["size"] == 18
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["object"]["sequencer"]


def test_uploads_outside_the_prefix_or_suffix_trigger_nothing(runtime: RuntimeProcess) -> None:
    s3 = runtime.aws_client("s3")
    name = uuid.uuid4().hex
    s3.put_object(Bucket=BUCKET, Key=f"elsewhere/{name}.cue", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key=f"incoming/{name}.txt", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key=f"incoming/{name}.cue", Body=b"x")
    delivered(runtime, f"incoming/{name}.cue")
    # Filtered uploads are dropped before any invocation is queued, so by now they would show.
    assert seen(runtime, f"s3:elsewhere/{name}.cue") is None
    assert seen(runtime, f"s3:incoming/{name}.txt") is None


def test_presigned_post_form_upload_delivers_a_post_event_with_an_encoded_key(
    runtime: RuntimeProcess,
) -> None:
    s3 = runtime.aws_client("s3")
    name = f"my set {uuid.uuid4().hex[:6]}.cue"
    form = s3.generate_presigned_post(BUCKET, "incoming/${filename}")
    assert form["url"].startswith(runtime.aws_url)
    response = httpx.post(
        form["url"], data=form["fields"], files={"file": (name, b'TITLE "x"\n')}, timeout=30
    )
    assert response.status_code in (200, 201, 204)
    record = delivered(runtime, "incoming/" + name.replace(" ", "+"))
    assert record["eventName"] == "ObjectCreated:Post"


def test_copy_into_the_prefix_delivers_a_copy_event(runtime: RuntimeProcess) -> None:
    s3 = runtime.aws_client("s3")
    name = uuid.uuid4().hex
    s3.put_object(Bucket=BUCKET, Key=f"staging/{name}.cue", Body=b"abc")
    s3.copy_object(
        Bucket=BUCKET, Key=f"incoming/{name}.cue", CopySource={"Bucket": BUCKET, "Key": f"staging/{name}.cue"}
    )
    record = delivered(runtime, f"incoming/{name}.cue")
    assert record["eventName"] == "ObjectCreated:Copy"
    assert record["s3"]["object"]["size"] == 3


def test_presigned_post_made_by_a_function_uploads_through_the_local_endpoint(
    runtime: RuntimeProcess,
) -> None:
    name = f"{uuid.uuid4().hex}.cue"
    with runtime.client() as client:
        form = client.post("/uploads", json={"name": name}).json()
    assert form["url"].startswith(runtime.aws_url)
    response = httpx.post(form["url"], data=form["fields"], files={"file": (name, b"REM x\n")}, timeout=30)
    assert response.status_code in (200, 201, 204)
    assert delivered(runtime, f"incoming/{name}")["eventName"] == "ObjectCreated:Post"


def test_completed_multipart_upload_delivers_one_event(runtime: RuntimeProcess) -> None:
    s3 = runtime.aws_client("s3")
    key = f"incoming/{uuid.uuid4().hex}.cue"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)
    part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 100)
    s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=key,
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    record = delivered(runtime, key)
    assert record["eventName"] == "ObjectCreated:CompleteMultipartUpload"
    assert record["s3"]["object"]["size"] == 100


def test_presigned_put_triggers_and_presigned_get_reads_it_back(runtime: RuntimeProcess) -> None:
    s3 = runtime.aws_client("s3")
    key = f"incoming/{uuid.uuid4().hex}.cue"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300)
    assert httpx.put(put_url, content=b"hello", timeout=30).status_code == 200
    assert delivered(runtime, key)["eventName"] == "ObjectCreated:Put"
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300)
    assert httpx.get(get_url, timeout=30).content == b"hello"
