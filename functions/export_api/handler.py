"""Exports beside CUE and what plays when: GET /api/v1/tracklists/{tracklist_id}/export/{target},
GET /api/v1/tracklists/{tracklist_id}/export/mixcloud/check and GET /api/v1/tracklists/{tracklist_id}/at.

Any of the caller's tracklists (imported, pasted or written) exports as YouTube chapters,
Mixcloud upload sections (JSON, or `?as=form` the upload form's fields), an FFmpeg FFMETADATA1
chapters file, or plain description text. Rows without a time get estimated starts
(`tracktion.tracklists.estimates`), flagged in every answer (`start_time_estimated`) and named
in a warning. Another user's tracklist is a 404, as for GET /api/v1/tracklists/{id}. Readings of
the targets' rules: docs/api-contract.md, "Exports".
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import Field

from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.api.rules import rules
from tracktion.api.shapes import (
    MAX_SET_SECONDS,
    Out,
    Warning_,
    attachment,
    error_responses,
    hms,
    track_out,
)
from tracktion.auth.weights import READ, WRITE
from tracktion.config import AuthSettings, CoreSettings, load
from tracktion.errors import ValidationFailed
from tracktion.exports import ffmetadata, mixcloud, text, youtube
from tracktion.exports.chapters import catalog_lengths, estimated_tracklist
from tracktion.observability import logger
from tracktion.tracklists.estimates import Estimated
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.playing import Slot, playing_at
from tracktion.tracklists.store import TracklistStore

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings)

app = make_app()

BASE = "/api/v1/tracklists"
TracklistId = Annotated[str, Path(min_length=1, max_length=100)]
Target = Literal["youtube", "mixcloud", "ffmetadata", "text"]
As = Literal["json", "text", "form"]
ERRORS: dict[int, Any] = error_responses(400, 404, 422)
TEXT_TYPE = "text/plain; charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"
FILE_NAMES = {
    "youtube": "youtube-chapters.txt",
    "ffmetadata": "chapters.txt",
    "text": "tracklist.txt",
    "mixcloud": "mixcloud-sections.json",
}


# ---------------------------------------------------------------- answer models


class ExportOut(Out):
    """One export of a tracklist; which fields are filled depends on the target."""

    tracklist_id: str
    target: str
    text: str | None = Field(default=None, description="The export as text (youtube, ffmetadata, text)")
    chapters: list[dict[str, Any]] = Field(
        default_factory=list,
        description="start_seconds, end_seconds, title, positions, start_time_estimated (+ timestamp)",
    )
    valid: bool | None = Field(
        default=None, description="youtube: true when YouTube will show these chapters"
    )
    violations: list[dict[str, Any]] = Field(
        default_factory=list,
        description="youtube: each rule the tracklist as given breaks (rule, tracks, message)",
    )
    changes: list[dict[str, Any]] = Field(
        default_factory=list,
        description="youtube: what was done to reach the valid form (merged, dropped ...)",
    )
    sections: list[dict[str, Any]] = Field(
        default_factory=list, description="mixcloud: the upload's sections"
    )
    fields: dict[str, str] = Field(default_factory=dict, description="mixcloud: sections-N-* form fields")
    check: dict[str, Any] | None = Field(default=None, description="mixcloud: the US licensing check")
    options: dict[str, Any] = Field(default_factory=dict)
    start_time_estimated: list[int] = Field(
        default_factory=list, description="Positions whose start time is an estimate"
    )
    warnings: list[Warning_] = Field(default_factory=list)


class MixcloudCheckOut(Out):
    tracklist_id: str
    ok: bool = Field(description="false when any rule is broken")
    breaches: list[dict[str, Any]]
    not_checked: list[dict[str, Any]]
    length_seconds: float | None = None
    warnings: list[Warning_] = Field(default_factory=list)


class SlotOut(Out):
    number: int = Field(description="1-based slot number in the set (rows played together are one slot)")
    start_time: str | None
    start_seconds: float
    end_time: str | None = None
    end_seconds: float | None = None
    start_time_estimated: bool
    end_time_estimated: bool = False
    tracks: list[dict[str, Any]]


class PlayingOut(Out):
    tracklist_id: str
    t: float
    time: str | None
    status: str = Field(description="playing, before_first, after_end, open_ended (length unknown) or empty")
    message: str
    previous: SlotOut | None = None
    current: SlotOut | None = None
    next: SlotOut | None = None
    set_end_seconds: float | None = None
    set_end: str | None = None
    estimated: bool = Field(description="true when a start or end shown here is an estimate")
    warnings: list[Warning_] = Field(default_factory=list)


# ---------------------------------------------------------------- helpers


def _load(tracklist_id: str) -> Tracklist:
    """The caller's tracklist (another user's is a 404), as GET /api/v1/tracklists/{id} loads it."""
    return TracklistStore().get(tracklist_id, current_principal(app).user_id)


def _file_name(t: Tracklist, target: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", t.title).strip("-").lower()[:60] or "tracklist"
    return f"{slug}-{FILE_NAMES.get(target, 'export.txt')}"


def _raw(body: str, content_type: str, name: str | None = None) -> Response[Any]:
    headers = {"Content-Disposition": attachment(name)} if name else {}
    return Response(status_code=200, content_type=content_type, body=body, headers=headers)


def _estimated(est: Estimated) -> list[int]:
    return sorted(est.estimated)


# ---------------------------------------------------------------- routes


@app.get(f"{BASE}/<tracklist_id>/export/mixcloud/check", responses=ERRORS)
@rules(permission="read", scope="tracklists", cost=READ)
def mixcloud_check(tracklist_id: TracklistId) -> MixcloudCheckOut:
    t = _load(tracklist_id)
    est = estimated_tracklist(t)
    result = mixcloud.check(mixcloud.rows_of(est.tracks), est.end)
    return MixcloudCheckOut.model_validate(
        {"tracklist_id": t.tracklist_id, **result, "length_seconds": est.end, "warnings": est.warnings}
    )


EXPORT_RESPONSES: dict[int, Any] = {
    200: {
        "description": "The export: JSON (default), the text itself (as=text) or the upload form's "
        "fields (as=form, mixcloud)",
        "content": {
            "application/json": {"model": ExportOut},
            "text/plain": {"schema": {"type": "string"}},
            FORM_TYPE: {"schema": {"type": "string"}},
        },
    },
    **ERRORS,
}


ShortQ = Annotated[
    youtube.ShortChapters,
    Query(description="youtube: a chapter under 10 s is merged into its neighbour or dropped"),
]
HoursQ = Annotated[
    youtube.Hours, Query(description="youtube: H:MM:SS from an hour on (auto) or on every line")
]
StyleQ = Annotated[text.Style, Query(description="text: numbered, timed or plain lines")]
TemplateQ = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=text.MAX_TEMPLATE,
        description="text: a line of your own with {n} {nn} {time} {artist} {title} {remix} "
        "{label} {track} {est}",
    ),
]
MaxTitleQ = Annotated[
    int,
    Query(
        ge=0,
        le=1000,
        description="ffmetadata: cut chapter titles to this many UTF-8 bytes (0: never); FFmpeg's "
        "MP3 chapters lose titles longer than about 115 bytes",
    ),
]
UnidentifiedQ = Annotated[
    mixcloud.Unidentified,
    Query(description="mixcloud: unidentified rows as chapters (default), tracks, or left out"),
]
TargetP = Annotated[Target, Path(description="youtube, mixcloud, ffmetadata or text")]


def _build(
    t: Tracklist,
    target: str,
    *,
    short_chapters: youtube.ShortChapters,
    hours: youtube.Hours,
    style: text.Style,
    template: str | None,
    max_title: int,
    unidentified: mixcloud.Unidentified,
) -> tuple[dict[str, Any], Estimated]:
    """The export's JSON answer (see ExportOut) and the estimates it was made with."""
    est = estimated_tracklist(t)
    body: dict[str, Any] = {
        "tracklist_id": t.tracklist_id,
        "target": target,
        "start_time_estimated": _estimated(est),
    }
    if target == "youtube":
        body |= youtube.youtube(est, short_chapters=short_chapters, hours=hours)
    elif target == "ffmetadata":
        body |= ffmetadata.ffmetadata(t, est, max_title=max_title)
    elif target == "text":
        body |= text.text(est, style=style, template=template)
    else:
        sections = mixcloud.sections(est, unidentified)
        body |= {
            "sections": sections,
            "fields": mixcloud.form_fields(sections),
            "check": mixcloud.check(mixcloud.rows_of(est.tracks), est.end),
            "options": {"unidentified": unidentified},
            "warnings": [*est.warnings, *mixcloud.order_warnings(sections)],
        }
    return body, est


