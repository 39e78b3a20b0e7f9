"""Presigned POSTs for dropping a tracklist into incoming/{owner}/, which the cue-trigger
function turns into CUE files. The policy pins the key prefix, the size and the formats."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tracktion.config import settings
from tracktion.cue.dialects import dialect
from tracktion.storage.aws import client

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
EXPIRES_IN = 900
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def presigned_post(
    owner_id: str, filename: str, formats: list[str], content_type: str, gap_handling: str = "error"
) -> dict[str, Any]:
    names = ",".join(dict.fromkeys(dialect(f).name for f in formats or ["standard"]))
    safe = _SAFE.sub("_", filename).strip("._") or "tracklist.txt"
    key = f"incoming/{owner_id}/{uuid.uuid4().hex}/{safe[:120]}"
    fields = {
        "Content-Type": content_type,
        "x-amz-meta-formats": names,
        "x-amz-meta-gap-handling": gap_handling,
    }
    post = client("s3").generate_presigned_post(
        Bucket=settings().cue_bucket,
        Key=key,
        Fields=fields,
        Conditions=[
            {"Content-Type": content_type},
            {"x-amz-meta-formats": names},
            {"x-amz-meta-gap-handling": gap_handling},
            ["starts-with", "$key", f"incoming/{owner_id}/"],
            ["content-length-range", 1, MAX_UPLOAD_BYTES],
        ],
        ExpiresIn=EXPIRES_IN,
    )
    return {
        "url": post["url"],
        "fields": post["fields"],
        "key": key,
        "formats": names.split(","),
        "gap_handling": gap_handling,
        "expires_in": EXPIRES_IN,
        "max_bytes": MAX_UPLOAD_BYTES,
    }
