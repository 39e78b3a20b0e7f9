"""CUE files: the sheet in S3 first, then its DynamoDB record (size + sha256), never the
other way round, so no record ever points at nothing.

S3 (CUE_BUCKET):
  cue/{owner}/{tracklist_id}/{format}/v{n}.cue           the sheet
  cue/{owner}/{tracklist_id}/{format}/v{n}/{name}        its companions (discs, rekordbox.xml)
  cue/{owner}/{tracklist_id}/{format}/v{n}.tracklist.json  the tracklist it was made from
CUE_TABLE items:
  file:    pk=CUEFILE#{id} sk=FILE; `body` = CueFile JSON; gsi1pk=OWNER#{owner}
           gsi1sk={created_at}#{id} lists an owner's files, newest first.
  claim:   pk=CLAIM#{owner}#{tracklist_id}#{format} sk=v{version}#{content}#{options} →
           cue_file_id. Written in the same transaction as the file record, so a retried or
           concurrent generation of the same thing returns the one file (the loser removes
           its S3 objects).
  counter: pk=SEQ#{owner}#{tracklist_id}#{format} sk=SEQ, `n` = last version number.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from tracktion.clock import iso
from tracktion.config import settings
from tracktion.contract import hms
from tracktion.cue import cache
from tracktion.cue.dialects import dialect
from tracktion.cue.options import CueOptions
from tracktion.cue.render import CUE_CONTENT_TYPE, RenderedCue
from tracktion.errors import BadRequest, NotFound, TracktionError
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client, table
from tracktion.tracklists.model import Tracklist

MAX_LIST = 100
MAX_OFFSET = 10_000


class CueFileNotFound(NotFound):
    def __init__(self, cue_file_id: str) -> None:
        super().__init__(f"CUE file {cue_file_id} not found", details={"cue_file_id": cue_file_id})


class StorageError(TracktionError):
    """The reference's STORAGE_ERROR: S3 or DynamoDB refused a read or a write."""

    status = 503
    error_code = "STORAGE_ERROR"


class CueFileCorrupted(StorageError):
    """The stored bytes no longer match the checksum recorded when they were written."""

    status = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={**(details or {}), "reason": "CHECKSUM_MISMATCH"})


class CompanionRef(Model):
    name: str
    role: str
    s3_key: str
    size: int
    sha256: str
    content_type: str


class CueFile(Model):
    cue_file_id: str
    tracklist_id: str
    tracklist_version: int
    owner_id: str
    format: str
    version: int
    s3_key: str
    size: int
    sha256: str
    encoding: str
    filename: str
    content_type: str = CUE_CONTENT_TYPE
    track_count: int
    disc_count: int
    options: dict[str, Any] = Field(default_factory=dict)
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    companions: list[CompanionRef] = Field(default_factory=list)
    source_key: str | None = None
    duration_seconds: float | None = None
    created_at: str
    updated_at: str | None = None
    deleted_at: str | None = None

    @property
    def checksum(self) -> str:
        return f"sha256:{self.sha256}"

    @property
    def file_path(self) -> str:
        return file_path(self.s3_key)


def file_path(key: str) -> str:
    """Where a stored object lives, as the reference's `file_path`: s3://<bucket>/<key>."""
    return f"s3://{settings().cue_bucket}/{key}"


def view(cue: CueFile, accessible: bool | None = None) -> dict[str, Any]:
    """The one view of a CUE file record: every answer that shows a file (GET files/{id}, the
    list, generate/convert answers, CUE files made by an import, a publish or generate-cue) and,
    projected, a batch item's reference. The reference's record, with our own fields beside it.

    `storage_info.accessible` is checked against S3 when `accessible` is given (GET files/{id});
    elsewhere it is what the record says (a live record's object was written before it) and
    `storage_info.verified` is false.
    """
    data = cue.model_dump(mode="json", exclude={"source_key"})
    duration = cue.duration_seconds
    data.update(
        id=cue.cue_file_id,
        file_path=cue.file_path,
        file_size=cue.size,
        checksum=cue.checksum,
        updated_at=cue.updated_at or cue.deleted_at or cue.created_at,
        is_active=cue.deleted_at is None,
        metadata={
            "total_tracks": cue.track_count,
            "total_duration": hms(duration),
            "total_duration_seconds": duration,
            "encoding": cue.encoding,
            "track_count": cue.track_count,
            "disc_count": cue.disc_count,
            "options": cue.options,
        },
        storage_info={
            "backend": "s3",
            "accessible": accessible if accessible is not None else cue.deleted_at is None,
            "verified": accessible is not None,
            "bucket": settings().cue_bucket,
            "key": cue.s3_key,
            "size": cue.size,
        },
    )
    return data


