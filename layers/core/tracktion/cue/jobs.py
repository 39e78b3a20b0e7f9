"""Asynchronous generation jobs: a record in CUE_TABLE and a CUE_JOB of `tracktion.async_jobs`
(the cue function invoking itself), which runs the job (status queued → processing → completed |
failed).

Item: pk=CUEJOB#{job_id} sk=JOB, owner_id, status, request (JSON), result, error, expires_at
(TTL, 7 days). The queued → processing step is a conditional write, so a repeated delivery of
the same invocation never runs a job twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from tracktion import async_jobs
from tracktion.clock import epoch, iso
from tracktion.config import settings
from tracktion.errors import NotFound, ServiceUnavailable, TracktionError
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.storage.aws import table

# A job run by this function itself (tracktion.async_jobs): payload {"job_id": ...}, see `run`.
CUE_JOB = "cue.job"
JOB_TYPE = "cue_generation"
SERVICE_NAME = "tracktion-cue"
JOB_TTL = 7 * 24 * 3600
# Longer than the function's timeout: a job still "processing" after this died with its
# invocation (asynchronous invocations are not retried; see template.yaml).
STALE_AFTER_SECONDS = 300


class CueJobNotFound(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"Job {job_id} not found", details={"job_id": job_id})


class CueJob(Model):
    job_id: str
    owner_id: str
    status: str
    request: dict[str, Any]
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created_at: str
    updated_at: str
    started_at: str | None = None
    completed_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The reference's job status, with our own fields beside it."""
        formats = self.request.get("formats", [])
        result = dict(self.result or {})
        done = self.status in ("completed", "failed")
        return self.model_dump(mode="json", exclude={"request", "owner_id"}) | {
            "job_type": JOB_TYPE,
            "service_name": SERVICE_NAME,
            "progress": 100 if done else 0,
            "total_items": len(formats),
            "result": {
                **result,
                "cue_file_id": result.get("cue_file_id"),
                "file_path": result.get("file_path"),
            }
            if self.result is not None
            else None,
            "error_message": (self.error or {}).get("error"),
            "timestamp": iso(),
            "formats": formats,
            "tracklist_id": self.request.get("tracklist_id"),
        }


def _table() -> Any:
    return table(settings().cue_table)


def _put(job: CueJob) -> None:
    """Store a new job record (kept JOB_TTL seconds)."""
    _table().put_item(
        Item={
            "pk": f"CUEJOB#{job.job_id}",
            "sk": "JOB",
            "owner_id": job.owner_id,
            "status": job.status,
            "body": job.model_dump_json(),
            "expires_at": epoch() + JOB_TTL,
        }
    )


def submit(owner_id: str, request: dict[str, Any]) -> CueJob:
    """Record a queued job and start it with an asynchronous invocation of this function."""
    now = iso()
    job = CueJob(
        job_id=str(uuid.uuid4()),
        owner_id=owner_id,
        status="queued",
        request=request,
        created_at=now,
        updated_at=now,
    )
    _put(job)
    try:
        async_jobs.start(CUE_JOB, {"job_id": job.job_id})
    except async_jobs.JobNotStarted as exc:
        logger.warning("could not start cue job", extra={"job_id": job.job_id, "error": exc.message})
        _finish(
            job, "failed", error={"error_code": "JOB_NOT_STARTED", "error": "The job could not be started"}
        )
        raise ServiceUnavailable("The job could not be started; try again", retry_after=5) from exc
    return job


def record_completed(
    owner_id: str, request: dict[str, Any], result: dict[str, Any], started_at: str
) -> CueJob:
    """A synchronous generation's job: already completed, so its job_id answers a status too."""
    now = iso()
    job = CueJob(
        job_id=str(uuid.uuid4()),
        owner_id=owner_id,
        status="completed",
        request=request,
        result=result,
        created_at=started_at,
        updated_at=now,
        started_at=started_at,
        completed_at=now,
    )
    _put(job)
    return job


def _load(job_id: str) -> CueJob | None:
    item = _table().get_item(Key={"pk": f"CUEJOB#{job_id}", "sk": "JOB"}, ConsistentRead=True).get("Item")
    return CueJob.model_validate_json(item["body"]) if item else None


def get(job_id: str, owner_id: str) -> CueJob:
    """The owner's job; one whose invocation died while processing reads as failed."""
    from datetime import datetime

    job = _load(job_id)
    if job is None or job.owner_id != owner_id:
        raise CueJobNotFound(job_id)
    if job.status == "processing":
        started = datetime.fromisoformat(job.updated_at.replace("Z", "+00:00")).timestamp()
        if epoch() - started > STALE_AFTER_SECONDS:
            return job.model_copy(
                update={
                    "status": "failed",
                    "error": {"error_code": "JOB_TIMED_OUT", "error": "The job stopped"},
                }
            )
    return job


def _finish(job: CueJob, status: str, **fields: Any) -> CueJob:
    now = iso()
    done = job.model_copy(update={"status": status, "updated_at": now, "completed_at": now, **fields})
    _table().update_item(
        Key={"pk": f"CUEJOB#{job.job_id}", "sk": "JOB"},
        UpdateExpression="SET #s = :s, body = :b",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": status, ":b": done.model_dump_json()},
    )
    return done


def run(job_id: str, work: Callable[[CueJob], dict[str, Any]]) -> CueJob | None:
    """Run a queued job once; a job already taken (repeated delivery) is left alone."""
    job = _load(job_id)
    if job is None:
        logger.warning("cue job vanished", extra={"job_id": job_id})
        return None
    now = iso()
    taken = job.model_copy(update={"status": "processing", "updated_at": now, "started_at": now})
    try:
        _table().update_item(
            Key={"pk": f"CUEJOB#{job_id}", "sk": "JOB"},
            UpdateExpression="SET #s = :p, body = :b",
            ConditionExpression="#s = :q",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": "processing", ":q": "queued", ":b": taken.model_dump_json()},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    try:
        return _finish(taken, "completed", result=work(taken))
    except TracktionError as exc:
        return _finish(
            taken,
            "failed",
            error={"error_code": exc.error_code, "error": exc.message, "details": exc.details},
        )
    except Exception:
        logger.exception("cue job failed", extra={"job_id": job_id})
        return _finish(taken, "failed", error={"error_code": "INTERNAL_ERROR", "error": "The job failed"})
