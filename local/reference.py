"""The published API reference (../shared/spec/api-reference.md), parsed in place.

The reference is third-party text our users hold; it is never copied into the project. This module
reads it where it lies and turns it into `Endpoint` records, so what is judged against it or built
from it cannot drift from it: an endpoint added, a field renamed or an example changed in the
document changes what the contract tests (tests/contract/reference.py re-exports this module) ask
for and the examples local/openapi.py puts in the OpenAPI document. The document lies outside the
repository ($TRACKTION_SHARED, default ../shared) and may be absent (a clone without ../shared).

How the document is read (every reading is here, nowhere else):

- An endpoint is a heading (`####`, or `###` for "Advanced Search") whose first content is a
  ```` ```http ```` block starting `METHOD /path[?query]` (or a ```` ```websocket ```` block
  `WS /path`). Its text runs to the next heading or `---`. The worked examples at the end of the
  document ("Request/Response Examples", "Rate Limiting Examples") are numbered list items or
  raw HTTP answers, not endpoints.
- `**Request Body**:` is followed by a json block; `**Parameters**:` by a list of
  `` - `name` (required|optional|query param): description `` items; `**Example Request**:` by
  an http block; `**Message Format**:` (WebSocket) by a json block.
- `**Response (NNN Text)**:` followed by a fenced block gives the status and the example (json,
  or the raw text of a file download, headers first); followed by prose on the same line
  (`Same structure as track object`, `Array of updated track objects`) it gives the status and a
  description, resolved by `Reference.resolve` to another endpoint's example. `**Response**:`
  without a status (`Same structure as search results`) documents the shape but no status.
  `**Response (204 No Content)**` has neither a colon nor a body. `**Response**: Currently
  returns 501 Not Implemented` documents the status 501 and no shape.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRACKTION_SHARED", str(ROOT.parent / "shared")))
SPEC_DIR = SHARED / "spec"
REFERENCE_PATH = SPEC_DIR / "api-reference.md"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_FENCE = re.compile(r"^```\s*([A-Za-z0-9_-]*)\s*$")
_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|WS)\s+(/\S*)\s*$")
_RESPONSE_MARK = re.compile(r"^\*\*Response(?:\s*\((\d{3})\s*([^)]*)\))?\*\*\s*(:?)\s*(.*?)\s*$")
_LABEL = re.compile(r"^\*\*([^*]+)\*\*\s*:?\s*(.*?)\s*$")
_PARAMETER = re.compile(r"^-\s+`([^`]+)`\s*(?:\(([^)]*)\))?\s*:?\s*(.*?)\s*$")
_DEFAULT = re.compile(r"default(?:s)?\s*(?::|is)?\s*`?([^`,;)\s]+)`?", re.IGNORECASE)
_STATUS_IN_TEXT = re.compile(r"\b([1-5]\d\d)\b")
_PLACEHOLDER = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class RequestLine:
    """`METHOD /path?query` as written in an ```http block (query values kept verbatim)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None

    @classmethod
    def parse(cls, text: str) -> RequestLine | None:
        lines = text.strip("\n").splitlines()
        if not lines:
            return None
        match = _REQUEST_LINE.match(lines[0].strip())
        if not match:
            return None
        split = urlsplit(match.group(2))
        query = tuple(parse_qsl(split.query, keep_blank_values=True))
        rest = "\n".join(lines[1:])
        body: Any = None
        if "\n\n" in rest or rest.lstrip().startswith("{"):
            payload = rest.split("\n\n", 1)[-1].strip()
            if payload:
                body = json.loads(payload)
        return cls(match.group(1), split.path, query, body)

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "required", "optional", "query param", "" (as written in the parentheses)
    description: str

    @property
    def required(self) -> bool:
        return self.kind.strip().lower() == "required"

    @property
    def default(self) -> str | None:
        """The documented default ("default 1", "default `standard`", "default false")."""
        match = _DEFAULT.search(self.description)
        return match.group(1) if match else None


@dataclass
class Endpoint:
    name: str  # the heading text
    section: str  # the `##` heading it is under ("Search API")
    group: str  # the nearest `###` heading ("Search 1001tracklists")
    method: str  # "GET" ... or "WS"
    path: str  # the path template, e.g. /api/v1/search/dj/{dj_slug}
    query: tuple[tuple[str, str], ...] = ()  # as written on the http line ({placeholders} kept)
    request_body: Any = None
    parameters: tuple[Parameter, ...] = ()
    example_request: RequestLine | None = None
    status: int | None = None  # the documented status code, when the document gives one
    status_text: str = ""
    response: Any = None  # the json example (object or array), when given
    response_kind: str = "none"  # "json", "text", "description", "none"
    response_text: str = ""  # the prose after **Response...**: or the raw text example
    message_format: Any = None  # WebSocket message example
    line: int = 0  # 1-based line of the heading in the document
    extra: dict[str, str] = field(default_factory=dict)  # other **Label**: text

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_websocket(self) -> bool:
        return self.method == "WS"

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


