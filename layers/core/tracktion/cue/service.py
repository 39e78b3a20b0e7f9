"""What the CUE routes do, one function per use case, so the handler stays a thin edge.

Every answer is the reference's shape (docs/api-contract.md, "CUE generation") with our own
fields beside it. Documented options that choose nothing we can act on are accepted and named
in `warnings` (tracktion.contract.warning).
"""

from __future__ import annotations

import posixpath
import time
from typing import Any, Literal

from tracktion.clock import iso
from tracktion.contract import warning
from tracktion.cue import audio, cache, files, jobs, validation
from tracktion.cue.contract import GenerationOptions, TracklistData
from tracktion.cue.dialects import DIALECTS, FILE_TYPES, conversion_preview, dialect, preview_lines
from tracktion.cue.files import CueFile
from tracktion.cue.options import CueOptions
from tracktion.errors import NotFound, TracktionError, ValidationFailed
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore

BASE = "/api/v1/cue"
LATEST_SCAN_PAGES = 10


class RequiredFieldMissing(ValidationFailed):
    error_code = "REQUIRED_FIELD_MISSING"


class GenerationFailed(TracktionError):
    """The reference's CUE_GENERATION_FAILED; `details.reason` keeps the finer cause."""

    status = 422
    error_code = "CUE_GENERATION_FAILED"

    def __init__(self, exc: TracktionError) -> None:
        super().__init__(exc.message, details={**exc.details, "reason": exc.error_code})


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# ---------------------------------------------------------------- tracklists


def stored_tracklist(tracklist_id: str, owner_id: str) -> Tracklist:
    return TracklistStore().get(tracklist_id, owner_id)


def latest_tracklist(owner_id: str) -> Tracklist | None:
    """The caller's most recently created or updated tracklist (drafts included)."""
    store, cursor, best = TracklistStore(), None, None
    for _ in range(LATEST_SCAN_PAGES):
        page, cursor = store.list_by_owner(owner_id, limit=100, cursor=cursor)
        for t in page:
            if best is None or (t.updated_at or t.created_at) > (best.updated_at or best.created_at):
                best = t
        if not cursor:
            break
    return best


def tracklist_from(
    owner_id: str, tracklist_id: str | None, data: TracklistData | None
) -> tuple[Tracklist, list[dict[str, Any]]]:
    """The body's tracklist, the stored one it names, else the caller's latest (said in warnings)."""
    if data is not None:
        return data.for_owner(owner_id), []
    if tracklist_id is not None:
        return stored_tracklist(tracklist_id, owner_id), []
    latest = latest_tracklist(owner_id)
    if latest is None:
        raise RequiredFieldMissing(
            "tracklist_id is required: you have no tracklist to generate from",
            details={"field": "tracklist_id"},
        )
    return latest, [
        warning(
            "tracklist_chosen",
            f"No tracklist_id given: used your most recently created or updated tracklist "
            f"{latest.tracklist_id} ({latest.title!r})",
            field="tracklist_id",
            severity="info",
        )
    ]


# ---------------------------------------------------------------- options and audio


def option_warnings(options: GenerationOptions, formats: list[str]) -> list[dict[str, Any]]:
    """The documented options that choose nothing in the sheets asked for."""
    out = []
    if options.cdj_version is not None:
        out.append(
            warning(
                "option_ignored",
                f"cdj_version {options.cdj_version!r}: every CDJ plays the same burned audio CD, "
                "so the cdj sheet does not depend on the model",
                field="options.cdj_version",
            )
        )
    if options.memory_cue_points is not None:
        others = [f for f in formats if dialect(f).name != "rekordbox"]
        if options.memory_cue_points and others:
            out.append(
                warning(
                    "option_ignored",
                    f"memory_cue_points: a CUE sheet has no memory cues ({', '.join(others)}); they are "
                    "written only in the rekordbox format's XML companion",
                    field="options.memory_cue_points",
                )
            )
        if not options.memory_cue_points and len(others) < len(formats):
            out.append(
                warning(
                    "option_ignored",
                    "memory_cue_points false: the rekordbox XML always marks every track start",
                    field="options.memory_cue_points",
                )
            )
    return out


