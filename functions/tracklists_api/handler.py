"""Tracklists from 1001tracklists: search, import (sync/async, from URL, page HTML or plain text),
import status, retrieval by id or URL, and the source cache.

Routes: GET /api/v1/tracklists/search/1001tracklists, POST /api/v1/tracklists/import/1001tracklists,
GET /api/v1/tracklists/import/status/{correlation_id}, POST /api/v1/tracklists/import/html,
POST /api/v1/tracklists/import/text, POST /api/v1/tracklist, GET /api/v1/tracklist/{tracklist_id},
DELETE /api/v1/tracklist/cache. The asynchronous leg of an import arrives here as a direct
(non-HTTP) invocation carrying `importer.ASYNC_MARKER`.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import ConfigDict, Field

from tracktion.api.principal import current_principal
from tracktion.api.resolver import correlation_id, make_app, serve
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.sources import search
from tracktion.sources.site import Site
from tracktion.tracklists import importer
from tracktion.tracklists.import_jobs import ImportJobStore
from tracktion.tracklists.store import TracklistStore

app = make_app("tracklists")

Url = Annotated[str, Field(min_length=8, max_length=2048)]
CueFormat = Annotated[str | None, Field(default=None, max_length=20)]
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
IsoDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class UrlImport(Model):
    model_config = ConfigDict(extra="ignore")

    url: Url
    audio_file_id: str | None = Field(default=None, max_length=100)
    force_refresh: bool = False
    cue_format: CueFormat = None


class HtmlImport(Model):
    url: Url
    html: str = Field(min_length=1, max_length=5 * 1024 * 1024)
    audio_file_id: str | None = Field(default=None, max_length=100)
    cue_format: CueFormat = None


class TextImport(Model):
    text: str = Field(min_length=1, max_length=200_000)
    title: str = Field(min_length=1, max_length=300)
    djs: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    event: str | None = Field(default=None, max_length=300)
    venue: str | None = Field(default=None, max_length=300)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    audio_file_id: str | None = Field(default=None, max_length=100)
    cue_format: CueFormat = None


def _owner() -> str:
    """The caller; write permission for POST/DELETE is enforced by serve() (tracktion.api.admission)."""
    return current_principal(app).user_id


def _json(payload: dict[str, Any], status: int = 200) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(payload))


def _imported(result: importer.ImportResult) -> Response[Any]:
    body: dict[str, Any] = {
        "success": True,
        "tracklist_id": result.tracklist.tracklist_id,
        "tracklist": result.tracklist.model_dump(mode="json"),
        "created": result.created,
        "cache_hit": result.cache_hit,
        "cached": result.cache_hit,
        "processing_time_ms": result.processing_time_ms,
        "correlation_id": correlation_id(app),
    }
    if result.cue_files is not None:
        body["cue_files"] = result.cue_files
    return _json(body, 201 if result.created else 200)


@app.get("/api/v1/tracklists/search/1001tracklists")
def search_1001tracklists(
    query: Annotated[str | None, Query(max_length=200)] = None,
    artist: Annotated[str | None, Query(max_length=200)] = None,
    title: Annotated[str | None, Query(max_length=200)] = None,
    genre: Annotated[str | None, Query(max_length=100)] = None,
    date_from: IsoDate = None,
    date_to: IsoDate = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 20,
    force_refresh: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    started = time.perf_counter()
    current_principal(app)
    words = " ".join(part for part in (query, artist, title) if part)
    window = search.search_tracklists(
        words,
        page=page,
        limit=page_size,
        date_from=date_from,
        date_to=date_to,
        genre=genre,
        force_refresh=force_refresh,
    )
    return {
        "success": True,
        "tracklists": [r.model_dump(mode="json") for r in window.results],
        "pagination": {
            "page": window.page,
            "page_size": window.limit,
            "has_more": window.has_more,
            "total_results": window.total_results,
        },
        "cache_hit": window.cache_hit,
        "cached": window.cache_hit,
        "response_time_ms": round((time.perf_counter() - started) * 1000, 2),
        "correlation_id": correlation_id(app),
    }


@app.post("/api/v1/tracklists/import/1001tracklists")
def import_1001tracklists(
    body: UrlImport, async_processing: Annotated[bool, Query()] = False
) -> Response[Any]:
    owner = _owner()
    if async_processing:
        cid = str(correlation_id(app))
        job = importer.queue_import(
            owner,
            body.url,
            cid,
            force_refresh=body.force_refresh,
            audio_file_id=body.audio_file_id,
            cue_format=body.cue_format,
        )
        return _json(
            {
                "success": True,
                "status": job.status,
                "correlation_id": cid,
                "status_url": f"/api/v1/tracklists/import/status/{cid}",
            },
            202,
        )
    result = importer.import_from_url(
        owner,
        body.url,
        force_refresh=body.force_refresh,
        audio_file_id=body.audio_file_id,
        cue_format=body.cue_format,
    )
    return _imported(result)


@app.get("/api/v1/tracklists/import/status/<correlation_id>")
def import_status(correlation_id: Id) -> dict[str, Any]:
    job = ImportJobStore().get(correlation_id, current_principal(app).user_id)
    return {"success": True, **job.model_dump(mode="json", exclude={"owner_id"})}


@app.post("/api/v1/tracklists/import/html")
def import_html(body: HtmlImport) -> Response[Any]:
    result = importer.import_from_html(
        _owner(), body.url, body.html, audio_file_id=body.audio_file_id, cue_format=body.cue_format
    )
    return _imported(result)


@app.post("/api/v1/tracklists/import/text")
def import_text(body: TextImport) -> Response[Any]:
    result = importer.import_from_text(
        _owner(),
        body.text,
        title=body.title,
        djs=body.djs,
        event=body.event,
        venue=body.venue,
        date=body.date,
        audio_file_id=body.audio_file_id,
        cue_format=body.cue_format,
    )
    return _imported(result)


@app.post("/api/v1/tracklist")
def tracklist_by_url(body: UrlImport) -> Response[Any]:
    result = importer.import_from_url(
        _owner(),
        body.url,
        force_refresh=body.force_refresh,
        audio_file_id=body.audio_file_id,
        cue_format=body.cue_format,
    )
    return _imported(result)


@app.get("/api/v1/tracklist/<tracklist_id>")
def get_tracklist(tracklist_id: Id) -> dict[str, Any]:
    tracklist = TracklistStore().get(tracklist_id, current_principal(app).user_id)
    return {
        "success": True,
        "tracklist": tracklist.model_dump(mode="json"),
        "correlation_id": correlation_id(app),
    }


@app.delete("/api/v1/tracklist/cache")
def clear_cache(url: Annotated[str, Query(min_length=8, max_length=2048)]) -> dict[str, Any]:
    current_principal(app)
    deleted = Site().forget_tracklist(url)
    return {"success": True, "url": url, "deleted": deleted, "correlation_id": correlation_id(app)}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    if importer.ASYNC_MARKER in event:
        payload = event[importer.ASYNC_MARKER] or {}
        job = importer.run_import_job(payload)
        return {"correlation_id": payload.get("correlation_id"), "status": job.status if job else "missing"}
    return serve(app, event, context)