def accessible(cue: CueFile) -> bool:
    """Whether the sheet's object is in S3 now (one HEAD request)."""
    try:
        _s3().head_object(Bucket=settings().cue_bucket, Key=cue.s3_key)
    except ClientError:
        return False
    return True


def _table() -> Any:
    return table(settings().cue_table)


def _s3() -> Any:
    return client("s3")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_sha = sha256_hex


def _claim_key(t: Tracklist, fmt: str, options: CueOptions) -> dict[str, str]:
    return {
        "pk": f"CLAIM#{t.owner_id}#{t.tracklist_id}#{fmt}",
        "sk": f"v{t.version}#{cache.content_fingerprint(t)}#{options.fingerprint()}",
    }


def _next_version(t: Tracklist, fmt: str) -> int:
    res = _table().update_item(
        Key={"pk": f"SEQ#{t.owner_id}#{t.tracklist_id}#{fmt}", "sk": "SEQ"},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )
    return int(res["Attributes"]["n"])


def _record(cue: CueFile) -> dict[str, Any]:
    return {
        "pk": f"CUEFILE#{cue.cue_file_id}",
        "sk": "FILE",
        "owner_id": cue.owner_id,
        "tracklist_id": cue.tracklist_id,
        "format": cue.format,
        "deleted": bool(cue.deleted_at),
        "body": cue.model_dump_json(),
        "gsi1pk": f"OWNER#{cue.owner_id}",
        "gsi1sk": f"{cue.created_at}#{cue.cue_file_id}",
    }


def _load(cue_file_id: str) -> CueFile | None:
    item = (
        _table().get_item(Key={"pk": f"CUEFILE#{cue_file_id}", "sk": "FILE"}, ConsistentRead=True).get("Item")
    )
    return CueFile.model_validate_json(item["body"]) if item else None


def get(cue_file_id: str, owner_id: str, include_deleted: bool = False) -> CueFile:
    """The owner's file; someone else's, a deleted or a missing one are the same 404."""
    cue = _load(cue_file_id)
    if cue is None or cue.owner_id != owner_id or (cue.deleted_at and not include_deleted):
        raise CueFileNotFound(cue_file_id)
    return cue


def _put_object(key: str, data: bytes, content_type: str) -> dict[str, str]:
    """Write one object; returns its key and the version S3 gave it (to undo exactly this write)."""
    try:
        res = _s3().put_object(
            Bucket=settings().cue_bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            Metadata={"sha256": _sha(data)},
        )
    except ClientError as exc:
        raise StorageError(
            "The CUE file could not be stored; try again",
            details={"reason": exc.response["Error"]["Code"]},
            retry_after=5,
        ) from exc
    return {"Key": key, **({"VersionId": res["VersionId"]} if res.get("VersionId") else {})}


def _store_source(t: Tracklist, base: str) -> dict[str, str]:
    """The tracklist beside the sheet made from it (each object is written once, never over)."""
    return _put_object(f"{base}.tracklist.json", t.model_dump_json().encode(), "application/json")


def source_tracklist(cue: CueFile) -> Tracklist:
    """The tracklist a file was made from (kept beside it, so conversion loses nothing)."""
    if not cue.source_key:
        raise CueFileNotFound(cue.cue_file_id)
    body = _s3().get_object(Bucket=settings().cue_bucket, Key=cue.source_key)["Body"].read()
    return Tracklist.model_validate_json(body)


