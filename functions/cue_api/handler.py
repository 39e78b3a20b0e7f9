"""CUE sheets under /api/v1/cue: generate, files, download, validate, convert, formats, jobs,
cache and uploads. The same function runs its own asynchronous generation jobs (a direct
event `{"source": "tracktion.cue.job", "job_id": ...}` from jobs.submit)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.cue import cache, files, jobs, service, uploads
from tracktion.cue.contract import (
    BatchGenerateRequest,
    ConvertRequest,
    FileValidateRequest,
    GenerateRequest,
    GenerateStoredRequest,
    RegenerateRequest,
    UploadRequest,
    ValidateRequest,
    WarmRequest,
)
from tracktion.cue.dialects import conversion_preview, dialect
from tracktion.cue.files import CueFile
from tracktion.cue.options import CueOptions
from tracktion.observability import logger
from tracktion.tracklists.model import Tracklist

app = make_app("cue")

BASE = "/api/v1/cue"
Id = Annotated[str, Path(min_length=1, max_length=100)]
Format = Annotated[str, Path(min_length=1, max_length=20)]
Async = Annotated[bool, Query()]


def _owner() -> str:
    return current_principal(app).user_id


def _json(payload: Any, status: int = 200) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(payload))


def _made(made: list[CueFile]) -> Response[Any]:
    first = made[0]
    return _json(
        {
            "success": True,
            "cue_file_id": first.cue_file_id,
            "download_url": f"{BASE}/download/{first.cue_file_id}",
            "cue_files": [files.to_json(f) for f in made],
        },
        201,
    )


def _generate(
    tracklist: Tracklist, formats: list[str], options: CueOptions, asynchronous: bool, stored: bool
) -> Response[Any]:
    if asynchronous:
        job = service.queue(_owner(), tracklist, formats, options, stored)
        return _json(
            {**job.to_json(), "status_url": f"{BASE}/jobs/{job.job_id}/status"},
            202,
        )
    return _made(service.generate(tracklist, formats, options))


@app.post(f"{BASE}/generate")
def generate(body: GenerateRequest, async_processing: Async = False) -> Response[Any]:
    tracklist = body.tracklist.for_owner(_owner())
    return _generate(tracklist, [body.format], body.options, async_processing, stored=False)


@app.post(f"{BASE}/generate/batch")
def generate_batch(body: BatchGenerateRequest, async_processing: Async = False) -> Response[Any]:
    tracklist = service.tracklist_from(_owner(), body.tracklist_id, body.tracklist)
    return _generate(tracklist, body.formats, body.options, async_processing, stored=body.tracklist is None)


@app.post(f"{BASE}/generate/<tracklist_id>")
def generate_stored(
    tracklist_id: Id, body: GenerateStoredRequest, async_processing: Async = False
) -> Response[Any]:
    tracklist = service.stored_tracklist(tracklist_id, _owner())
    return _generate(tracklist, body.formats, body.options, async_processing, stored=True)


@app.get(f"{BASE}/formats")
def list_formats() -> dict[str, Any]:
    return service.formats()


@app.get(f"{BASE}/formats/conversion-preview")
def preview_conversion(
    source_format: Annotated[str, Query(max_length=20)], target_format: Annotated[str, Query(max_length=20)]
) -> dict[str, Any]:
    return conversion_preview(source_format, target_format)


@app.get(f"{BASE}/formats/<format_name>/capabilities")
def capabilities(format_name: Format) -> dict[str, Any]:
    return dialect(format_name).capabilities()


@app.get(f"{BASE}/jobs/<job_id>/status")
def job_status(job_id: Id) -> dict[str, Any]:
    return jobs.get(job_id, _owner()).to_json()


def _disposition(name: str) -> str:
    """An ASCII `filename` for old clients plus the exact UTF-8 `filename*` (RFC 6266)."""
    plain = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"


def _download(cue: CueFile, companion: str | None) -> Response[Any]:
    data, name, content_type = files.read(cue, companion)
    return Response(
        status_code=200,
        content_type=content_type,
        body=data,
        headers={
            "Content-Disposition": _disposition(name),
            "X-File-Version": str(cue.version),
            "X-File-Format": cue.format,
            "X-Checksum-SHA256": files.sha256_hex(data),
            "Content-Length": str(len(data)),
        },
    )


# The download routes carry no return annotation on purpose: Powertools validates and
# serialises an annotated body as JSON-able text, which corrupts a Latin-1 (cdj) sheet; an
# unannotated non-JSON Response goes out as bytes (base64 on the wire).
_FILE_RESPONSES: dict[int, Any] = {
    200: {
        "description": "The file's bytes (application/x-cue, or the companion's type)",
        "content": {"application/x-cue": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@app.get(f"{BASE}/download/<cue_file_id>", responses=_FILE_RESPONSES)
def download(cue_file_id: Id):
    return _download(files.get(cue_file_id, _owner()), None)


@app.get(f"{BASE}/download/<cue_file_id>/companions/<name>", responses=_FILE_RESPONSES)
def download_companion(cue_file_id: Id, name: Annotated[str, Path(min_length=1, max_length=255)]):
    from urllib.parse import unquote

    return _download(files.get(cue_file_id, _owner()), unquote(name))


@app.get(f"{BASE}/files")
def list_files(
    limit: Annotated[int, Query(ge=1, le=files.MAX_LIST)] = 20,
    offset: Annotated[int, Query(ge=0, le=files.MAX_OFFSET)] = 0,
    format: Annotated[str | None, Query(max_length=20)] = None,
    tracklist_id: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    page, total = files.list_files(
        _owner(), limit=limit, offset=offset, fmt=format, tracklist_id=tracklist_id
    )
    return {
        "files": [f.info() for f in page],
        "total": total,
        "limit": limit,
        "offset": offset,
        "has_more": offset + len(page) < total,
    }


@app.get(f"{BASE}/files/<cue_file_id>")
def file_info(cue_file_id: Id) -> dict[str, Any]:
    return files.get(cue_file_id, _owner()).info()


@app.delete(f"{BASE}/files/<cue_file_id>")
def delete_file(cue_file_id: Id, soft_delete: Annotated[bool, Query()] = True) -> dict[str, Any]:
    gone = files.delete(cue_file_id, _owner(), soft=soft_delete)
    return {"cue_file_id": gone.cue_file_id, "deleted": True, "soft_delete": soft_delete}


@app.post(f"{BASE}/files/<cue_file_id>/regenerate")
def regenerate(cue_file_id: Id, body: RegenerateRequest) -> Response[Any]:
    return _made([service.regenerate(cue_file_id, _owner(), body.options)])


@app.post(f"{BASE}/files/<cue_file_id>/validate")
def validate_file(cue_file_id: Id, body: FileValidateRequest) -> dict[str, Any]:
    return service.validate_file(cue_file_id, _owner(), body.audio_file)


@app.post(f"{BASE}/files/<cue_file_id>/convert")
def convert(cue_file_id: Id, body: ConvertRequest) -> Response[Any]:
    return _json(service.convert(cue_file_id, _owner(), body.target_format, body.options), 201)


@app.post(f"{BASE}/validate")
def validate(body: ValidateRequest) -> dict[str, Any]:
    tracklist = service.tracklist_from(_owner(), body.tracklist_id, body.tracklist)
    return service.validate(_owner(), tracklist, body.format, body.options, body.audio_file)


@app.get(f"{BASE}/cache/stats")
def cache_stats() -> dict[str, Any]:
    return cache.stats(_owner())


@app.post(f"{BASE}/cache/warm")
def cache_warm(body: WarmRequest) -> dict[str, Any]:
    return service.warm(_owner(), body.tracklist_ids, body.formats, body.options)


@app.delete(f"{BASE}/cache/clear")
def cache_clear(pattern: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    return {"cleared": cache.clear(_owner(), pattern), "pattern": pattern}


@app.post(f"{BASE}/uploads")
def create_upload(body: UploadRequest) -> Response[Any]:
    return _json(
        uploads.presigned_post(_owner(), body.filename, body.formats, body.content_type, body.gap_handling),
        201,
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    if event.get("source") == jobs.JOB_EVENT_SOURCE:
        job = jobs.run(str(event.get("job_id", "")), service.run_job)
        return {"job_id": event.get("job_id"), "status": job.status if job else "skipped"}
    return serve(app, event, context)
