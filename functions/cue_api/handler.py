"""CUE sheets under /api/v1/cue: generate, files, download, validate, convert, formats, jobs,
cache and uploads. The same function runs its own asynchronous generation jobs (`jobs.CUE_JOB`
of tracktion.async_jobs, started by jobs.submit).

Every answer is the reference's ("CUE Generation API"), with our fields beside it; how each
documented field is read is in docs/api-contract.md, "CUE generation"."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from tracktion.api.dispatch import serve_or_dispatch
from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app
from tracktion.api.rules import rules
from tracktion.api.shapes import Out, attachment, error_responses, offset_pagination
from tracktion.auth.weights import CUE, READ, WRITE
from tracktion.clock import iso
from tracktion.config import AuthSettings, CoreSettings, CueSettings, load
from tracktion.cue import cache, files, jobs, service, uploads
from tracktion.cue.contract import (
    BatchGenerateRequest,
    BatchOut,
    CacheStatsOut,
    CapabilitiesOut,
    ClearOut,
    ConvertOut,
    ConvertRequest,
    CueFileOut,
    CueFormatName,
    DeleteOut,
    FileListOut,
    FileValidateRequest,
    GenerateOut,
    GenerateRequest,
    GenerateStoredRequest,
    JobAcceptedOut,
    JobStatusOut,
    RegenerateRequest,
    UploadRequest,
    ValidateRequest,
    ValidationOut,
    WarmOut,
    WarmRequest,
)
from tracktion.cue.dialects import conversion_preview, dialect, preview_lines
from tracktion.cue.files import CueFile
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings, CueSettings)

app = make_app()

BASE = "/api/v1/cue"
Id = Annotated[str, Path(min_length=1, max_length=100)]
Format = Annotated[CueFormatName, Path()]
FormatQuery = Annotated[CueFormatName, Query()]
Async = Annotated[bool, Query(description="Queue the work and answer 202 with the job (default false)")]

_ACCEPTED: dict[int, Any] = {
    # Listed because a route given `responses=` gets no 200 of its own; its schema is the
    # return annotation's (no `content` here).
    200: {"description": "Generated: the reference's answer, with ours beside it"},
    202: {
        "description": "async_processing=true: the queued job (poll status_url)",
        "content": {"application/json": {"model": JobAcceptedOut}},
    },
}


def _errors(*statuses: int) -> dict[int, Any]:
    """The standard error body for each status (typed as the decorators take it)."""
    return error_responses(*statuses)


_GENERATE_ERRORS = _errors(400, 404, 422, 503)


def _owner() -> str:
    return current_principal(app).user_id


def _answer(payload: dict[str, Any]) -> Response[Any]:
    status = 202 if payload.get("status") == "queued" and "status_url" in payload else 200
    return Response(status_code=status, content_type="application/json", body=payload)


@app.post(f"{BASE}/generate", responses={**_ACCEPTED, **_GENERATE_ERRORS})
@rules(permission="write", scope="cue", cost=CUE, idempotent=True)
def generate(body: GenerateRequest, async_processing: Async = False) -> Response[GenerateOut]:
    tracklist, notes = service.tracklist_from(_owner(), body.tracklist_id, body.tracklist)
    return _answer(
        service.generate(
            _owner(),
            tracklist,
            [body.format],
            body.options,
            audio_file_path=body.audio_file_path,
            validate_audio=body.validate_audio,
            notes=notes,
            asynchronous=async_processing,
            stored=body.tracklist is None,
        )
    )


@app.post(f"{BASE}/generate/batch", responses={**_ACCEPTED, **_GENERATE_ERRORS})
@rules(permission="write", scope="cue", cost=CUE, idempotent=True)
def generate_batch(body: BatchGenerateRequest, async_processing: Async = False) -> Response[BatchOut]:
    tracklist, notes = service.tracklist_from(_owner(), body.tracklist_id, body.tracklist)
    return _answer(
        service.batch(
            _owner(),
            tracklist,
            body.formats,
            body.options,
            audio_file_path=body.audio_file_path,
            validate_audio=body.validate_audio,
            notes=notes,
            asynchronous=async_processing,
            stored=body.tracklist is None,
        )
    )


@app.post(f"{BASE}/generate/<tracklist_id>", responses={**_ACCEPTED, **_GENERATE_ERRORS})
@rules(permission="write", scope="cue", cost=CUE, idempotent=True)
def generate_stored(
    tracklist_id: Id, body: GenerateStoredRequest, async_processing: Async = False
) -> Response[GenerateOut]:
    tracklist = service.stored_tracklist(tracklist_id, _owner())
    return _answer(
        service.generate(
            _owner(),
            tracklist,
            body.format_list(),
            body.options,
            audio_file_path=body.audio_file_path,
            validate_audio=body.validate_audio,
            asynchronous=async_processing,
        )
    )


@app.get(f"{BASE}/formats")
@rules(permission="read", scope="cue", cost=READ)
def list_formats() -> list[str]:
    return service.formats()


@app.get(f"{BASE}/formats/conversion-preview", responses=_errors(400, 422))
@rules(permission="read", scope="cue", cost=READ)
def preview_conversion(source_format: FormatQuery, target_format: FormatQuery) -> Response[list[str]]:
    preview = conversion_preview(source_format, target_format)
    return Response(
        status_code=200,
        content_type="application/json",
        body=preview_lines(preview),
        headers={
            "X-Conversion-Lossless": str(preview["lossless"]).lower(),
            "X-Source-Format": preview["source_format"],
            "X-Target-Format": preview["target_format"],
        },
    )


# 404: a format name holding a "/" (sent encoded) is another path, which no route serves.
@app.get(f"{BASE}/formats/<format_name>/capabilities", responses=_errors(400, 404, 422))
@rules(permission="read", scope="cue", cost=READ)
def capabilities(format_name: Format) -> CapabilitiesOut:
    return CapabilitiesOut.model_validate(dialect(format_name).capabilities())


@app.get(f"{BASE}/jobs/<job_id>/status", responses=_errors(404))
@rules(permission="read", scope="cue", cost=READ)
def job_status(job_id: Id) -> JobStatusOut:
    return JobStatusOut.model_validate(jobs.get(job_id, _owner()).to_json())


def _download(cue: CueFile, companion: str | None) -> Response[Any]:
    data, name, content_type = files.read(cue, companion)
    return Response(
        status_code=200,
        content_type=content_type,
        body=data,
        headers={
            "Content-Disposition": attachment(name),
            "X-File-Version": str(cue.version),
            "X-File-Format": cue.format,
            "Cache-Control": "no-cache",
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


@app.get(f"{BASE}/download/<cue_file_id>", responses={**_FILE_RESPONSES, **_errors(404, 500, 503)})
@rules(permission="read", scope="cue", cost=READ)
def download(cue_file_id: Id):
    return _download(files.get(cue_file_id, _owner()), None)


@app.get(
    f"{BASE}/download/<cue_file_id>/companions/<name>",
    responses={**_FILE_RESPONSES, **_errors(404, 500, 503)},
)
@rules(permission="read", scope="cue", cost=READ)
def download_companion(cue_file_id: Id, name: Annotated[str, Path(min_length=1, max_length=255)]):
    from urllib.parse import unquote

    return _download(files.get(cue_file_id, _owner()), unquote(name))


@app.get(f"{BASE}/files", responses=_errors(400, 422))
@rules(permission="read", scope="cue", cost=READ)
def list_files(
    limit: Annotated[int, Query(ge=1, le=files.MAX_LIST)] = 20,
    offset: Annotated[int, Query(ge=0, le=files.MAX_OFFSET)] = 0,
    format: Annotated[CueFormatName | None, Query()] = None,
    tracklist_id: Annotated[str | None, Query(max_length=100)] = None,
) -> FileListOut:
    page, total = files.list_files(
        _owner(), limit=limit, offset=offset, fmt=format, tracklist_id=tracklist_id
    )
    return FileListOut.model_validate(
        {
            "files": [files.view(f) for f in page],
            "pagination": offset_pagination(limit, offset, total, len(page)),
            "filters": {"tracklist_id": tracklist_id, "format": format},
            "total": total,
            "limit": limit,
            "offset": offset,
            "has_more": offset + len(page) < total,
        }
    )


@app.get(f"{BASE}/files/<cue_file_id>", responses=_errors(404))
@rules(permission="read", scope="cue", cost=READ)
def file_info(cue_file_id: Id) -> CueFileOut:
    cue = files.get(cue_file_id, _owner())
    return CueFileOut.model_validate(files.view(cue, files.accessible(cue)))


@app.delete(f"{BASE}/files/<cue_file_id>", responses=_errors(404, 503))
@rules(permission="write", scope="cue", cost=WRITE)
def delete_file(cue_file_id: Id, soft_delete: Annotated[bool, Query()] = True) -> DeleteOut:
    gone = files.delete(cue_file_id, _owner(), soft=soft_delete)
    kind = "soft" if soft_delete else "hard"
    return DeleteOut.model_validate(
        {
            "success": True,
            "cue_file_id": gone.cue_file_id,
            "deletion_type": kind,
            "deleted_at": gone.deleted_at if soft_delete and gone.deleted_at else iso(),
            "message": f"CUE file {kind} deleted successfully",
            "deleted": True,
            "soft_delete": soft_delete,
        }
    )


@app.post(f"{BASE}/files/<cue_file_id>/regenerate", responses=_errors(404, 422, 503))
@rules(permission="write", scope="cue", cost=CUE, idempotent=True)
def regenerate(cue_file_id: Id, body: RegenerateRequest) -> GenerateOut:
    cue = files.get(cue_file_id, _owner())
    return GenerateOut.model_validate(service.regenerate(cue_file_id, _owner(), body.merged(cue.options)))


@app.post(f"{BASE}/files/<cue_file_id>/validate", responses=_errors(404, 422))
@rules(permission="read", scope="cue", cost=READ)
def validate_file(cue_file_id: Id, body: FileValidateRequest) -> ValidationOut:
    opts = body.validation_options
    return ValidationOut.model_validate(
        service.validate_file(
            cue_file_id,
            _owner(),
            audio_file=body.audio_file,
            audio_file_path=body.audio_file_path,
            strict_timing=opts.strict_timing,
            strict_mode=opts.strict_mode,
            check_file_references=opts.check_file_references,
        )
    )


@app.post(f"{BASE}/files/<cue_file_id>/convert", responses=_errors(400, 404, 422, 503))
@rules(permission="write", scope="cue", cost=CUE, idempotent=True)
def convert(cue_file_id: Id, body: ConvertRequest) -> ConvertOut:
    return ConvertOut.model_validate(
        service.convert(
            cue_file_id,
            _owner(),
            body.target_format,
            body.options,
            preserve_metadata=body.preserve_metadata,
            conversion_options=body.conversion_options.model_dump(exclude_unset=True),
        )
    )


@app.post(f"{BASE}/validate", responses=_errors(400, 404, 422))
@rules(permission="read", scope="cue", cost=READ)
def validate(body: ValidateRequest) -> ValidationOut:
    tracklist, notes = service.tracklist_from(_owner(), body.tracklist_id, body.tracklist)
    opts = body.validation_options
    return ValidationOut.model_validate(
        service.validate(
            _owner(),
            tracklist,
            body.format,
            body.options,
            audio_file=body.audio_file,
            audio_file_path=body.audio_file_path,
            strict_mode=opts.strict_mode,
            strict_timing=opts.strict_timing,
            check_file_references=opts.check_file_references,
            notes=notes,
        )
    )


@app.get(f"{BASE}/cache/stats")
@rules(permission="read", scope="cue", cost=READ)
def cache_stats() -> CacheStatsOut:
    return CacheStatsOut.model_validate(cache.stats(_owner()))


@app.post(f"{BASE}/cache/warm", responses=_errors(400, 422))
@rules(permission="write", scope="cue", cost=WRITE)
def cache_warm(body: WarmRequest) -> WarmOut:
    return WarmOut.model_validate(
        service.warm(_owner(), body.tracklist_ids, body.formats, body.options.cue_options())
    )


@app.delete(f"{BASE}/cache/clear", responses=_errors(422))
@rules(permission="write", scope="cue", cost=WRITE)
def cache_clear(
    pattern: Annotated[
        str | None,
        Query(max_length=200, description="A glob over our keys; a leading 'cue:' is the namespace"),
    ] = None,
) -> ClearOut:
    return ClearOut.model_validate(service.clear(_owner(), pattern))


class UploadOut(Out):
    """Where and how to POST a tracklist file; its CUE sheets are made when it lands."""

    url: str
    fields: dict[str, str]
    key: str
    formats: list[str]
    gap_handling: str
    expires_in: int


@app.post(f"{BASE}/uploads", status_code=201, responses=_errors(422))
@rules(permission="write", scope="cue", cost=WRITE, idempotent=True)
def create_upload(body: UploadRequest) -> Response[UploadOut]:
    # The body is the dict itself: Powertools validates it through UploadOut (a JSON string
    # was refused as "not an object" with a 422 about the response).
    payload = uploads.presigned_post(
        _owner(), body.filename, body.formats, body.content_type, body.gap_handling
    )
    return Response(status_code=201, content_type="application/json", body=UploadOut.model_validate(payload))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    return serve_or_dispatch(app, event, context, {jobs.CUE_JOB: _generation_job})


def _generation_job(payload: dict[str, Any]) -> dict[str, Any]:
    """A queued generation job (jobs.submit); a repeated delivery finds it taken and skips it."""
    job = jobs.run(str(payload.get("job_id", "")), service.run_job)
    return {"job_id": payload.get("job_id"), "status": job.status if job else "skipped"}