def _write(
    t: Tracklist, fmt: str, options: CueOptions, rendered: RenderedCue
) -> tuple[CueFile, list[dict[str, str]]]:
    """The objects of a new version in S3, and exactly which object versions were written."""
    version = _next_version(t, fmt)
    base = f"cue/{t.owner_id}/{t.tracklist_id}/{fmt}/v{version}"
    data = rendered.data
    written: list[dict[str, str]] = []
    companions = []
    try:
        written.append(_put_object(f"{base}.cue", data, CUE_CONTENT_TYPE + f"; charset={rendered.encoding}"))
        for comp in rendered.companions:
            body = comp.data
            key = f"{base}/{comp.name}"
            written.append(_put_object(key, body, comp.content_type))
            companions.append(
                CompanionRef(
                    name=comp.name,
                    role=comp.role,
                    s3_key=key,
                    size=len(body),
                    sha256=_sha(body),
                    content_type=comp.content_type,
                )
            )
        source = _store_source(t, base)
    except StorageError:
        # A version is all its objects or none: a sheet without its companions or its source
        # tracklist would have no record and be stored for nobody.
        _undo(written)
        raise
    return CueFile(
        cue_file_id=str(uuid.uuid4()),
        tracklist_id=t.tracklist_id,
        tracklist_version=t.version,
        owner_id=t.owner_id,
        format=fmt,
        version=version,
        s3_key=f"{base}.cue",
        size=len(data),
        sha256=_sha(data),
        encoding=rendered.encoding,
        filename=rendered.filename,
        track_count=rendered.track_count,
        disc_count=rendered.disc_count,
        options=options.model_dump(mode="json"),
        warnings=rendered.warnings,
        companions=companions,
        source_key=source["Key"],
        duration_seconds=_duration(t),
        created_at=iso(),
    ), [*written, source]


def _undo(written: list[dict[str, str]]) -> None:
    """Delete exactly the object versions a failed write made; a failure here is only logged
    (the objects have no record, so no user sees them; the bucket's lifecycle rules age them)."""
    if not written:
        return
    try:
        _s3().delete_objects(Bucket=settings().cue_bucket, Delete={"Objects": written, "Quiet": True})
    except ClientError as exc:
        logger.warning(
            "objects of a failed write left", extra={"keys": [w["Key"] for w in written], "error": str(exc)}
        )


def _duration(t: Tracklist) -> float | None:
    """The mix's length: as stated, else the last end or start a track gives."""
    if t.duration_seconds:
        return t.duration_seconds
    times = [v for tr in t.tracks for v in (tr.start_time, tr.end_time) if v is not None]
    return max(times) if times else None


def _remove_objects(cue: CueFile) -> None:
    """Every version of the sheet and its companions (the bucket keeps old versions)."""
    s3, bucket = _s3(), settings().cue_bucket
    keys = [cue.s3_key, *(c.s3_key for c in cue.companions), *([cue.source_key] if cue.source_key else [])]
    for key in keys:
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
        doomed = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])
            if v["Key"] == key
        ]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
        else:
            s3.delete_object(Bucket=bucket, Key=key)


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items()}


def _claimed(t: Tracklist, fmt: str, options: CueOptions) -> tuple[dict[str, Any] | None, CueFile | None]:
    """The claim for this generation and its live file, if an earlier call made one."""
    claimed = _table().get_item(Key=_claim_key(t, fmt, options), ConsistentRead=True).get("Item")
    if not claimed:
        return None, None
    existing = _load(str(claimed["cue_file_id"]))
    return claimed, existing if existing is not None and not existing.deleted_at else None


