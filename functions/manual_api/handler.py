"""Manual tracklists: tracks, timing, drafts, publishing, CUE generation and catalog matching.

Routes live under /api/v1/tracklists (plus GET /api/v1/search/tracks). Every edit is a
conditional write on the tracklist's version (body `version` or `If-Match`). The catalog code
(httpx clients, rapidfuzz) is imported only by the catalog routes, so editing stays light.
The same function also serves its own asynchronous CUE-generation events.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import ConfigDict, Field

from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.tracklists import cue_generation, drafts, editing, timing
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistStore

app = make_app("manual")

BASE = "/api/v1/tracklists"
TracklistId = Annotated[str, Path(min_length=1, max_length=100)]
Position = Annotated[int, Path(ge=1, le=editing.MAX_TRACKS)]


def _store() -> TracklistStore:
    return TracklistStore()


def _owner() -> str:
    return current_principal(app).user_id


def _version(body_version: int | None) -> int | None:
    return editing.expected_version(body_version, app.current_event.get_header_value("if-match"))


def _json(payload: Any, status: int = 200) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(payload))


def _tracklist(t: Tracklist, status: int = 200) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=t.model_dump_json(),
        headers={"ETag": f'"{t.version}"'},
    )


def _edit(tracklist_id: str, version: int | None, change: Any, status: int = 200) -> Response[Any]:
    t = editing.edit(_store(), tracklist_id, _owner(), _version(version), change)
    return _tracklist(t, status)


# ---------------------------------------------------------------- catalog (literal paths first)


class MatchTrack(Model):
    model_config = ConfigDict(extra="ignore")

    artist: str = Field(min_length=1, max_length=500)
    title: str = Field(min_length=1, max_length=500)
    remix: str | None = Field(default=None, max_length=500)
    position: int | None = None


class MatchRequest(Model):
    model_config = ConfigDict(extra="forbid")

    tracks: list[MatchTrack] = Field(min_length=1, max_length=100)
    threshold: float = Field(default=0.8, ge=0, le=1)


@app.get(f"{BASE}/catalog/search")
def catalog_search(
    query: Annotated[str | None, Query(max_length=300)] = None,
    artist: Annotated[str | None, Query(max_length=300)] = None,
    title: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response[Any]:
    from tracktion.catalog.service import Catalog

    return _json(Catalog.from_config().search_request(query=query, artist=artist, title=title, limit=limit))


@app.post(f"{BASE}/catalog/match")
def catalog_match(body: MatchRequest) -> Response[Any]:
    from tracktion.catalog.model import TrackQuery
    from tracktion.catalog.service import Catalog

    queries = [TrackQuery(**t.model_dump()) for t in body.tracks]
    return _json(Catalog.from_config().match_request(queries, body.threshold))


@app.get("/api/v1/search/tracks")
def search_tracks(
    q: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    genre: Annotated[str | None, Query(max_length=100)] = None,
    bpm_min: Annotated[float | None, Query(gt=0, le=400)] = None,
    bpm_max: Annotated[float | None, Query(gt=0, le=400)] = None,
    key: Annotated[str | None, Query(max_length=20)] = None,
) -> Response[Any]:
    from tracktion.catalog.service import Catalog, TrackFilters

    filters = TrackFilters(genre=genre, bpm_min=bpm_min, bpm_max=bpm_max, key=key)
    return _json(Catalog.from_config().search_tracks(q, limit, filters))


# ---------------------------------------------------------------- manual tracklists and drafts


@app.post(f"{BASE}/manual")
def create_manual(body: drafts.ManualTracklistInput) -> Response[Any]:
    return _tracklist(drafts.create_manual(_store(), _owner(), body), 201)


@app.get(f"{BASE}/<tracklist_id>/drafts")
def list_drafts(
    tracklist_id: Annotated[str, Path(min_length=1, max_length=200, description="the audio file id")],
    include_versions: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=2048, description="next_cursor of the previous page")
    ] = None,
) -> Response[Any]:
    # The path segment is the audio file's id; API Gateway needs one variable name per level.
    return _json(drafts.list_drafts(_store(), _owner(), tracklist_id, include_versions, limit, cursor))


class GenerateCueRequest(Model):
    model_config = ConfigDict(extra="forbid")

    formats: list[str] = Field(default_factory=lambda: list(cue_generation.DEFAULT_FORMATS), max_length=10)
    options: dict[str, Any] | None = None


@app.post(f"{BASE}/<tracklist_id>/publish")
def publish(
    tracklist_id: TracklistId,
    validate_before_publish: Annotated[bool, Query()] = True,
    generate_cue_async: Annotated[bool, Query()] = True,
) -> Response[Any]:
    published, created = drafts.publish(_store(), _owner(), tracklist_id, validate=validate_before_publish)
    cue = cue_generation.cue_after_publish(published, generate_cue_async)
    return _json({"tracklist": published.model_dump(mode="json"), "created": created, "cue": cue}, 201)


@app.post(f"{BASE}/<tracklist_id>/generate-cue")
def generate_cue(tracklist_id: TracklistId, body: GenerateCueRequest | None = None) -> Response[Any]:
    request = body or GenerateCueRequest()
    t = _store().get(tracklist_id, _owner())
    files = cue_generation.generate_cue(t, request.formats, request.options)
    return _json({"tracklist_id": t.tracklist_id, "version": t.version, "files": files}, 201)


# ---------------------------------------------------------------- tracks (literal sub-paths first)


@app.put(f"{BASE}/<tracklist_id>/tracks/bulk")
def bulk_update(tracklist_id: TracklistId, body: editing.BulkRequest) -> Response[Any]:
    return _edit(tracklist_id, body.version, lambda t: editing.bulk_update(t, body.updates))


@app.post(f"{BASE}/<tracklist_id>/tracks/reorder")
def reorder(tracklist_id: TracklistId, body: editing.ReorderRequest) -> Response[Any]:
    return _edit(tracklist_id, body.version, lambda t: editing.reorder(t, body.spec()))


@app.post(f"{BASE}/<tracklist_id>/tracks/auto-calculate-end-times")
def auto_end_times(
    tracklist_id: TracklistId, body: editing.AutoEndTimesRequest | None = None
) -> Response[Any]:
    request = body or editing.AutoEndTimesRequest()
    return _edit(
        tracklist_id,
        request.version,
        lambda t: editing.fill_end_times(t, request.audio_duration, request.overwrite),
    )


@app.get(f"{BASE}/<tracklist_id>/tracks/timing-suggestions")
def timing_suggestions(
    tracklist_id: TracklistId,
    target_duration: Annotated[str | None, Query(max_length=20)] = None,
) -> Response[Any]:
    t = _store().get(tracklist_id, _owner())
    target = timing.parse_time(target_duration, field="target_duration")
    suggestions = timing.timing_suggestions(t.tracks, target, t.duration_seconds)
    return _json(
        {
            "tracklist_id": t.tracklist_id,
            "version": t.version,
            "target_duration": target,
            "suggestions": [s.model_dump() for s in suggestions],
        }
    )


@app.post(f"{BASE}/<tracklist_id>/tracks/validate-timing")
def validate_timing(tracklist_id: TracklistId) -> Response[Any]:
    t = _store().get(tracklist_id, _owner())
    report = timing.validate_timing(t.tracks, t.duration_seconds)
    return _json({"tracklist_id": t.tracklist_id, "version": t.version, **report.model_dump()})


@app.post(f"{BASE}/<tracklist_id>/tracks/match-to-catalog")
def match_to_catalog(
    tracklist_id: TracklistId,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.8,
) -> Response[Any]:
    from tracktion.catalog.enrichment import match_tracklist

    version = _version(None)
    return _json(match_tracklist(_store(), _owner(), tracklist_id, threshold, version))


@app.post(f"{BASE}/<tracklist_id>/tracks")
def add_track(tracklist_id: TracklistId, body: editing.AddTrackRequest) -> Response[Any]:
    return _edit(tracklist_id, body.version, lambda t: editing.add_track(t, body.track()), 201)


@app.put(f"{BASE}/<tracklist_id>/tracks/<position>/timing")
def set_timing(tracklist_id: TracklistId, position: Position, body: editing.TimingRequest) -> Response[Any]:
    return _edit(
        tracklist_id,
        body.version,
        lambda t: editing.set_timing_fields(t, position, body),
    )


@app.put(f"{BASE}/<tracklist_id>/tracks/<position>")
def update_track(
    tracklist_id: TracklistId, position: Position, body: editing.UpdateTrackRequest
) -> Response[Any]:
    return _edit(tracklist_id, body.version, lambda t: editing.update_track(t, position, body.patch()))


@app.delete(f"{BASE}/<tracklist_id>/tracks/<position>")
def delete_track(
    tracklist_id: TracklistId,
    position: Position,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response[Any]:
    t = editing.edit(
        _store(), tracklist_id, _owner(), _version(version), lambda t: editing.delete_track(t, position)
    )
    return Response(status_code=204, body="", headers={"ETag": f'"{t.version}"'})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if cue_generation.is_cue_event(event):
        return cue_generation.handle_cue_event(event)
    return serve(app, event, context)