@app.get(f"{BASE}/<tracklist_id>/export/<target>", responses=EXPORT_RESPONSES)
@rules(permission="read", scope="tracklists", cost=READ)
def export(
    tracklist_id: TracklistId,
    target: TargetP,
    as_: Annotated[
        As,
        Query(
            alias="as",
            description="json (default); text: the text itself as text/plain (youtube, ffmetadata, "
            "text); form: mixcloud's sections-N-* fields as application/x-www-form-urlencoded",
        ),
    ] = "json",
    short_chapters: ShortQ = "merge",
    hours: HoursQ = "auto",
    style: StyleQ = "numbered",
    template: TemplateQ = None,
    max_title: MaxTitleQ = ffmetadata.MAX_TITLE_BYTES,
    unidentified: UnidentifiedQ = "chapter",
):
    if as_ == "form" and target != "mixcloud":
        raise ValidationFailed(
            "as=form is for the mixcloud target (its upload form's fields)",
            details={"field": "as", "target": target, "allowed": ["json", "text"]},
        )
    if as_ == "text" and target == "mixcloud":
        raise ValidationFailed(
            "The mixcloud target answers json or form",
            details={"field": "as", "target": target, "allowed": ["json", "form"]},
        )
    t = _load(tracklist_id)
    body, est = _build(
        t,
        target,
        short_chapters=short_chapters,
        hours=hours,
        style=style,
        template=template,
        max_title=max_title,
        unidentified=unidentified,
    )
    if as_ == "form":
        return _raw(mixcloud.form_body(body["fields"]), FORM_TYPE)
    if as_ == "text":
        return _raw(str(body["text"]), TEXT_TYPE, _file_name(t, target))
    logger.info("tracklist exported", extra={"target": target, "estimated": len(est.estimated)})
    answer: Any = ExportOut.model_validate(body).model_dump(mode="json")
    return Response(status_code=200, content_type="application/json", body=answer)