def _storage_ref(path: str) -> bool:
    """Whether a path names an object in our storage (else it is a path on the caller's disk)."""
    return path.startswith("s3://") or path.lstrip("/").startswith(("incoming/", "audio/"))


def audio_for(
    owner_id: str, path: str | None, read: bool, field: str = "validate_audio"
) -> tuple[audio.AudioInfo | None, list[dict[str, Any]]]:
    """The audio's real length when asked for and readable here; a warning when it is not."""
    if not read or not path:
        if read and not path:
            return None, [warning("option_ignored", "validate_audio needs audio_file_path", field=field)]
        return None, []
    if not _storage_ref(path):
        return None, [
            warning(
                "option_ignored",
                f"{path!r} is not audio this service can read (only uploads: s3://<bucket>/<key>, "
                "incoming/<you>/... or audio/<you>/...), so the audio was not checked",
                field=field,
            )
        ]
    return audio.duration(path, owner_id), []


def with_audio_name(
    options: CueOptions, path: str | None, formats: list[str]
) -> tuple[CueOptions, list[dict[str, Any]]]:
    """audio_file_path's file name becomes the sheets' FILE (and its type, where they take it)."""
    if not path or options.audio_filename:
        return options, []
    name = posixpath.basename(path.replace("\\", "/"))
    if not name:
        return options, []
    update: dict[str, Any] = {"audio_filename": name}
    found: list[dict[str, Any]] = []
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    ext = {"aif": "aiff", "wave": "wav"}.get(ext, ext)
    if ext in FILE_TYPES and options.audio_format is None:
        refusing = [dialect(f).name for f in formats if ext not in dialect(f).audio_formats]
        if refusing:
            found.append(
                warning(
                    "option_adapted",
                    f"{', '.join(refusing)} does not take {ext} audio: FILE named {name!r} with "
                    "that format's own type",
                    field="audio_file_path",
                )
            )
        else:
            update["audio_format"] = ext
    return options.model_copy(update=update), found


# ---------------------------------------------------------------- generation


def _seconds(value: float | None) -> int | None:
    return None if value is None else int(value + 0.5)


def _durations(info: audio.AudioInfo | None, tracklist_seconds: float | None) -> dict[str, Any]:
    """Whole seconds as the reference shows them (5400), the exact values beside."""
    exact = round(info.duration_seconds, 3) if info else None
    return {
        "audio_duration": _seconds(exact),
        "tracklist_duration": _seconds(tracklist_seconds),
        "audio_duration_seconds": exact,
        "tracklist_duration_seconds": tracklist_seconds,
    }


def _report(made: list[CueFile], tracklist: Tracklist, info: audio.AudioInfo | None) -> dict[str, Any]:
    found = [w for f in made for w in f.warnings]
    if info is not None:
        found += validation.audio_findings(tracklist, info)
    unique = list({repr(sorted(w.items())): w for w in found}.values())
    return {
        "valid": True,
        "error": None,
        "warnings": [validation.issue(w, "warning") for w in unique],
        "metadata": {
            "track_count": made[0].track_count if made else 0,
            "disc_count": made[0].disc_count if made else 0,
            **_durations(info, tracklist.duration_seconds),
            "audio": info.to_json() if info else None,
        },
    }


def _generate(tracklist: Tracklist, formats: list[str], options: CueOptions) -> list[CueFile]:
    try:
        return files.generate_files(tracklist, formats, options)
    except ValidationFailed as exc:
        raise GenerationFailed(exc) from exc


def _answer(
    made: list[CueFile],
    tracklist: Tracklist,
    info: audio.AudioInfo | None,
    notes: list[dict[str, Any]],
    started: float,
) -> dict[str, Any]:
    first = made[0]
    return {
        "success": True,
        "job_id": None,
        "cue_file_id": first.cue_file_id,
        "file_path": first.file_path,
        "validation_report": _report(made, tracklist, info),
        "error": None,
        "processing_time_ms": _ms(started),
        "download_url": f"{BASE}/download/{first.cue_file_id}",
        "cue_files": [files.view(f) for f in made],
        "cue_file_ids": [f.cue_file_id for f in made],
        "tracklist_id": tracklist.tracklist_id,
        "warnings": notes,
    }


