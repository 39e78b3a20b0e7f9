"""Status of asynchronous imports, keyed by the correlation id the client was given.

Items in TRACKLISTS_TABLE: pk=IMPORT#{correlation_id} sk=IMPORT, owner-checked on read (another
user's id answers 404 like a missing one), expiring after a week (TTL `expires_at`).
"""

from __future__ import annotations

from typing import Any, Literal

from tracktion.clock import epoch, iso
from tracktion.config import settings
from tracktion.errors import NotFound
from tracktion.models import Model
from tracktion.storage.aws import table

ImportState = Literal["queued", "processing", "completed", "failed"]
# What GET .../import/status answers as `progress` (0-100) for each state.
PROGRESS: dict[str, int] = {"queued": 0, "processing": 50, "completed": 100, "failed": 100}
JOB_TTL_SECONDS = 7 * 24 * 3600


class ImportJobNotFound(NotFound):
    def __init__(self, correlation_id: str) -> None:
        super().__init__(f"Import {correlation_id} not found", details={"correlation_id": correlation_id})


class ImportJob(Model):
    correlation_id: str
    owner_id: str
    status: ImportState = "queued"
    url: str
    force_refresh: bool = False
    audio_file_id: str | None = None
    cue_format: str | None = None
    tracklist_id: str | None = None
    created: bool | None = None
    cache_hit: bool | None = None
    processing_time_ms: float | None = None
    cue_file_path: str | None = None
    cue_files: list[dict[str, Any]] | None = None
    cue_error: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created_at: str = ""
    updated_at: str = ""


class ImportJobStore:
    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().tracklists_table

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def put(self, job: ImportJob) -> ImportJob:
        now = iso()
        job = job.model_copy(update={"updated_at": now, "created_at": job.created_at or now})
        self._table.put_item(
            Item={
                "pk": f"IMPORT#{job.correlation_id}",
                "sk": "IMPORT",
                "owner_id": job.owner_id,
                "body": job.model_dump_json(),
                "expires_at": epoch() + JOB_TTL_SECONDS,
            }
        )
        return job

    def get(self, correlation_id: str, owner_id: str) -> ImportJob:
        item = self._table.get_item(
            Key={"pk": f"IMPORT#{correlation_id}", "sk": "IMPORT"}, ConsistentRead=True
        ).get("Item")
        if not item or item.get("owner_id") != owner_id:
            raise ImportJobNotFound(correlation_id)
        return ImportJob.model_validate_json(item["body"])
