"""Every endpoint of the published reference, sent its own example, answers as documented.

The reference (../shared/spec/api-reference.md) is parsed in place by tests.contract.reference;
one test per documented endpoint sends the documented example request through the local runtime
(its body literally, its query; the placeholders swapped for real objects the test created first:
ids, 1001tracklists URLs the local copy of the site serves, the user's own id; file-system
placeholders like /path/to/audio.wav are left as they are) and checks the documented status and
that every documented field of the example answer is there with the documented JSON type
(tests.contract.reference.conforms says exactly how).

Readings that are not in the document itself, all here:
- "**Response**: Same structure as ..." documents a shape but no status: any 2xx is accepted.
- "Currently returns 501 Not Implemented" (GET /api/v1/tracklist/{tracklist_id}) documents a
  missing feature: answering it (200) honours the reference as well as a 501 does.
- The reference's search query ("Armin van Buuren") finds nothing on the local copy of the site,
  so a query it answers ("Kolsch Sonar") replaces it: an empty `results` would check nothing.
- CUE endpoints name the imported tracklist (a real page of the local site, with an untimed "ID"
  row as many pages have); the job of GET /cue/jobs/{job_id}/status is polled until done first,
  as a user does; DELETE and regenerate get a CUE file of their own.
- `popular_formats` of the cache stats is a count per format generated so far: a map whose keys
  are data (the example's standard/cdj/traktor), so only its values are checked (`MAPS`).
- The WebSocket endpoint is a WebSocket API: API Gateway routes those by message, not by path,
  so clients connect to the API's URL with `?batch_id=` (see the batch docs); the message
  format is what is checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conformance.conftest import (
    DJ_SLUG,
    EVENT_SLUG,
    KOLSCH,
    SERVED_QUERY,
    SERVED_URLS,
    TIMED_TRACKS,
    World,
    require_spec,
)

require_spec()

from tests.contract.reference import Endpoint, Parameter, conforms, reference  # noqa: E402
from tests.contract.template_functions import http_functions, normalise_path  # noqa: E402

pytestmark = pytest.mark.integration

REFERENCE = reference()
HTTP_ENDPOINTS = REFERENCE.http_endpoints
# Objects of the examples whose keys are data, not field names: checked as maps.
MAPS = {"GET /api/v1/cue/cache/stats": frozenset({"$.popular_formats"})}


# -- the placeholders of the examples, and what replaces them ----------------------------------

# Tracks for the manual tracklist endpoints. The reference's own example tracks are used where
# the example edits them (create + add track: position 2 at 03:30:00-06:45:00, which the update,
# timing and bulk examples move); a short set of three (within minutes) where the example times
# the whole mix (audio_duration 01:30:00, target_duration 01:25:00) or moves position 3.
SHORT_TRACKS = TIMED_TRACKS


def _create_example_track() -> dict[str, Any]:
    return dict(REFERENCE.named("Create Manual Tracklist").request_body["tracks"][0])


def _add_track_example() -> dict[str, Any]:
    return dict(REFERENCE.named("Add Track").request_body)


def _is_1001_url(value: Any) -> bool:
    return isinstance(value, str) and "1001tracklists.com/" in value


@dataclass
class Prepared:
    path: str
    query: list[tuple[str, str]]
    body: Any
    filled: list[str] = field(default_factory=list)  # answer paths the setup guarantees non-empty


def _swap(value: Any, world: World, key: str = "") -> Any:
    """The example body with its placeholders replaced by real values (recursively)."""
    if isinstance(value, dict):
        return {k: _swap(v, world, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "urls":
            return [SERVED_URLS[i % len(SERVED_URLS)] for i, _ in enumerate(value)]
        if key == "tracklist_ids":
            manual = world.manual_tracklist(SHORT_TRACKS, is_draft=False)
            real = [world.imported_tracklist_id(), manual]
            return [real[i % len(real)] for i, _ in enumerate(value)]
        return [_swap(v, world) for v in value]
    if key == "url" and _is_1001_url(value):
        return KOLSCH
    if key == "audio_file_id":
        return world.audio_file_id
    if key == "tracklist_id":
        return world.imported_tracklist_id()
    if key == "user_id":
        return world.user.user_id
    return value


def _query(endpoint: Endpoint, world: World) -> list[tuple[str, str]]:
    """The example request's query, else the http line's: `{placeholders}` filled with real
    values or the documented default (else left out); the reference's search query swapped."""
    written = endpoint.example_request.query if endpoint.example_request else endpoint.query
    real = {
        "url": lambda: KOLSCH,
        "id": world.imported_tracklist_id,
        "tracklist_id": world.imported_tracklist_id,
        "format": lambda: "standard",
    }
    query = []
    for name, value in written:
        if re.fullmatch(r"\{[^}]*\}", value):
            param = endpoint.parameter(name)
            placeholder = value[1:-1]
            if placeholder in real:
                value = real[placeholder]()
            elif param is not None and param.default is not None:
                value = param.default
            else:
                continue
        if name == "query" and endpoint.path == "/api/v1/search":
            value = SERVED_QUERY
        query.append((name, value))
    if not written and endpoint.path == "/api/v1/tracklists/search/1001tracklists":
        query = [("query", SERVED_QUERY)]  # no example request: the general search query
    return query


