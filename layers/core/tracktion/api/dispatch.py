"""The one entry of a function that also runs its own background jobs.

    jobs = {importer.IMPORT_JOB: run_import}
    def lambda_handler(event, context):
        return serve_or_dispatch(app, event, context, jobs)

An event in the job envelope (`tracktion.async_jobs`) runs the job function registered for its
kind with the payload; every other event is an HTTP request, answered by `serve()`. A job of a
kind this function does not run is logged and dropped: a stray event that a retry cannot mend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from tracktion import async_jobs
from tracktion.api.resolver import serve
from tracktion.observability import logger

JobFunction = Callable[[dict[str, Any]], dict[str, Any]]


def serve_or_dispatch(
    app: APIGatewayHttpResolver, event: dict[str, Any], context: Any, jobs: Mapping[str, JobFunction]
) -> dict[str, Any]:
    job = async_jobs.read(event)
    if job is None:
        return serve(app, event, context)
    kind, payload = job
    run = jobs.get(kind)
    if run is None:
        logger.warning("job of a kind this function does not run", extra={"kind": kind[:100]})
        return {"kind": kind, "status": "unknown_job"}
    logger.info("job started", extra={"kind": kind})
    return run(payload)