@dataclass(frozen=True)
class Shape:
    """What an endpoint's answer must look like: a status (None: not documented) and an example
    (None: no shape documented), or a text answer with documented headers."""

    status: int | None
    example: Any
    kind: str  # "json", "text", "none"
    source: str  # which endpoint's example this is (the endpoint itself or the one referenced)
    text: str = ""


class Reference:
    """The parsed reference: `endpoints` in document order, and shape resolution."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.endpoints: list[Endpoint] = parse_endpoints(text)

    @classmethod
    def load(cls, path: Path = REFERENCE_PATH) -> Reference:
        return cls(path.read_text(encoding="utf-8"))

    @property
    def http_endpoints(self) -> list[Endpoint]:
        return [e for e in self.endpoints if not e.is_websocket]

    def find(self, method: str, path: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.method == method and endpoint.path == path:
                return endpoint
        raise KeyError(f"{method} {path}")

    def named(self, name: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)

    # "Same structure as X" and the prose answers, read once, here.
    def _described(self, text: str) -> tuple[Any, str] | None:
        lowered = text.lower().strip().rstrip(".")
        track = self.named("Add Track")
        tracklist = self.named("Create Manual Tracklist")
        targets: list[tuple[str, Endpoint]] = [
            ("search results", self.named("Search Tracklists")),
            ("import response", self.named("Import Tracklist")),
            ("generate endpoint", self.named("Generate CUE File from Tracklist Data")),
            ("file validation", self.named("Validate CUE File")),
            ("track object", track),
        ]
        for phrase, target in targets:
            if f"same structure as {phrase}" in lowered:
                return target.response, target.name
        if lowered.startswith("array of") and "track" in lowered and "tracklist" not in lowered:
            return [track.response], f"[{track.name}]"
        if lowered.startswith("array of") and "tracklist" in lowered:
            return [tracklist.response], f"[{tracklist.name}]"
        if lowered.startswith("track object"):
            return track.response, track.name
        if lowered.endswith("tracklist object"):
            return tracklist.response, tracklist.name
        return None

    def resolve(self, endpoint: Endpoint) -> Shape:
        """The documented status and example of an endpoint, following prose references."""
        if endpoint.response_kind == "json":
            return Shape(endpoint.status, endpoint.response, "json", endpoint.name)
        if endpoint.response_kind == "text":
            return Shape(endpoint.status, None, "text", endpoint.name, endpoint.response_text)
        if endpoint.response_kind == "description":
            described = self._described(endpoint.response_text)
            if described is not None:
                example, source = described
                return Shape(endpoint.status, example, "json", source)
            return Shape(endpoint.status, None, "none", endpoint.name, endpoint.response_text)
        return Shape(endpoint.status, None, "none", endpoint.name)


def _blocks(lines: list[str], start: int, stop: int) -> list[tuple[int, int, str, str]]:
    """Fenced blocks between two line indexes: (open index, close index, language, content)."""
    found = []
    i = start
    while i < stop:
        match = _FENCE.match(lines[i].strip())
        if match and lines[i].strip().startswith("```"):
            language = match.group(1)
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            found.append((i, j, language, "\n".join(lines[i + 1 : j])))
            i = j + 1
            continue
        i += 1
    return found


def _next_block(
    blocks: list[tuple[int, int, str, str]], after: int, before: int
) -> tuple[int, int, str, str] | None:
    """The fenced block that follows line `after` with only blank lines between."""
    for block in blocks:
        if block[0] > after:
            return block if block[0] < before else None
    return None


def _outside_fences(lines: list[str]) -> list[bool]:
    inside = False
    marks = []
    for line in lines:
        if line.strip().startswith("```"):
            marks.append(False)
            inside = not inside
            continue
        marks.append(not inside)
    return marks


def parse_endpoints(text: str) -> list[Endpoint]:
    lines = text.splitlines()
    prose = _outside_fences(lines)
    headings = [
        (i, len(m.group(1)), m.group(2))
        for i, line in enumerate(lines)
        if prose[i] and (m := _HEADING.match(line))
    ]
    blocks = _blocks(lines, 0, len(lines))
    endpoints: list[Endpoint] = []
    section = group = ""
    for n, (index, level, title) in enumerate(headings):
        if level == 2:
            section, group = title, ""
        elif level == 3:
            group = title
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        rule = next((k for k in range(index + 1, end) if prose[k] and lines[k].strip() == "---"), end)
        end = min(end, rule)
        first = next((k for k in range(index + 1, end) if lines[k].strip()), None)
        if first is None or not lines[first].strip().startswith("```"):
            continue
        opening = _next_block(blocks, index, end)
        if opening is None or opening[2] not in ("http", "websocket"):
            continue
        request = RequestLine.parse(opening[3])
        if request is None:
            continue
        endpoint = Endpoint(
            name=title,
            section=section,
            group=group if level > 3 else "",
            method=request.method,
            path=request.path,
            query=request.query,
            line=index + 1,
        )
        _read_body(endpoint, lines, prose, blocks, opening[1] + 1, end)
        endpoints.append(endpoint)
    return endpoints


def _read_body(
    endpoint: Endpoint,
    lines: list[str],
    prose: list[bool],
    blocks: list[tuple[int, int, str, str]],
    start: int,
    end: int,
) -> None:
    k = start
    while k < end:
        line = lines[k].strip()
        if not prose[k] or not line.startswith("**"):
            k += 1
            continue
        response = _RESPONSE_MARK.match(line)
        if response:
            status, status_text, colon, trailing = response.groups()
            endpoint.status = int(status) if status else None
            endpoint.status_text = (status_text or "").strip()
            block = _next_block(blocks, k, end) if colon and not trailing else None
            if block is not None:
                if block[2] == "json":
                    endpoint.response = json.loads(block[3])
                    endpoint.response_kind = "json"
                else:
                    endpoint.response_kind = "text"
                    endpoint.response_text = block[3]
                k = block[1] + 1
                continue
            if trailing:
                endpoint.response_kind = "description"
                endpoint.response_text = trailing
                if endpoint.status is None:
                    # "Currently returns 501 Not Implemented": a status written in prose.
                    in_text = _STATUS_IN_TEXT.search(trailing)
                    if in_text and "return" in trailing.lower():
                        endpoint.status = int(in_text.group(1))
                        endpoint.status_text = trailing[in_text.end() :].strip()
            k += 1
            continue
        label = _LABEL.match(line)
        if not label:
            k += 1
            continue
        name, trailing = label.group(1).strip(), label.group(2)
        block = _next_block(blocks, k, end)
        # A block belongs to this label only when nothing but blank lines separates them.
        if block is not None and any(lines[j].strip() for j in range(k + 1, block[0])):
            block = None
        if name == "Request Body" and block is not None:
            endpoint.request_body = json.loads(block[3])
            k = block[1] + 1
        elif name == "Example Request" and block is not None:
            endpoint.example_request = RequestLine.parse(block[3])
            k = block[1] + 1
        elif name == "Message Format" and block is not None:
            endpoint.message_format = json.loads(block[3])
            k = block[1] + 1
        elif name == "Parameters":
            params = []
            j = k + 1
            while j < end and (not lines[j].strip() or lines[j].lstrip().startswith("- ")):
                match = _PARAMETER.match(lines[j].strip())
                if match:
                    params.append(Parameter(match.group(1), (match.group(2) or "").strip(), match.group(3)))
                j += 1
            endpoint.parameters = tuple(params)
            k = j
        else:
            endpoint.extra[name] = trailing
            k += 1