def prepare(endpoint: Endpoint, world: World) -> Prepared:
    """The documented example request of `endpoint`, with real objects in place of placeholders."""
    key = endpoint.key
    params: dict[str, str] = {}
    filled: list[str] = []
    body = endpoint.request_body

    # path parameters, by name and by where they are
    for name in endpoint.path_params:
        if name == "tracklist_id" and key.startswith(("POST /api/v1/cue", "GET /api/v1/tracklist/")):
            params[name] = world.imported_tracklist_id()
        elif name == "tracklist_id":
            if key == "POST /api/v1/tracklists/{tracklist_id}/tracks":
                tracks = [_create_example_track()]
            elif key.startswith(("PUT ", "DELETE ")):
                tracks = [_create_example_track(), _add_track_example()]
            else:
                tracks = SHORT_TRACKS
            is_draft = not key.endswith("/generate-cue")
            params[name] = world.manual_tracklist(tracks, is_draft=is_draft)
        elif name == "audio_file_id":
            world.manual_tracklist(SHORT_TRACKS)  # a draft of this audio file exists
            params[name] = world.audio_file_id
        elif name == "position":
            params[name] = "2"
        elif name == "correlation_id":
            params[name] = world.import_correlation_id()
        elif name == "job_id":
            params[name] = world.job_id()
        elif name == "cue_file_id":
            changes = key.startswith(("DELETE ", "POST /api/v1/cue/files/{cue_file_id}/regenerate"))
            params[name] = world.fresh_cue_file_id() if changes else world.cue_file_id()
        elif name == "format":
            params[name] = str(endpoint.response.get("format", "cdj")) if endpoint.response else "cdj"
        elif name == "batch_id":
            params[name] = world.fresh_batch_id() if key.endswith("/cancel") else world.batch_id()
        elif name == "key_id":
            params[name] = world.fresh_key_id()
        elif name == "dj_slug":
            params[name] = DJ_SLUG
        elif name == "event_slug":
            params[name] = EVENT_SLUG
        else:
            raise AssertionError(f"{key}: no real value for the path parameter {{{name}}}")

    query = _query(endpoint, world)

    # what the setup guarantees is there to check
    if key.startswith("GET /api/v1/search") or key == "GET /api/v1/tracklists/search/1001tracklists":
        filled.append("$.results")
    if key == "POST /api/v1/tracklists/import/1001tracklists":
        filled.append("$.tracklist.tracks")
    if key in ("GET /api/v1/cue/files",):
        filled.append("$.files")
    if key in (
        "GET /api/v1/cue/formats",
        "GET /api/v1/developer/keys",
        "GET /api/v1/tracklists/{audio_file_id}/drafts",
        "PUT /api/v1/tracklists/{tracklist_id}/tracks/bulk",
        "POST /api/v1/tracklists/{tracklist_id}/tracks/reorder",
        "POST /api/v1/tracklists/{tracklist_id}/tracks/auto-calculate-end-times",
        "POST /api/v1/tracklists/{tracklist_id}/tracks/match-to-catalog",
        "POST /api/v1/tracklists/catalog/match",
    ):
        filled.append("$")
    if key == "POST /api/v1/tracklists/manual":
        filled.append("$.tracks")

    path = endpoint.path
    for name, value in params.items():
        path = path.replace(f"{{{name}}}", value)
    return Prepared(path, query, _swap(body, world) if body is not None else None, filled)