def _plan(
    owner_id: str,
    formats: list[str],
    options: GenerationOptions,
    audio_file_path: str | None,
    validate_audio: bool,
    notes: list[dict[str, Any]],
) -> tuple[list[str], CueOptions, audio.AudioInfo | None, list[dict[str, Any]]]:
    names = list(dict.fromkeys(dialect(f).name for f in formats))  # unknown: 400 INVALID_FORMAT now
    cue_options, named = with_audio_name(options.cue_options(), audio_file_path, names)
    info, unread = audio_for(owner_id, audio_file_path, validate_audio)
    return names, cue_options, info, [*notes, *option_warnings(options, names), *named, *unread]


def _job_request(tracklist: Tracklist, formats: list[str], stored: bool, **more: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"formats": formats, "tracklist_id": tracklist.tracklist_id, **more}
    if not stored:
        request["tracklist"] = tracklist.model_dump(mode="json")
    return request


def generate(
    owner_id: str, tracklist: Tracklist, formats: list[str], options: GenerationOptions, **how: Any
) -> dict[str, Any]:
    """The generate answer (or, asynchronously, the queued job's); `how` as `_run` takes it."""
    return _run("generate", owner_id, tracklist, formats, options, **how)


def _job_result(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "job_id"}


def queued(job: jobs.CueJob, started: float) -> dict[str, Any]:
    """202: the job as its status answers it, and the generate fields not known yet."""
    return {
        **job.to_json(),
        "success": True,
        "cue_file_id": None,
        "file_path": None,
        "validation_report": None,
        "error": None,
        "processing_time_ms": _ms(started),
        "status_url": f"{BASE}/jobs/{job.job_id}/status",
        "warnings": job.request.get("warnings", []),
    }


def batch(
    owner_id: str, tracklist: Tracklist, formats: list[str], options: GenerationOptions, **how: Any
) -> dict[str, Any]:
    """One file per format, each on its own: a format that cannot be made fails alone."""
    return _run("batch", owner_id, tracklist, formats, options, **how)


def _run(
    kind: Literal["generate", "batch"],
    owner_id: str,
    tracklist: Tracklist,
    formats: list[str],
    options: GenerationOptions,
    *,
    audio_file_path: str | None = None,
    validate_audio: bool = False,
    notes: list[dict[str, Any]] | None = None,
    asynchronous: bool = False,
    stored: bool = True,
) -> dict[str, Any]:
    """Generate (one answer for the first file) or batch (one result per format), now or as a job.

    A synchronous run is recorded as a completed job, so its `job_id` answers on the status route.
    """
    started, when = time.monotonic(), iso()
    names, cue_options, info, notes = _plan(
        owner_id, formats, options, audio_file_path, validate_audio and not asynchronous, notes or []
    )
    more = {
        "options": cue_options.model_dump(mode="json"),
        "audio_file_path": audio_file_path,
        "validate_audio": validate_audio,
        "warnings": notes,
    }
    if asynchronous:
        job = jobs.submit(owner_id, _job_request(tracklist, names, stored, kind=kind, **more))
        if kind == "generate":
            return queued(job, started)
        # Nothing made yet: the batch counts read 0 of total_files until the job completes.
        return {
            **queued(job, started),
            "results": [],
            "total_files": len(names),
            "successful_files": 0,
            "failed_files": 0,
        }
    if kind == "generate":
        answer = _answer(_generate(tracklist, names, cue_options), tracklist, info, notes, started)
    else:
        answer = _batch(tracklist, names, cue_options, info, notes, started)
    job = jobs.record_completed(
        owner_id, _job_request(tracklist, names, True, kind=kind, **more), _job_result(answer), when
    )
    return {**answer, "job_id": job.job_id}