class StoredExportOut(Out):
    """An export stored like a CUE file: its file record (GET /api/v1/cue/files/{id}) and where
    to download it (GET /api/v1/cue/download/{id})."""

    cue_file: dict[str, Any]
    download_url: str
    export: ExportOut


@app.post(f"{BASE}/<tracklist_id>/export/<target>", status_code=201, responses=ERRORS)
@rules(permission="write", scope="tracklists", cost=WRITE)
def store_export(
    tracklist_id: TracklistId,
    target: TargetP,
    short_chapters: ShortQ = "merge",
    hours: HoursQ = "auto",
    style: StyleQ = "numbered",
    template: TemplateQ = None,
    max_title: MaxTitleQ = ffmetadata.MAX_TITLE_BYTES,
    unidentified: UnidentifiedQ = "chapter",
) -> Response[StoredExportOut]:
    from tracktion.cue import files

    t = _load(tracklist_id)
    body, est = _build(
        t,
        target,
        short_chapters=short_chapters,
        hours=hours,
        style=style,
        template=template,
        max_title=max_title,
        unidentified=unidentified,
    )
    answer = ExportOut.model_validate(body)
    if target == "mixcloud":
        data = json.dumps(
            {k: body[k] for k in ("sections", "fields", "check")}, ensure_ascii=False, indent=2
        ).encode()
        name, content_type = _file_name(t, target), "application/json"
    else:
        data, name, content_type = str(body["text"]).encode(), _file_name(t, target), TEXT_TYPE
    stored = files.store_export(
        t,
        target,
        data,
        filename=name,
        content_type=content_type,
        options=answer.options,
        warnings=[w.model_dump(mode="json") for w in answer.warnings],
        track_count=len(est.tracks),
    )
    out: Any = StoredExportOut(
        cue_file=files.view(stored),
        download_url=f"/api/v1/cue/download/{stored.cue_file_id}",
        export=answer,
    ).model_dump(mode="json")
    return Response(status_code=201, content_type="application/json", body=out)


def _slot(s: Slot | None, estimated: set[int]) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "number": s.number,
        "start_time": hms(s.start),
        "start_seconds": round(s.start, 3),
        "end_time": hms(s.end),
        "end_seconds": None if s.end is None else round(s.end, 3),
        "start_time_estimated": s.estimated,
        "end_time_estimated": s.end_estimated,
        "tracks": [track_out(x, estimated=x.position in estimated) for x in s.tracks],
    }


@app.get(f"{BASE}/<tracklist_id>/at", responses=ERRORS)
@rules(permission="read", scope="tracklists", cost=READ)
def at(
    tracklist_id: TracklistId,
    t: Annotated[
        float,
        Query(ge=0, le=MAX_SET_SECONDS, description="Seconds from the start of the set (0 to 48 h)"),
    ],
) -> PlayingOut:
    tracklist = _load(tracklist_id)
    p = playing_at(tracklist, t, catalog_lengths(tracklist))
    return PlayingOut.model_validate(
        {
            "tracklist_id": tracklist.tracklist_id,
            "t": t,
            "time": hms(t),
            "status": p.status,
            "message": p.message,
            "previous": _slot(p.previous, p.estimated),
            "current": _slot(p.current, p.estimated),
            "next": _slot(p.next, p.estimated),
            "set_end_seconds": p.end,
            "set_end": hms(p.end),
            "estimated": p.uses_estimates,
            "warnings": p.warnings,
        }
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
