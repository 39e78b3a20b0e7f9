"""The tracklist resource: list mine, read one, change its metadata, delete it with everything
made from it.

Deleting leaves nothing behind that points at the tracklist: the tracklist items and their
source claims, the draft lineage (a draft and every version published from it are one
resource: deleting any of them deletes all), every CUE file record made from them with its
claims and version counters, every S3 object under `cue/{owner}/{tracklist_id}/` (all object
versions: the bucket is versioned), the rendered-sheet cache entries and the parsed source page
cached for its URL. Status records of asynchronous jobs (imports, CUE jobs) keep their ids until
their TTL (7 days) removes them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from tracktion.config import settings
from tracktion.cue.dialects import DIALECTS
from tracktion.errors import NotFound
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import client, table
from tracktion.timeparse import TimeFormat, parse_time
from tracktion.tracklists.editing import InvalidEdit, TimeValue
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import StoredTracklist, TracklistStore
from tracktion.tracklists.timing import duration_reading

# ---------------------------------------------------------------- metadata changes

CUE_FORMAT_NAMES = list(DIALECTS)  # default_cue_format as the schema lists it (read case-insensitively)


class TracklistPatch(Model):
    """The metadata a client may change; tracks change through the track routes.

    The reference's names (dj_name, event_name) and ours (djs, event) are both accepted.
    A field sent as null clears it (title cannot be cleared).
    """

    # At least one field to change (version and time_format alone change nothing).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [name]}
                for name in (
                    "title",
                    "dj_name",
                    "djs",
                    "event_name",
                    "event",
                    "venue",
                    "country",
                    "date",
                    "genres",
                    "audio_file_id",
                    "audio_duration",
                    "default_cue_format",
                )
            ]
        },
    )

    # Not blank and not null: apply_patch strips it and refuses an empty title (it cannot be cleared).
    title: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 300, "pattern": r"\S"}),
    ] = Field(default=None, min_length=1, max_length=300)
    dj_name: str | None = Field(default=None, max_length=300)
    djs: list[str] | None = Field(default=None, max_length=20)
    event_name: str | None = Field(default=None, max_length=300)
    event: str | None = Field(default=None, max_length=300)
    venue: str | None = Field(default=None, max_length=300)
    country: str | None = Field(default=None, max_length=100)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    genres: list[str] | None = Field(default=None, max_length=20)
    audio_file_id: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$"
    )
    audio_duration: TimeValue = None
    default_cue_format: str | None = Field(
        default=None, max_length=40, json_schema_extra={"enum": [*CUE_FORMAT_NAMES, None]}
    )
    time_format: TimeFormat | None = None
    version: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> TracklistPatch:
        if not (self.model_fields_set - {"version", "time_format"}):
            raise ValueError("give at least one field to change")
        return self


def apply_patch(t: StoredTracklist, patch: TracklistPatch) -> StoredTracklist:
    from tracktion.tracklists.drafts import cue_format_name

    sent = patch.model_fields_set
    changes: dict[str, Any] = {}
    if "title" in sent:
        if not (patch.title or "").strip():
            raise InvalidEdit("title cannot be empty", details={"field": "title"})
        changes["title"] = (patch.title or "").strip()
    if "djs" in sent:
        changes["djs"] = [d.strip() for d in patch.djs or [] if d.strip()]
    elif "dj_name" in sent:
        dj_name = (patch.dj_name or "").strip()
        changes["djs"] = [dj_name] if dj_name else []
    if "event" in sent:
        changes["event"] = patch.event
    elif "event_name" in sent:
        changes["event"] = patch.event_name
    for field in ("venue", "country", "date", "audio_file_id"):
        if field in sent:
            changes[field] = getattr(patch, field)
    if "genres" in sent:
        changes["genres"] = patch.genres or []
    if "audio_duration" in sent:
        changes["duration_seconds"] = parse_time(
            patch.audio_duration, field="audio_duration", reading=duration_reading(patch.time_format)
        )
    if "default_cue_format" in sent:
        changes["default_cue_format"] = cue_format_name(patch.default_cue_format)
    return t.model_copy(update=changes)


# ---------------------------------------------------------------- listing

Status = Literal["draft", "published"]


class ListFilters(Model):
    source: str | None = None
    status: Status | None = None
    audio_file_id: str | None = None
    created_from: str | None = None
    created_to: str | None = None


def list_tracklists(
    store: TracklistStore, owner_id: str, limit: int, offset: int, filters: ListFilters
) -> tuple[list[StoredTracklist], int]:
    return store.list_page(owner_id, limit=limit, offset=offset, **filters.model_dump())


# ---------------------------------------------------------------- deletion


def lineage(store: TracklistStore, t: StoredTracklist) -> list[StoredTracklist]:
    """`t`, the draft it was published from, and every version published from that draft."""
    root: StoredTracklist | None = t
    if t.status == "published" and t.parent_tracklist_id:
        try:
            root = store.get(t.parent_tracklist_id, t.owner_id)
        except NotFound:
            root = None
    members: dict[str, StoredTracklist] = {t.tracklist_id: t}
    if root is not None:
        members.setdefault(root.tracklist_id, root)
        if root.status == "draft":
            for version in store.published_from(root):
                members.setdefault(version.tracklist_id, version)
    return list(members.values())


def _cue_records(owner_id: str, tracklist_id: str) -> list[dict[str, Any]]:
    """Every CUE file record (live or soft-deleted) the owner made from this tracklist."""
    cue_table = table(settings().cue_table)
    kwargs: dict[str, Any] = {
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :p",
        "FilterExpression": "tracklist_id = :t",
        "ExpressionAttributeValues": {":p": f"OWNER#{owner_id}", ":t": tracklist_id},
        "ProjectionExpression": "pk, sk, #f",
        "ExpressionAttributeNames": {"#f": "format"},
    }
    return ddb.items(cue_table.query, **kwargs)


def _delete_cue_items(owner_id: str, tracklist_id: str) -> int:
    """The file records, their idempotency claims and version counters; returns the file count."""
    from tracktion.cue.dialects import DIALECTS

    cue_table = table(settings().cue_table)
    records = _cue_records(owner_id, tracklist_id)
    formats = {str(r.get("format")) for r in records if r.get("format")} | {d.name for d in DIALECTS.values()}
    doomed: list[dict[str, Any]] = [{"pk": r["pk"], "sk": r["sk"]} for r in records]
    for fmt in sorted(formats):
        claims = ddb.items(
            cue_table.query,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": f"CLAIM#{owner_id}#{tracklist_id}#{fmt}"},
            ProjectionExpression="pk, sk",
        )
        doomed += [{"pk": i["pk"], "sk": i["sk"]} for i in claims]
        doomed.append({"pk": f"SEQ#{owner_id}#{tracklist_id}#{fmt}", "sk": "SEQ"})
    with cue_table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for key in doomed:
            batch.delete_item(Key=key)
    return len(records)


def _delete_cue_objects(owner_id: str, tracklist_id: str) -> int:
    """Every version and delete marker under the tracklist's CUE prefix; returns the count."""
    s3, bucket = client("s3"), settings().cue_bucket
    prefix = f"cue/{owner_id}/{tracklist_id}/"
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    doomed: list[dict[str, str]] = []
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            doomed.append({"Key": v["Key"], "VersionId": v["VersionId"]})
    for start in range(0, len(doomed), 1000):
        chunk = doomed[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
        removed += len(chunk)
    return removed


def _forget_source_page(t: Tracklist) -> bool:
    if not t.source_url or t.source != "1001tracklists":
        return False
    from tracktion.cache.source_cache import SourceCache, page_key
    from tracktion.sources.urls import tracklist_page

    try:
        page = tracklist_page(t.source_url)
    except Exception:  # a URL we would not fetch again has no cache entry either
        return False
    return SourceCache().delete(page_key("tracklist", page.page_id or page.path))


class Deletion(Model):
    tracklist_ids: list[str]
    cue_files: int = 0
    cue_objects: int = 0
    cache_entries: int = 0


def delete_tracklist(store: TracklistStore, owner_id: str, tracklist_id: str) -> Deletion:
    """Delete the tracklist and everything made from it (see the module docstring).

    Dependants go first and the tracklist items last, so a failure half-way leaves the
    tracklist in place and a retried DELETE finishes the job.
    """
    from tracktion.cue import cache as cue_cache

    t = store.get(tracklist_id, owner_id)
    members = lineage(store, t)
    done = Deletion(tracklist_ids=[m.tracklist_id for m in members])
    for m in members:
        # Records before objects (the reverse of writing), so no record points at nothing.
        done.cue_files += _delete_cue_items(owner_id, m.tracklist_id)
        done.cue_objects += _delete_cue_objects(owner_id, m.tracklist_id)
        done.cache_entries += cue_cache.clear(owner_id, f"{m.tracklist_id}#*")
        done.cache_entries += int(_forget_source_page(m))
    store.delete_many(members)
    logger.info("tracklist deleted", extra=done.model_dump())
    return done
