"""tests.contract.reference reads the published reference as it is, and judges answers as documented.

These run without the service: they pin what the parser finds in ../shared/spec/api-reference.md
(so a change of the document is noticed, not silently absorbed) and how `conforms` compares an
answer with an example. tests/conformance sends the examples to the local runtime.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.contract.reference import SPEC_DIR, Endpoint, Parameter, Reference, conforms, python_blocks

if not SPEC_DIR.is_dir():
    pytest.skip(
        f"the published documents are absent: {SPEC_DIR} (set TRACKTION_SHARED to the shared folder)",
        allow_module_level=True,
    )

REFERENCE = Reference.load()


def param(endpoint: Endpoint, name: str) -> Parameter:
    found = endpoint.parameter(name)
    assert found is not None, f"{endpoint.key} documents no parameter {name}"
    return found


def by_key(key: str) -> Endpoint:
    method, path = key.split(" ", 1)
    return REFERENCE.find(method, path)


def test_the_reference_documents_54_http_endpoints_and_one_websocket() -> None:
    assert len(REFERENCE.endpoints) == 55
    assert len(REFERENCE.http_endpoints) == 54
    assert [e.key for e in REFERENCE.endpoints if e.is_websocket] == ["WS /api/v1/batch/{batch_id}/progress"]
    assert not [k for k, n in Counter(e.key for e in REFERENCE.endpoints).items() if n > 1]
    by_section = Counter(e.section for e in REFERENCE.http_endpoints)
    assert by_section == {
        "API Endpoints": 1,
        "Search API": 4,
        "Tracklist API": 5,
        "CUE Generation API": 18,
        "Manual Tracklist API": 16,
        "Batch Processing API": 4,
        "Developer API": 6,
    }


def test_53_endpoints_document_a_successful_answer_and_one_documents_501() -> None:
    shapes = {e.key: REFERENCE.resolve(e) for e in REFERENCE.http_endpoints}
    succeeding = [
        k for k, s in shapes.items() if s.example is not None or s.kind == "text" or s.status == 204
    ]
    assert len(succeeding) == 53
    assert [k for k in shapes if k not in succeeding] == ["GET /api/v1/tracklist/{tracklist_id}"]
    assert shapes["GET /api/v1/tracklist/{tracklist_id}"].status == 501
    # 47 write the status in the heading; 7 say "**Response**:" without one.
    assert sum(1 for e in REFERENCE.http_endpoints if e.status and e.status != 501) == 47
    assert sorted(k for k, s in shapes.items() if s.status is None) == [
        "GET /api/v1/search/dj/{dj_slug}",
        "GET /api/v1/search/event/{event_slug}",
        "POST /api/v1/cue/files/{cue_file_id}/regenerate",
        "POST /api/v1/cue/generate/{tracklist_id}",
        "POST /api/v1/cue/validate",
        "POST /api/v1/tracklist",
    ]


def test_statuses_as_documented() -> None:
    statuses = Counter(e.status for e in REFERENCE.http_endpoints)
    assert statuses == {200: 42, 201: 4, 204: 1, 501: 1, None: 6}
    assert {e.key for e in REFERENCE.http_endpoints if e.status == 201} == {
        "POST /api/v1/tracklists/import/1001tracklists",
        "POST /api/v1/tracklists/manual",
        "POST /api/v1/tracklists/{tracklist_id}/tracks",
        "POST /api/v1/developer/keys",
    }


def test_request_line_example_request_body_and_parameters() -> None:
    search = by_key("GET /api/v1/search")
    assert search.query[0] == ("query", "{query}")
    assert search.example_request is not None
    assert dict(search.example_request.query) == {
        "query": "Armin van Buuren",
        "search_type": "dj",
        "page": "1",
        "limit": "10",
    }
    assert [p.name for p in search.parameters] == [
        "query",
        "search_type",
        "page",
        "limit",
        "start_date",
        "end_date",
    ]
    assert param(search, "query").required and not param(search, "page").required
    assert param(search, "search_type").default == "dj"
    assert param(search, "limit").default == "20"

    imported = by_key("POST /api/v1/tracklists/import/1001tracklists")
    assert imported.request_body == {
        "url": "https://1001tracklists.com/tracklist/12345/example-set",
        "audio_file_id": "123e4567-e89b-12d3-a456-426614174000",
        "force_refresh": False,
        "cue_format": "standard",
    }
    assert param(imported, "async_processing").kind == "query param"
    assert param(imported, "cue_format").default == "standard"
    assert imported.status == 201 and imported.response["tracklist"]["tracks"][0]["start_time"] == "00:00:00"

    advanced = by_key("GET /api/v1/tracklists/search/1001tracklists")  # a `###` heading
    assert advanced.name == "Advanced Search" and param(advanced, "page_size").default == "20"
    assert by_key("GET /api/v1/cue/formats/conversion-preview").query == (
        ("source_format", "standard"),
        ("target_format", "cdj"),
    )
    assert by_key("DELETE /api/v1/cue/cache/clear").query == (("pattern", "cue:*"),)


def test_answers_as_arrays_text_and_no_content() -> None:
    assert REFERENCE.resolve(by_key("GET /api/v1/cue/formats")).example == [
        "standard",
        "cdj",
        "traktor",
        "serato",
        "rekordbox",
        "kodi",
    ]
    assert isinstance(by_key("GET /api/v1/developer/keys").response, list)
    download = REFERENCE.resolve(by_key("GET /api/v1/cue/download/{cue_file_id}"))
    assert download.kind == "text" and download.status == 200
    assert download.text.splitlines()[0] == "Content-Type: application/x-cue"
    assert "TRACK 01 AUDIO" in download.text
    delete = REFERENCE.resolve(by_key("DELETE /api/v1/tracklists/{tracklist_id}/tracks/{position}"))
    assert (delete.status, delete.example, delete.kind) == (204, None, "none")


def test_same_structure_and_prose_answers_resolve_to_the_documented_examples() -> None:
    resolved = {e.key: REFERENCE.resolve(e) for e in REFERENCE.http_endpoints}
    search = by_key("GET /api/v1/search").response
    track = by_key("POST /api/v1/tracklists/{tracklist_id}/tracks").response
    tracklist = by_key("POST /api/v1/tracklists/manual").response
    assert resolved["GET /api/v1/search/dj/{dj_slug}"].example == search
    assert resolved["GET /api/v1/search/event/{event_slug}"].example == search
    assert (
        resolved["POST /api/v1/tracklist"].example
        == by_key("POST /api/v1/tracklists/import/1001tracklists").response
    )
    generate = by_key("POST /api/v1/cue/generate").response
    assert resolved["POST /api/v1/cue/generate/{tracklist_id}"].example == generate
    assert resolved["POST /api/v1/cue/files/{cue_file_id}/regenerate"].example == generate
    assert (
        resolved["POST /api/v1/cue/validate"].example
        == by_key("POST /api/v1/cue/files/{cue_file_id}/validate").response
    )
    for key in (
        "PUT /api/v1/tracklists/{tracklist_id}/tracks/{position}",
        "PUT /api/v1/tracklists/{tracklist_id}/tracks/{position}/timing",
    ):
        assert (resolved[key].status, resolved[key].example) == (200, track)
    for key in (
        "PUT /api/v1/tracklists/{tracklist_id}/tracks/bulk",
        "POST /api/v1/tracklists/{tracklist_id}/tracks/reorder",
        "POST /api/v1/tracklists/{tracklist_id}/tracks/auto-calculate-end-times",
        "POST /api/v1/tracklists/catalog/match",
        "POST /api/v1/tracklists/{tracklist_id}/tracks/match-to-catalog",
    ):
        assert resolved[key].example == [track], key
    assert resolved["GET /api/v1/tracklists/{audio_file_id}/drafts"].example == [tracklist]
    assert resolved["POST /api/v1/tracklists/{tracklist_id}/publish"].example == tracklist
    unresolved = [k for k, s in resolved.items() if s.kind == "none" and s.status not in (204, 501)]
    assert not unresolved, f"prose answers the parser cannot resolve: {unresolved}"


def test_websocket_message_format() -> None:
    socket = next(e for e in REFERENCE.endpoints if e.is_websocket)
    assert set(socket.message_format) == {"batch_id", "status", "progress", "jobs_status", "timestamp"}


def test_the_worked_examples_at_the_end_are_not_endpoints() -> None:
    sections = {e.section for e in REFERENCE.endpoints}
    assert "Request/Response Examples" not in sections and "Rate Limiting Examples" not in sections


def test_published_client_examples_have_nine_python_blocks() -> None:
    headings = [heading for heading, _code in python_blocks()]
    assert headings == [
        "Basic Setup",
        "API Key Authentication",
        "JWT Token Authentication",
        "HMAC Signature Authentication",
        "Rate Limiting and Retry Logic",
        "API Key Management",
        "Error Handling",
        "Complete Example Application",
        "Installation and Setup Script",
    ]


# -- conforms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "actual", "problem"),
    [
        ({"a": 1}, {"a": 2, "extra": True}, None),
        ({"a": 1}, {}, "$.a: missing"),
        ({"a": 1}, {"a": 1.5}, "$.a: expected integer"),
        ({"a": 1}, {"a": True}, "$.a: expected integer"),
        ({"a": 1.5}, {"a": 2}, None),
        ({"a": None}, {"a": {"anything": []}}, None),
        ({"a": "text"}, {"a": None}, None),
        ({"a": {"b": 1}}, {"a": None}, "$.a: expected an object"),
        ({"a": [1]}, {"a": None}, "$.a: expected an array"),
        ([{"x": "s"}], [{"x": "s"}, {"y": 1}], "$[1].x: missing"),
        ([], [{"x": 1}], None),
        ({"at": "2024-01-15T10:00:00Z"}, {"at": "2026-11-30T17:09:46.830608+00:00"}, None),
        ({"at": "2024-01-15T10:00:00Z"}, {"at": "yesterday"}, "$.at: expected a date-time"),
        ({"d": "2024-01-15"}, {"d": "2024-01-15T00:00:00Z"}, None),
        ({"t": "2:00:00"}, {"t": "26:03:09"}, None),
        ({"t": "00:03:30"}, {"t": 210.0}, "$.t: expected string"),
        ({"t": "00:03:30"}, {"t": "3 minutes"}, "$.t: expected a clock time"),
        (["a"], {"a": 1}, "$: expected an array"),
    ],
)
def test_conforms(example: object, actual: object, problem: str | None) -> None:
    found = conforms(example, actual)
    if problem is None:
        assert found == []
    else:
        assert found and found[0].startswith(problem), found


def test_conforms_checks_the_values_of_maps_whose_keys_are_data() -> None:
    example = {"counts": {"standard": 120, "cdj": 85}}
    maps = frozenset({"$.counts"})
    assert conforms(example, {"counts": {"kodi": 3}}, maps=maps) == []
    assert conforms(example, {"counts": {"kodi": "3"}}, maps=maps) == [
        "$.counts.kodi: expected integer (like 120), got string '3'"
    ]
    assert conforms(example, {"counts": {"kodi": 3}}) == [
        "$.counts.standard: missing",
        "$.counts.cdj: missing",
    ]


def test_conforms_names_arrays_it_could_not_check() -> None:
    empty: list[str] = []
    assert conforms({"results": [{"a": 1}], "notes": []}, {"results": [], "notes": []}, "$", empty) == []
    assert empty == ["$.results"]