def _failure(endpoint: Endpoint, prepared: Prepared, response: Any, problems: list[str]) -> str:
    request = f"{endpoint.method} {prepared.path}" + (
        "?" + "&".join(f"{k}={v}" for k, v in prepared.query) if prepared.query else ""
    )
    sent = f"\n  body sent: {json.dumps(prepared.body)[:400]}" if prepared.body is not None else ""
    listed = "\n  ".join(problems)
    return (
        f"{endpoint.key} (reference line {endpoint.line}, '{endpoint.name}')\n"
        f"  sent: {request}{sent}\n  {listed}\n  answer: {response.text[:700]}"
    )


# -- the tests ------------------------------------------------------------------------------------


def test_every_documented_endpoint_is_routed_by_the_template() -> None:
    routed = {route.key for spec in http_functions() for route in spec.routes if not route.greedy}
    missing = [
        f"{e.key} ('{e.name}', reference line {e.line})"
        for e in HTTP_ENDPOINTS
        if (e.method, normalise_path(e.path)) not in routed
    ]
    assert not missing, f"documented endpoints template.yaml does not route: {missing}"


def _send(endpoint: Endpoint, prepared: Prepared, world: World) -> Any:
    with world.client() as client:
        return client.request(
            endpoint.method,
            prepared.path,
            params=tuple(prepared.query),
            **({"json": prepared.body} if prepared.body is not None else {}),
        )


def _judge(endpoint: Endpoint, prepared: Prepared, response: Any) -> None:
    """Fail unless the answer has the documented status and the documented shape."""
    shape = REFERENCE.resolve(endpoint)
    problems: list[str] = []
    if endpoint.status == 501:
        accepted = {200, 501}
    elif shape.status is None:
        accepted = set(range(200, 300))
    else:
        accepted = {shape.status}
    if response.status_code not in accepted:
        problems.append(
            f"status: documented {sorted(accepted) if len(accepted) < 5 else '2xx'}, got {response.status_code}"
        )
        pytest.fail(_failure(endpoint, prepared, response, problems))

    if shape.kind == "text":
        problems += _text_problems(shape.text, response)
    elif response.status_code == 204 or shape.status == 204:
        if response.content:
            problems.append(f"a 204 answer has a body: {response.text[:100]!r}")
    elif shape.example is not None and response.status_code != 501:
        try:
            answer = response.json()
        except ValueError:
            problems.append(f"not JSON: {response.headers.get('content-type')}")
        else:
            empty: list[str] = []
            problems += conforms(shape.example, answer, "$", empty, MAPS.get(endpoint.key, frozenset()))
            problems += [
                f"{where}: empty, where the setup put data and the example shows elements"
                for where in empty
                if where in prepared.filled
            ]
    assert not problems, _failure(endpoint, prepared, response, problems)


@pytest.mark.parametrize("endpoint", HTTP_ENDPOINTS, ids=lambda e: e.key)
def test_documented_example_answers_as_documented(endpoint: Endpoint, world: World) -> None:
    prepared = prepare(endpoint, world)
    _judge(endpoint, prepared, _send(endpoint, prepared, world))