def _generate_one(
    t: Tracklist,
    fmt: str,
    options: CueOptions,
    new_version: bool,
    rendered: RenderedCue | None = None,
    claim: tuple[dict[str, Any] | None, CueFile | None] | None = None,
) -> CueFile:
    claimed, existing = claim if claim is not None else _claimed(t, fmt, options)
    if existing is not None and not new_version:
        return existing
    claim_key = _claim_key(t, fmt, options)
    rendered = rendered or cache.rendered_sheet(t, fmt, options)
    cue, written = _write(t, fmt, options, rendered)
    claim_put: dict[str, Any] = {
        "TableName": settings().cue_table,
        "Item": _serialize({**claim_key, "cue_file_id": cue.cue_file_id, "owner_id": t.owner_id}),
    }
    if not new_version:
        if claimed:
            claim_put["ConditionExpression"] = "cue_file_id = :old"
            claim_put["ExpressionAttributeValues"] = _serialize({":old": claimed["cue_file_id"]})
        else:
            claim_put["ConditionExpression"] = "attribute_not_exists(pk)"
    file_put = {
        "TableName": settings().cue_table,
        "Item": _serialize(_record(cue)),
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    try:
        client("dynamodb").transact_write_items(TransactItems=[{"Put": file_put}, {"Put": claim_put}])
    except ClientError as exc:
        # No record was written: the objects this call wrote go (only those versions, so
        # nothing of a concurrent generation's can be touched).
        _undo(written)
        if ddb.cancellation_reasons(exc) is None:
            # Throttled or failed after the SDK's retries: nothing stored, say so and when.
            raise StorageError(
                "The CUE file could not be recorded; try again",
                details={"reason": exc.response.get("Error", {}).get("Code")},
                retry_after=5,
            ) from exc
        # Someone else generated the same sheet meanwhile: theirs stands.
        winner = _table().get_item(Key=claim_key, ConsistentRead=True).get("Item")
        found = _load(str(winner["cue_file_id"])) if winner else None
        if found is None:
            raise
        return found
    return cue


def _options(options: CueOptions | dict[str, Any] | None) -> CueOptions:
    if options is None:
        return CueOptions()
    if isinstance(options, CueOptions):
        return options
    from pydantic import ValidationError

    try:
        return CueOptions.model_validate(options)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        raise BadRequest(
            "Invalid CUE options", error_code="INVALID_CUE_OPTIONS", details={"errors": errors}
        ) from exc


def generate_files(
    tracklist: Tracklist, formats: list[str], options: CueOptions | dict[str, Any] | None = None
) -> list[CueFile]:
    """Render and store one file per format. Idempotent: the same tracklist version and
    content, format and options give back the file made the first time."""
    if not tracklist.owner_id:
        raise BadRequest("The tracklist has no owner", error_code="OWNER_REQUIRED")
    opts = _options(options)
    names = list(dict.fromkeys(dialect(f).name for f in formats or ["standard"]))
    # Render everything first, so one format that cannot be made stores nothing at all.
    planned = []
    for name in names:
        claim = _claimed(tracklist, name, opts)
        rendered = None if claim[1] is not None else cache.rendered_sheet(tracklist, name, opts)
        planned.append((name, claim, rendered))
    return [
        _generate_one(tracklist, name, opts, new_version=False, rendered=rendered, claim=claim)
        for name, claim, rendered in planned
    ]


def store_export(
    t: Tracklist,
    target: str,
    data: bytes,
    *,
    filename: str,
    content_type: str,
    options: dict[str, Any],
    warnings: list[dict[str, Any]],
    track_count: int,
) -> CueFile:
    """Store an export beside the CUE sheets (tracktion.exports: youtube, mixcloud, ffmetadata,
    text): a new version under `cue/{owner}/{tracklist_id}/{target}/`, a file record like a
    sheet's (listed, downloaded and deleted by the CUE file routes; `format` is the target).
    Object first, then the record; a record that cannot be written removes the objects again.
    """
    version = _next_version(t, target)
    base = f"cue/{t.owner_id}/{t.tracklist_id}/{target}/v{version}"
    key = f"{base}.{filename.rsplit('.', 1)[-1]}"
    written = [_put_object(key, data, content_type)]
    source = _store_source(t, base)
    written.append(source)
    cue = CueFile(
        cue_file_id=str(uuid.uuid4()),
        tracklist_id=t.tracklist_id,
        tracklist_version=t.version,
        owner_id=t.owner_id,
        format=target,
        version=version,
        s3_key=key,
        size=len(data),
        sha256=_sha(data),
        encoding="utf-8",
        filename=filename,
        content_type=content_type,
        track_count=track_count,
        disc_count=1,
        options=options,
        warnings=warnings,
        source_key=source["Key"],
        duration_seconds=_duration(t),
        created_at=iso(),
    )
    try:
        _table().put_item(Item=_record(cue), ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        _s3().delete_objects(Bucket=settings().cue_bucket, Delete={"Objects": written, "Quiet": True})
        raise StorageError(
            "The export could not be stored; try again",
            details={"reason": exc.response["Error"]["Code"]},
            retry_after=5,
        ) from exc
    return cue


def regenerate(cue: CueFile, tracklist: Tracklist, options: CueOptions | None = None) -> CueFile:
    """A new version of `cue` (the old one stays) from the tracklist as it is now."""
    return _generate_one(
        tracklist, cue.format, options or CueOptions.model_validate(cue.options), new_version=True
    )


def read(cue: CueFile, companion: str | None = None) -> tuple[bytes, str, str]:
    """The bytes of the sheet (or one companion), their file name and content type.

    The stored bytes are checked against the sha256 recorded at write time.
    """
    if companion is None:
        key, digest, name, ctype = cue.s3_key, cue.sha256, cue.filename, cue.content_type
    else:
        ref = next((c for c in cue.companions if c.name == companion), None)
        if ref is None:
            raise NotFound(
                f"CUE file {cue.cue_file_id} has no companion {companion!r}",
                details={"companions": [c.name for c in cue.companions]},
            )
        key, digest, name, ctype = ref.s3_key, ref.sha256, ref.name, ref.content_type
    try:
        data = _s3().get_object(Bucket=settings().cue_bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            raise CueFileNotFound(cue.cue_file_id) from exc
        raise StorageError(
            "The CUE file could not be read; try again",
            details={"reason": exc.response["Error"]["Code"]},
            retry_after=5,
        ) from exc
    if _sha(data) != digest:
        raise CueFileCorrupted("The stored CUE file does not match its checksum", details={"key": key})
    return data, name, ctype


def delete(cue_file_id: str, owner_id: str, soft: bool = True) -> CueFile:
    """Soft: hidden from every read. Hard: the S3 objects, then the record, are gone."""
    cue = get(cue_file_id, owner_id, include_deleted=not soft)
    if soft:
        now = iso()
        gone = cue.model_copy(update={"deleted_at": now, "updated_at": now})
        _table().put_item(Item=_record(gone))
        return gone
    _remove_objects(cue)
    _table().delete_item(Key={"pk": f"CUEFILE#{cue_file_id}", "sk": "FILE"})
    return cue


def list_files(
    owner_id: str,
    *,
    limit: int = 20,
    offset: int = 0,
    fmt: str | None = None,
    tracklist_id: str | None = None,
) -> tuple[list[CueFile], int]:
    """The owner's live files, newest first, with limit/offset paging; returns (page, total)."""
    if offset > MAX_OFFSET:
        raise BadRequest(f"offset may be at most {MAX_OFFSET}", error_code="INVALID_PAGINATION")
    limit = max(1, min(limit, MAX_LIST))
    filters = ["deleted = :no"]
    values: dict[str, Any] = {":p": f"OWNER#{owner_id}", ":no": False}
    if fmt:
        filters.append("#fmt = :f")
        values[":f"] = dialect(fmt).name
    if tracklist_id:
        filters.append("tracklist_id = :t")
        values[":t"] = tracklist_id
    kwargs: dict[str, Any] = {
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :p",
        "FilterExpression": " AND ".join(filters),
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }
    if fmt:
        kwargs["ExpressionAttributeNames"] = {"#fmt": "format"}
    window, total = ddb.offset_page(_table().query, offset=offset, limit=limit, **kwargs)
    return [CueFile.model_validate_json(i["body"]) for i in window], total