def _batch(
    tracklist: Tracklist,
    names: list[str],
    options: CueOptions,
    info: audio.AudioInfo | None,
    notes: list[dict[str, Any]],
    started: float,
) -> dict[str, Any]:
    results, made = [], []
    for name in names:
        try:
            (cue,) = files.generate_files(tracklist, [name], options)
        except (ValidationFailed, files.StorageError) as exc:
            code = exc.error_code if isinstance(exc, files.StorageError) else GenerationFailed.error_code
            results.append(
                {
                    "format": name,
                    "success": False,
                    "cue_file_id": None,
                    "file_path": None,
                    "error": exc.message,
                    "error_code": code,
                    "details": {**exc.details, "reason": exc.error_code},
                }
            )
            continue
        except TracktionError as exc:  # e.g. an audio format this dialect does not take
            results.append(
                {
                    "format": name,
                    "success": False,
                    "cue_file_id": None,
                    "file_path": None,
                    "error": exc.message,
                    "error_code": exc.error_code,
                    "details": exc.details,
                }
            )
            continue
        made.append(cue)
        results.append(
            {
                "format": name,
                "success": True,
                "cue_file_id": cue.cue_file_id,
                "file_path": cue.file_path,
                "error": None,
                "download_url": f"{BASE}/download/{cue.cue_file_id}",
                "cue_file": files.view(cue),
            }
        )
    ok = len(made)
    return {
        "success": ok > 0,
        "results": results,
        "total_files": len(names),
        "successful_files": ok,
        "failed_files": len(names) - ok,
        "processing_time_ms": _ms(started),
        "cue_file_id": made[0].cue_file_id if made else None,
        "file_path": made[0].file_path if made else None,
        "cue_file_ids": [f.cue_file_id for f in made],
        "cue_files": [files.view(f) for f in made],
        "validation_report": _report(made, tracklist, info) if made else None,
        "tracklist_id": tracklist.tracklist_id,
        "warnings": notes,
    }


def run_job(job: jobs.CueJob) -> dict[str, Any]:
    """An asynchronous job: the same answer a synchronous call gives, kept as its result."""
    started = time.monotonic()
    req = job.request
    if "tracklist" in req:
        tracklist = Tracklist.model_validate(req["tracklist"])
    else:
        tracklist = stored_tracklist(req["tracklist_id"], job.owner_id)
    options = CueOptions.model_validate(req["options"])
    notes = list(req.get("warnings") or [])
    info, unread = audio_for(job.owner_id, req.get("audio_file_path"), bool(req.get("validate_audio")))
    notes += unread
    if req.get("kind") == "batch":
        return _batch(tracklist, req["formats"], options, info, notes, started)
    return _answer(_generate(tracklist, req["formats"], options), tracklist, info, notes, started)


# ---------------------------------------------------------------- files


def _current_tracklist(cue: CueFile) -> Tracklist:
    """The tracklist as stored now (edits included), else the copy kept with the file."""
    try:
        return stored_tracklist(cue.tracklist_id, cue.owner_id)
    except NotFound:
        return files.source_tracklist(cue)


def regenerate(cue_file_id: str, owner_id: str, options: GenerationOptions) -> dict[str, Any]:
    started, when = time.monotonic(), iso()
    cue = files.get(cue_file_id, owner_id)
    tracklist = _current_tracklist(cue)
    notes = option_warnings(options, [cue.format])
    try:
        made = files.regenerate(cue, tracklist, options.cue_options())
    except ValidationFailed as exc:
        raise GenerationFailed(exc) from exc
    answer = _answer([made], tracklist, None, notes, started)
    request = {"formats": [cue.format], "tracklist_id": cue.tracklist_id, "kind": "regenerate"}
    job = jobs.record_completed(owner_id, request, _job_result(answer), when)
    return {**answer, "job_id": job.job_id, "source_cue_file_id": cue.cue_file_id}


