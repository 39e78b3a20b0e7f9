"""What the CUE routes do, one function per use case, so the handler stays a thin edge."""

from __future__ import annotations

from typing import Any

from tracktion.cue import audio, cache, files, jobs, validation
from tracktion.cue.contract import TracklistData
from tracktion.cue.dialects import DIALECTS, conversion_preview, dialect
from tracktion.cue.files import CueFile
from tracktion.cue.options import CueOptions
from tracktion.errors import NotFound
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore


def stored_tracklist(tracklist_id: str, owner_id: str) -> Tracklist:
    return TracklistStore().get(tracklist_id, owner_id)


def tracklist_from(owner_id: str, tracklist_id: str | None, data: TracklistData | None) -> Tracklist:
    if data is not None:
        return data.for_owner(owner_id)
    return stored_tracklist(str(tracklist_id), owner_id)


def formats() -> dict[str, Any]:
    return {
        "formats": [
            {"format": d.name, "label": d.label, "summary": d.summary, "companion_files": list(d.companions)}
            for d in DIALECTS.values()
        ]
    }


def generate(tracklist: Tracklist, formats_: list[str], options: CueOptions) -> list[CueFile]:
    return files.generate_files(tracklist, formats_, options)


def queue(
    owner_id: str, tracklist: Tracklist, formats_: list[str], options: CueOptions, stored: bool
) -> jobs.CueJob:
    for name in formats_:
        dialect(name)  # an unknown format is a 400 now, not a failed job later
    request: dict[str, Any] = {
        "formats": formats_,
        "options": options.model_dump(mode="json"),
        "tracklist_id": tracklist.tracklist_id,
    }
    if not stored:
        request["tracklist"] = tracklist.model_dump(mode="json")
    return jobs.submit(owner_id, request)


def run_job(job: jobs.CueJob) -> dict[str, Any]:
    req = job.request
    if "tracklist" in req:
        tracklist = Tracklist.model_validate(req["tracklist"])
    else:
        tracklist = stored_tracklist(req["tracklist_id"], job.owner_id)
    made = files.generate_files(tracklist, req["formats"], CueOptions.model_validate(req["options"]))
    return {"cue_file_ids": [f.cue_file_id for f in made], "cue_files": [files.to_json(f) for f in made]}


def _current_tracklist(cue: CueFile) -> Tracklist:
    """The tracklist as stored now (edits included), else the copy kept with the file."""
    try:
        return stored_tracklist(cue.tracklist_id, cue.owner_id)
    except NotFound:
        return files.source_tracklist(cue)


def regenerate(cue_file_id: str, owner_id: str, options: CueOptions | None) -> CueFile:
    cue = files.get(cue_file_id, owner_id)
    return files.regenerate(cue, _current_tracklist(cue), options)


def convert(cue_file_id: str, owner_id: str, target: str, options: CueOptions | None) -> dict[str, Any]:
    cue = files.get(cue_file_id, owner_id)
    preview = conversion_preview(cue.format, target)
    opts = options or CueOptions.model_validate(cue.options)
    if opts.audio_format and opts.audio_format not in dialect(target).audio_formats:
        opts = opts.model_copy(update={"audio_format": None})
    (made,) = files.generate_files(files.source_tracklist(cue), [target], opts)
    return {"cue_file": files.to_json(made), "source_cue_file_id": cue.cue_file_id, "conversion": preview}


def validate(
    owner_id: str, tracklist: Tracklist, fmt: str, options: CueOptions, audio_ref: str | None
) -> dict[str, Any]:
    info = audio.duration(audio_ref, owner_id) if audio_ref else None
    return validation.validate_tracklist(tracklist, fmt, options, info)


def validate_file(cue_file_id: str, owner_id: str, audio_ref: str | None) -> dict[str, Any]:
    cue = files.get(cue_file_id, owner_id)
    data, _name, _ctype = files.read(cue)
    info = audio.duration(audio_ref, owner_id) if audio_ref else None
    report = validation.validate_sheet(data.decode(cue.encoding), cue.format, info)
    return {**report, "cue_file_id": cue.cue_file_id, "checksum": cue.checksum}


def warm(owner_id: str, tracklist_ids: list[str], formats_: list[str], options: CueOptions) -> dict[str, Any]:
    keys: list[str] = []
    for tracklist_id in tracklist_ids:
        keys += cache.warm(stored_tracklist(tracklist_id, owner_id), formats_, options)
    return {"warmed": len(keys), "keys": keys}
