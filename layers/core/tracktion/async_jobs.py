"""Work a function hands to itself: one envelope, one way to send it.

A function that runs something in the background (an import, a CUE generation job, the CUE files
of a publish) invokes itself asynchronously (InvocationType=Event) with

    {"tracktion_job": {"kind": "<kind>", "payload": {...}}}

and its `lambda_handler` hands every event to `tracktion.api.dispatch.serve_or_dispatch`, which
runs the job function registered for that kind (anything else is an HTTP request). Whether Lambda
retries a failed run is the function's EventInvokeConfig in template.yaml (CUE jobs: never, a
retry could only find the job already taken).

The kinds, each started by the domain module that owns the job:
- `tracklists.import` (tracklists/importer.py, TracklistsFunction): {correlation_id, owner_id}
- `tracklists.generate_cue` (tracklists/cue_generation.py, ManualFunction): {tracklist_id, ...}
- `cue.job` (cue/jobs.py, CueFunction): {job_id}
"""

from __future__ import annotations

import json
import os
from typing import Any

from botocore.exceptions import ClientError

from tracktion.errors import ServiceUnavailable
from tracktion.observability import logger
from tracktion.storage.aws import client

ENVELOPE = "tracktion_job"


class JobNotStarted(ServiceUnavailable):
    """The asynchronous invocation was not accepted (no function to invoke, or Lambda refused)."""

    error_code = "JOB_NOT_STARTED"


def envelope(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The event a job of `kind` arrives as."""
    return {ENVELOPE: {"kind": kind, "payload": payload}}


def start(kind: str, payload: dict[str, Any]) -> None:
    """Invoke the running function itself, asynchronously, with the job's envelope.

    JobNotStarted (503) when it cannot: the caller records its job as failed rather than leave
    it queued with nobody to run it.
    """
    # Set by the Lambda runtime (and by the local runtime) in every function; not a setting.
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    if not name:
        raise JobNotStarted("Background jobs need AWS_LAMBDA_FUNCTION_NAME", details={"kind": kind})
    try:
        client("lambda").invoke(
            FunctionName=name,
            InvocationType="Event",
            Payload=json.dumps(envelope(kind, payload)).encode(),
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        logger.warning("asynchronous self-invocation refused", extra={"kind": kind, "error": code})
        raise JobNotStarted("The job could not be started", details={"kind": kind}) from exc


def read(event: Any) -> tuple[str, dict[str, Any]] | None:
    """(kind, payload) of a job's envelope; None for any other event."""
    if not isinstance(event, dict) or not isinstance(event.get(ENVELOPE), dict):
        return None
    job = event[ENVELOPE]
    payload = job.get("payload")
    return str(job.get("kind", "")), payload if isinstance(payload, dict) else {}