def query_parameters(endpoint: Endpoint) -> list[Parameter]:
    """Documented parameters that travel in the query string: every one of a GET or DELETE
    that is not in the path, and those a POST marks `(query param)`."""
    in_path = set(endpoint.path_params)
    return [
        p
        for p in endpoint.parameters
        if p.name not in in_path
        and (endpoint.method in ("GET", "DELETE") or p.kind.strip().lower() == "query param")
    ]


def parameter_value(endpoint: Endpoint, parameter: Parameter, world: World) -> str:
    """A meaningful value for a documented query parameter, from its description."""
    name, text = parameter.name, parameter.description
    if "YYYY-MM-DD" in text:
        return "2026-12-31" if name.startswith(("end", "date_to")) else "2024-01-01"
    chosen = {
        "url": lambda: KOLSCH,
        "tracklist_id": world.imported_tracklist_id,
        "query": lambda: SERVED_QUERY,
        "artist": lambda: "Kolsch",
        "title": lambda: "Sonar",
        "genre": lambda: "Techno",
        "format": lambda: "standard",
        "pattern": lambda: "cue:*",
    }
    if name in chosen:
        return chosen[name]()
    if parameter.default is not None:
        return parameter.default
    raise AssertionError(f"{endpoint.key}: no value for the documented parameter {name} ({text})")


WITH_QUERY_PARAMETERS = [e for e in HTTP_ENDPOINTS if query_parameters(e)]


@pytest.mark.parametrize("endpoint", WITH_QUERY_PARAMETERS, ids=lambda e: e.key)
def test_every_documented_query_parameter_is_accepted(endpoint: Endpoint, world: World) -> None:
    """The example request plus every documented query parameter it did not send."""
    prepared = prepare(endpoint, world)
    sent = {name for name, _value in prepared.query}
    for parameter in query_parameters(endpoint):
        if parameter.name not in sent:
            prepared.query.append((parameter.name, parameter_value(endpoint, parameter, world)))
    prepared.filled.clear()  # filters may rightly narrow a list to nothing
    _judge(endpoint, prepared, _send(endpoint, prepared, world))


def _text_problems(documented: str, response: Any) -> list[str]:
    """A file answer: every documented header is there (media type and disposition as
    documented), and the body is a CUE sheet like the example's."""
    head, _, example_body = documented.partition("\n\n")
    problems = []
    for line in head.splitlines():
        name, _, value = line.partition(":")
        got = response.headers.get(name.strip())
        if got is None:
            problems.append(f"header {name.strip()}: missing (documented {value.strip()!r})")
        elif name.strip().lower() == "content-type" and got.split(";")[0].strip() != value.strip():
            problems.append(f"header Content-Type: documented {value.strip()!r}, got {got!r}")
        elif name.strip().lower() == "content-disposition" and not got.startswith("attachment"):
            problems.append(f"header Content-Disposition: documented an attachment, got {got!r}")
    text = response.text
    for marker in ("FILE ", "TRACK 01 AUDIO", "INDEX 01 "):
        if marker in example_body and marker not in text:
            problems.append(f"body: no {marker.strip()!r} line, as in the documented sheet")
    return problems


def test_websocket_progress_messages_have_the_documented_format(world: World) -> None:
    from websockets.sync.client import connect

    endpoint = next(e for e in REFERENCE.endpoints if e.is_websocket)
    assert endpoint.message_format, "the reference documents the progress message format"
    batch_id = world.fresh_batch_id()
    url = f"{world.runtime.ws_url}?batch_id={batch_id}&api_key={world.user.api_key}"
    with connect(url, open_timeout=10) as socket:
        socket.send(json.dumps({"action": "subscribe", "batch_id": batch_id}))
        message = json.loads(socket.recv(timeout=30))

    problems = conforms(endpoint.message_format, message)
    assert not problems, f"{endpoint.key} message {message}: {problems}"
    assert message["batch_id"] == batch_id
