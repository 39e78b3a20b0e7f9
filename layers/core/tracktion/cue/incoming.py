"""Tracklists dropped into incoming/{owner}/… become CUE files (the cue-trigger function).

The object is our JSON tracklist model or a plain-text tracklist. Its metadata names the
formats (`formats`, default standard) and `gap-handling`. The tracklist's id comes from the
object's key and ETag, and generation is idempotent, so S3's duplicate deliveries make one
set of files. A failure leaves `<key>.error.json` beside the object instead. A failure another
attempt may not meet (storage busy or failing: a 503, an AWS throttle) leaves the report and
raises too, so Lambda retries the event (then the failure queue holds it for the redrive); the
attempt that succeeds removes the report.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from tracktion.config import settings
from tracktion.cue.files import CueFile, StorageError, generate_files
from tracktion.cue.options import CueOptions
from tracktion.errors import Conflict, TracktionError, ValidationFailed
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore
from tracktion.tracklists.text_format import parse_text_tracklist

MAX_BYTES = 5 * 1024 * 1024
REPORT_SUFFIXES = (".error.json",)


class UnreadableTracklist(ValidationFailed):
    error_code = "UNREADABLE_TRACKLIST"


def owner_of(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "incoming" or not parts[1]:
        return None
    return parts[1]


def _tracklist(key: str, etag: str, body: bytes, meta: dict[str, str], owner: str) -> Tracklist:
    tracklist_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{settings().cue_bucket}/{key}#{etag}"))
    text = body.decode("utf-8-sig", errors="replace")
    stem = key.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if key.endswith(".json") or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
            data.update({"owner_id": owner, "tracklist_id": tracklist_id, "version": 1, "source": "json"})
            return Tracklist.model_validate(data)
        except (ValueError, ValidationError) as exc:
            raise UnreadableTracklist(f"Not a tracklist JSON document: {str(exc)[:300]}") from exc
    tracks = parse_text_tracklist(text)  # TextTracklistEmpty when no line is a track
    djs = [d.strip() for d in meta.get("djs", "").split(",") if d.strip()]
    return Tracklist(
        tracklist_id=tracklist_id,
        owner_id=owner,
        title=meta.get("title") or stem,
        djs=djs,
        tracks=tracks,
        source="text",
    )


def _stored(t: Tracklist, key: str, etag: str) -> Tracklist:
    """The tracklist kept in the tracklist store once per uploaded object."""
    store = TracklistStore()
    source_key = f"s3:{key}#{etag}"
    found = store.find_by_source(t.owner_id, source_key)
    if found is not None:
        return found
    try:
        return store.create(t.model_copy(update={"source_key": source_key}))
    except Conflict:
        again = store.find_by_source(t.owner_id, source_key)
        if again is None:
            raise
        return again


def _report_error(key: str, exc: TracktionError) -> None:
    body = {"source_key": key, "error": exc.message, "error_code": exc.error_code, "details": exc.details}
    client("s3").put_object(
        Bucket=settings().cue_bucket,
        Key=f"{key}.error.json",
        Body=json.dumps(body, indent=2).encode(),
        ContentType="application/json",
    )


def _busy(exc: BaseException) -> bool:
    """A failure another attempt may not meet: our 503s (storage), AWS throttles and 5xx."""
    if isinstance(exc, TracktionError):
        return exc.status == 503
    return ddb.busy(exc)


def _report_quietly(key: str, exc: TracktionError) -> None:
    try:
        _report_error(key, exc)
    except ClientError as failed:  # S3 itself is failing: the retries and the queue still hold it
        logger.warning("error report not written", extra={"key": key, "error": str(failed)})


def _clear_report(key: str) -> None:
    """An earlier attempt's report is wrong once an attempt succeeds (DELETE is free in S3)."""
    try:
        client("s3").delete_object(Bucket=settings().cue_bucket, Key=f"{key}.error.json")
    except ClientError as exc:
        logger.warning("stale error report left", extra={"key": key, "error": str(exc)})


def handle_object(key: str) -> list[CueFile]:
    """Generate the CUE files for one uploaded object, or leave an error report beside it."""
    owner = owner_of(key)
    if owner is None or key.endswith(REPORT_SUFFIXES):
        return []
    s3, bucket = client("s3"), settings().cue_bucket
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        logger.info("incoming object is gone", extra={"key": key})
        return []
    meta = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
    etag = str(head.get("ETag", "")).strip('"')
    try:
        if int(head["ContentLength"]) > MAX_BYTES:
            raise UnreadableTracklist(f"The object is larger than {MAX_BYTES} bytes")
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_BYTES + 1)
        tracklist = _stored(_tracklist(key, etag, body, meta, owner), key, etag)
        formats = [f.strip() for f in meta.get("formats", "standard").split(",") if f.strip()]
        options = CueOptions(gap_handling=meta.get("gap-handling", "error"))
        made = generate_files(tracklist, formats, options)
    except (TracktionError, ValidationError, ClientError) as exc:
        if isinstance(exc, ClientError) and not ddb.busy(exc):
            raise
        if _busy(exc):
            # Not the upload's fault: say so beside it, and let Lambda run the event again.
            busy = (
                exc
                if isinstance(exc, TracktionError)
                else StorageError(
                    "The CUE files could not be stored yet; the upload is retried",
                    details={"reason": ddb.error_code(exc)},
                )
            )
            logger.warning("incoming tracklist deferred", extra={"key": key, "error_code": busy.error_code})
            _report_quietly(key, busy)
            raise
        err = exc if isinstance(exc, TracktionError) else UnreadableTracklist(str(exc)[:300])
        logger.info("incoming tracklist refused", extra={"key": key, "error_code": err.error_code})
        _report_error(key, err)
        return []
    _clear_report(key)
    return made


def handle_event(event: dict[str, Any]) -> dict[str, Any]:
    from urllib.parse import unquote_plus

    made: list[str] = []
    for record in event.get("Records", []):
        key = unquote_plus(record.get("s3", {}).get("object", {}).get("key", ""))
        made += [f.cue_file_id for f in handle_object(key)]
    return {"cue_file_ids": made}