def convert(
    cue_file_id: str,
    owner_id: str,
    target: str,
    options: GenerationOptions | None,
    preserve_metadata: bool = True,
    conversion_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    started = time.monotonic()
    cue = files.get(cue_file_id, owner_id)
    preview = conversion_preview(cue.format, target)
    base = options or GenerationOptions.model_validate(cue.options)
    conv = conversion_options or {}
    update: dict[str, Any] = {"include_metadata": base.include_metadata and preserve_metadata}
    if base.audio_format and base.audio_format not in dialect(target).audio_formats:
        update["audio_format"] = None
    if conv.get("cdj_version") is not None:
        update["cdj_version"] = conv["cdj_version"]
    if conv.get("generate_memory_cues") is not None:
        update["memory_cue_points"] = conv["generate_memory_cues"]
    opts = GenerationOptions.model_validate({**base.model_dump(), **update})
    notes = [
        {
            **w,
            "field": str(w.get("field", ""))
            .replace("options.", "conversion_options.")
            .replace("memory_cue_points", "generate_memory_cues"),
        }
        for w in option_warnings(opts, [target])
    ]
    try:
        (made,) = files.generate_files(files.source_tracklist(cue), [target], opts.cue_options())
    except ValidationFailed as exc:
        raise GenerationFailed(exc) from exc
    found = [validation.issue(w, "warning") for w in made.warnings]
    conversion = [
        {"type": "conversion_warning", "message": line, "severity": "warning"}
        for line in (preview_lines(preview) if not preview["lossless"] else [])
    ]
    recommendations = [f"Successfully converted from {cue.format} to {made.format}"]
    if made.companions:
        recommendations.append(
            "Download the companion files too: " + ", ".join(c.name for c in made.companions)
        )
    return {
        "success": True,
        "cue_file_id": made.cue_file_id,
        "source_cue_file_id": cue.cue_file_id,
        "source_format": cue.format,
        "target_format": made.format,
        "conversion_needed": cue.format != made.format,
        "warnings": [*conversion, *found, *({**n, "severity": "warning"} for n in notes)],
        "errors": [],
        "metadata": {
            "preserve_metadata": preserve_metadata,
            "conversion_options": conv,
        },
        "file_path": made.file_path,
        "file_size": made.size,
        "checksum": made.checksum,
        "version": made.version,
        "processing_time_ms": _ms(started),
        "recommendations": recommendations,
        "download_url": f"{BASE}/download/{made.cue_file_id}",
        "cue_file": files.view(made),
        "conversion": preview,
    }


# ---------------------------------------------------------------- validation


def _audio_ref(
    owner_id: str, audio_file: str | None, audio_file_path: str | None
) -> tuple[audio.AudioInfo | None, list[dict[str, Any]]]:
    if audio_file:
        return audio.duration(audio_file, owner_id), []
    if audio_file_path:
        return audio_for(owner_id, audio_file_path, True, field="audio_file_path")
    return None, []


def _validation_answer(
    report: dict[str, Any],
    *,
    started: float,
    cue: CueFile | None,
    fmt: str,
    metadata: dict[str, Any],
    notes: list[dict[str, Any]],
) -> dict[str, Any]:
    answer = {
        **report,
        "cue_file_id": cue.cue_file_id if cue else None,
        "format": fmt,
        "file_path": cue.file_path if cue else None,
        "validation_timestamp": iso(),
        "metadata": metadata,
        "processing_time_ms": _ms(started),
    }
    answer["warnings"] = [*answer["warnings"], *notes]
    return answer


def validate(
    owner_id: str,
    tracklist: Tracklist,
    fmt: str,
    options: GenerationOptions,
    *,
    audio_file: str | None = None,
    audio_file_path: str | None = None,
    strict_mode: bool = False,
    strict_timing: bool = False,
    check_file_references: bool = False,
    notes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    started = time.monotonic()
    name = dialect(fmt).name
    cue_options, named = with_audio_name(options.cue_options(), audio_file_path or audio_file, [name])
    info, unread = _audio_ref(owner_id, audio_file, audio_file_path)
    report = validation.validate_tracklist(tracklist, name, cue_options, info)
    sheet = report.pop("sheet")
    refs = (
        validation.file_reference_findings(sheet.get("audio_files", []), audio_file_path or audio_file)
        if check_file_references and sheet
        else []
    )
    final = validation.reference_report(
        report, strict_timing=strict_timing, strict_all=strict_mode, extra_warnings=refs
    )
    metadata = {
        "file_size": sheet.get("file_size"),
        "checksum": sheet.get("checksum"),
        "version": None,
        **_durations(info, tracklist.duration_seconds),
        "tracklist_version": tracklist.version,
    }
    extra = [*(notes or []), *option_warnings(options, [name]), *named, *unread]
    answer = _validation_answer(final, started=started, cue=None, fmt=name, metadata=metadata, notes=extra)
    return {**answer, "tracklist_id": tracklist.tracklist_id}


def validate_file(
    cue_file_id: str,
    owner_id: str,
    *,
    audio_file: str | None = None,
    audio_file_path: str | None = None,
    strict_timing: bool = False,
    strict_mode: bool = False,
    check_file_references: bool = False,
) -> dict[str, Any]:
    started = time.monotonic()
    cue = files.get(cue_file_id, owner_id)
    data, _name, _ctype = files.read(cue)
    info, unread = _audio_ref(owner_id, audio_file, audio_file_path)
    report = validation.validate_sheet(data.decode(cue.encoding), cue.format, info)
    named = report.pop("audio_files", [])
    refs = (
        validation.file_reference_findings(named, audio_file_path or audio_file)
        if check_file_references
        else []
    )
    final = validation.reference_report(
        report, strict_timing=strict_timing, strict_all=strict_mode, extra_warnings=refs
    )
    metadata = {
        "file_size": cue.size,
        "checksum": cue.checksum,
        "version": cue.version,
        **_durations(info, cue.duration_seconds),
    }
    answer = _validation_answer(
        final, started=started, cue=cue, fmt=cue.format, metadata=metadata, notes=unread
    )
    return {**answer, "checksum": cue.checksum}


# ---------------------------------------------------------------- formats and cache


def formats() -> list[str]:
    return list(DIALECTS)


def warm(owner_id: str, tracklist_ids: list[str], formats_: list[str], options: CueOptions) -> dict[str, Any]:
    """Render ahead of use; ids the caller does not own (or that do not exist) are not found."""
    started = time.monotonic()
    names = list(dict.fromkeys(dialect(f).name for f in formats_))
    keys: list[str] = []
    processed: list[str] = []
    not_found: list[str] = []
    failed: list[dict[str, Any]] = []
    warmed_formats: set[str] = set()
    for tracklist_id in dict.fromkeys(tracklist_ids):
        try:
            tracklist = stored_tracklist(tracklist_id, owner_id)
        except NotFound:
            not_found.append(tracklist_id)
            continue
        for name in names:
            try:
                made = cache.warm(tracklist, [name], options)
            except ValidationFailed as exc:
                failed.append(
                    {
                        "tracklist_id": tracklist_id,
                        "format": name,
                        "error": exc.message,
                        "reason": exc.error_code,
                    }
                )
                continue
            keys += made
            if made:
                warmed_formats.add(name)
        processed.append(tracklist_id)
    live = cache.stats(owner_id)["cached_items"]
    notes = [
        warning("not_found", f"Tracklist {tid} not found: not warmed", field="tracklist_ids")
        for tid in not_found
    ] + [
        warning("warm_failed", f"{f['tracklist_id']} ({f['format']}): {f['error']}", field="tracklist_ids")
        for f in failed
    ]
    return {
        "success": not not_found and not failed,
        "tracklists_processed": len(processed),
        "formats_cached": len(warmed_formats),
        "total_entries_created": len(keys),
        "processing_time_ms": _ms(started),
        "cache_hit_improvement": round(len(keys) / live, 4) if live else 0.0,
        "not_found": not_found,
        "failed": failed,
        "warnings": notes,
        "warmed": len(keys),
        "keys": keys,
    }


def clear(owner_id: str, pattern: str | None) -> dict[str, Any]:
    removed = cache.clear(owner_id, pattern)
    return {
        "success": True,
        "cleared_entries": removed,
        "pattern": pattern if pattern is not None else "*",
        "message": f"Cleared {removed} cache entries",
        "timestamp": iso(),
        "cleared": removed,
    }
