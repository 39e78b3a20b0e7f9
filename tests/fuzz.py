"""schemathesis against the local runtime's served OpenAPI document, with figures per route.

`python -m tests.fuzz --cases 5000` (`make fuzz`) starts the local runtime, loads
/api/v1/openapi.json from it, generates schema-valid requests for every operation (schemathesis'
Python API, Hypothesis underneath) and sends them with the runtime's admin key (an enterprise
principal: the run cannot exhaust its limits). Each answer is classed:

- server error: any 5xx;
- schema violation: the body does not match the documented schema of its status, or its
  content type is not the documented one (schemathesis' response_schema_conformance and
  content_type_conformance);
- undocumented status: a status the operation does not list explicitly (`default` does not
  count: every operation has it, so it would hide every status);
- refused documented request: a schema-valid request answered 400/415/422 (the document
  promised more than the code accepts: a missing bound, pattern or enum in the schema), unless
  ALLOWED_REFUSALS names it: a refusal no request schema can state (each with its reason; the
  operation documents that status with the standard error body). Those are counted apart.

The run must end with all four at 0; the table names each failure's route and cause.
The runtime gets no way out of this machine: outbound HTTP(S) goes to a closed local port
(HTTP(S)_PROXY), Beatport and MusicBrainz are the runtime's local stand-in (local/catalog_site.py,
so the catalog routes answer as offline rather than 503), and webhook URLs in generated bodies are
rewritten to it (WEBHOOK_ALLOWED_HOSTS), so no generated address is ever contacted or even resolved.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from local.testing import RuntimeProcess, start_runtime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SINK = "127.0.0.1:9"  # discard port: nothing listens, a connection is refused at once
SAFE_ENV = {
    "HTTP_PROXY": f"http://{SINK}",
    "HTTPS_PROXY": f"http://{SINK}",
    "ALL_PROXY": f"http://{SINK}",
    "NO_PROXY": "127.0.0.1,localhost,::1",
}
RUNTIME_ENV = [
    "SOURCE_MIN_INTERVAL_SECONDS=0",
    f"WEBHOOK_ALLOWED_HOSTS={SINK}",
    # The catalogs: the runtime's local stand-in (no BEATPORT/MUSICBRAINZ_BASE_URL given), unspaced.
    "BEATPORT_MIN_INTERVAL_SECONDS=0",
    "MUSICBRAINZ_MIN_INTERVAL_SECONDS=0",
]
REFUSING = (400, 415, 422)
CATEGORIES = ("server error", "schema violation", "undocumented status", "refused documented request")


@dataclass(frozen=True)
class Allowed:
    """A schema-valid request the code may refuse: `route` ("*": any), status, error_code, and a
    fragment of the error message (empty: any message with that code)."""

    route: str
    status: int
    error_code: str
    message: str
    reason: str

    def matches(self, route: str, status: int, body: Any) -> bool:
        if not isinstance(body, dict) or status != self.status:
            return False
        if self.route not in ("*", route) or body.get("error_code") != self.error_code:
            return False
        # The message may be the error's or, for a model's own check, in details.errors[].msg.
        return self.message in str(body.get("error") or "") + json.dumps(body.get("details"), default=str)


_CURSOR = "a cursor is a token we issued (it encodes a storage position); a random string is none"
_STATE = "the caller has no tracklist: without tracklist_id the latest one is used (state, not shape)"
# Refusals of schema-valid requests that no request schema can state. Never a 5xx, never a schema
# violation: those always fail the run. Keep this list short; each entry says why it cannot be a
# schema (JSON Schema has no rule across query parameters, nor across the body and the query).
ALLOWED_REFUSALS: tuple[Allowed, ...] = (
    Allowed("GET /api/v1/batch/schedules", 400, "INVALID_CURSOR", "", _CURSOR),
    Allowed("GET /api/v1/webhooks", 400, "INVALID_CURSOR", "", _CURSOR),
    Allowed("GET /api/v1/webhooks/{webhook_id}/deliveries", 400, "INVALID_CURSOR", "", _CURSOR),
    Allowed("GET /api/v1/batch/{batch_id}/status", 400, "INVALID_CURSOR", "", _CURSOR),
    Allowed("GET /api/v1/tracklists/{tracklist_id}/drafts", 400, "INVALID_CURSOR", "", _CURSOR),
    Allowed("GET /api/v1/developer/keys", 400, "INVALID_PAGINATION_TOKEN", "", _CURSOR),
    Allowed("POST /api/v1/cue/generate", 422, "REQUIRED_FIELD_MISSING", "no tracklist", _STATE),
    Allowed("POST /api/v1/cue/generate/batch", 422, "REQUIRED_FIELD_MISSING", "no tracklist", _STATE),
    Allowed("POST /api/v1/cue/validate", 422, "REQUIRED_FIELD_MISSING", "no tracklist", _STATE),
    Allowed(
        "POST /api/v1/tracklists/import/text",
        422,
        "NO_TRACKS_FOUND",
        "",
        "whether a text holds 'Artist - Title' lines is the parser's reading of free text",
    ),
    Allowed(
        "POST /api/v1/tracklists/import/file",
        400,
        "UNSUPPORTED_FORMAT",
        "",
        "whether a file is a DJ history (and of which format) is read from its content",
    ),
    Allowed(
        "POST /api/v1/tracklists/import/file",
        400,
        "INVALID_FORMAT",
        "",
        "a file of a given or detected format can be malformed anywhere in its content",
    ),
    Allowed(
        "POST /api/v1/tracklists/import/file",
        422,
        "NO_TRACKS_FOUND",
        "",
        "whether any entry is left after dropping is read from the file's content",
    ),
    Allowed(
        "POST /api/v1/tracklists/import/file",
        422,
        "VALIDATION_ERROR",
        "Unknown IANA time zone",
        "timezone names a zone of the IANA database: the database is not a schema",
    ),
    Allowed(
        "POST /api/v1/tracklists/import/html",
        422,
        "NOT_A_TRACKLIST_PAGE",
        "",
        "whether an HTML document is a 1001tracklists tracklist page is read from its content",
    ),
    Allowed(
        "GET /api/v1/tracklists/search/1001tracklists",
        422,
        "REQUIRED_FIELD_MISSING",
        "",
        "one of the query parameters query/artist/title is needed: no schema rule spans parameters",
    ),
    Allowed(
        "GET /api/v1/tracklists/search/1001tracklists",
        400,
        "QUERY_TOO_SHORT",
        "",
        "the words of query, artist and title together must reach the minimum (across parameters)",
    ),
    Allowed(
        "GET /api/v1/tracklists/catalog/search",
        400,
        "MISSING_QUERY",
        "",
        "query, or artist and/or title, is needed: no schema rule spans parameters",
    ),
    Allowed(
        "GET /api/v1/catalog/beatport/search",
        422,
        "REQUIRED_FIELD_MISSING",
        "",
        "q, or genre_id or label_id, is needed: no schema rule spans parameters",
    ),
    Allowed(
        "GET /api/v1/tracklists",
        422,
        "VALIDATION_ERROR",
        "include_tracks",
        "include_tracks=true caps limit at 20: a rule across two query parameters",
    ),
    Allowed(
        "GET /api/v1/tracklists",
        422,
        "VALIDATION_ERROR",
        "created_from is after created_to",
        "a date range in order: a comparison of two query parameters",
    ),
    Allowed(
        "GET /api/v1/search",
        422,
        "VALIDATION_ERROR",
        "start_date is after end_date",
        "a date range in order: a comparison of two query parameters",
    ),
    Allowed(
        "GET /api/v1/tracklists/search/1001tracklists",
        422,
        "VALIDATION_ERROR",
        "date_from is after date_to",
        "a date range in order: a comparison of two query parameters",
    ),
    Allowed(
        "POST /api/v1/cue/generate",
        422,
        "CUE_GENERATION_FAILED",
        "Track starts must rise strictly",
        "track starts in order compares items of an array (JSON Schema bounds each item alone)",
    ),
    Allowed(
        "POST /api/v1/cue/validate",
        400,
        "UNSUPPORTED_AUDIO_FORMAT",
        "does not take",
        "which audio types a format's FILE line takes is a pairing of format and options.audio_format",
    ),
    Allowed(
        "GET /api/v1/tracklists",
        422,
        "VALIDATION_ERROR",
        "status and is_draft disagree",
        "two query parameters saying the same thing must agree",
    ),
    Allowed(
        "*",
        422,
        "VALIDATION_ERROR",
        "time_format in the body and in the query disagree",
        "time_format may be given in the body and the query; both must agree (body vs query)",
    ),
    Allowed(
        "*",
        422,
        "INVALID_TRACK_TIME",
        "is before start_time",
        "an end before its start compares two fields' values (a schema bounds each alone)",
    ),
    Allowed(
        "POST /api/v1/developer/keys",
        422,
        "VALIDATION_ERROR",
        "expires_at must be in the future",
        "'in the future' depends on the clock; the schema says date-time",
    ),
)


# Only refusals can be allowed: a 5xx or a schema violation never is.
assert all(a.status in REFUSING and a.reason for a in ALLOWED_REFUSALS)


def allowed_refusal(route: str, status: int, body: Any) -> Allowed | None:
    return next((a for a in ALLOWED_REFUSALS if a.matches(route, status, body)), None)


@dataclass
class Figures:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (route, category, cause)
    examples: dict[tuple[str, str, str], str] = field(default_factory=dict)
    allowed: Counter[tuple[str, int, str]] = field(default_factory=Counter)  # refusals ALLOWED_REFUSALS names

    def count(self, category: str) -> int:
        return sum(n for (_r, c, _cause), n in self.failures.items() if c == category)

    def add(self, route: str, category: str, cause: str, example: str) -> None:
        key = (route, category, cause[:160])
        self.failures[key] += 1
        self.examples.setdefault(key, example[:400])

    def summary(self) -> str:
        parts = [f"cases: {self.cases}"] + [f"{c}: {self.count(c)}" for c in CATEGORIES]
        parts.append(f"allowed refusals: {sum(self.allowed.values())}")
        return ", ".join(parts)

    def allowed_table(self) -> str:
        rows = [f"{route} {status} {code}: {n}" for (route, status, code), n in sorted(self.allowed.items())]
        return "allowed refusals (ALLOWED_REFUSALS):\n" + ("\n".join(rows) if rows else "none")

    def table(self) -> str:
        if not self.failures:
            return "no failures"
        rows = ["| route | category | cause | count |", "| --- | --- | --- | --- |"]
        for (route, category, cause), n in sorted(self.failures.items()):
            rows.append(f"| {route} | {category} | {cause.replace('|', '/')} | {n} |")
        return "\n".join(rows)


def _sink_urls(value: Any, key: str = "", *, webhook_route: bool = False) -> Any:
    """Every URL a generated body would have us call back is replaced by the closed local port."""
    if isinstance(value, dict):
        return {k: _sink_urls(v, str(k), webhook_route=webhook_route) for k, v in value.items()}
    if isinstance(value, list):
        return [_sink_urls(v, key, webhook_route=webhook_route) for v in value]
    name = key.lower()
    if isinstance(value, str) and (
        "webhook" in name or "callback" in name or (webhook_route and "url" in name)
    ):
        return f"http://{SINK}/hook"
    return value


def _error_cause(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:80]
    if not isinstance(body, dict):
        return "non-object body"
    code = str(body.get("error_code") or body.get("message") or "")
    errors = (body.get("details") or {}).get("errors") if isinstance(body.get("details"), dict) else None
    if errors and isinstance(errors, list) and isinstance(errors[0], dict):
        loc = ".".join(str(p) for p in errors[0].get("loc") or [])
        return f"{code} {loc}: {errors[0].get('msg', '')}"[:160]
    return f"{code}: {str(body.get('error') or '')[:100]}"


def run(runtime: RuntimeProcess, cases: int, *, schema_source: str = "served", seed: int = 0) -> Figures:
    """Generate at least `cases` requests spread over every operation; the figures of the run."""
    import schemathesis

    if schema_source == "build":  # the document the code describes now (before `make openapi`)
        from local.openapi import build

        raw = build()
        schema = schemathesis.openapi.from_dict(raw)
    else:
        schema = schemathesis.openapi.from_url(f"{runtime.gateway_url}/api/v1/openapi.json", timeout=30)
    schema.config.base_url = runtime.gateway_url
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    figures = Figures()
    headers = {"X-API-Key": runtime.admin_key}
    per_operation = max(3, math.ceil(cases * 1.3 / max(1, len(operations))))
    for operation in operations:
        route = f"{operation.method.upper()} {operation.path}"
        _exercise(operation, route, per_operation, runtime, headers, figures)
    return figures


def _exercise(
    operation: Any,
    route: str,
    per_operation: int,
    runtime: RuntimeProcess,
    headers: dict[str, str],
    figures: Figures,
) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    documented = {str(code) for code in operation.definition.raw.get("responses", {}) if code != "default"}
    if True:

        @settings(
            max_examples=per_operation,
            database=None,
            deadline=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def one(case: Any) -> None:
            if isinstance(case.body, (dict, list)):
                case.body = _sink_urls(case.body, webhook_route="webhook" in route)
            started = time.monotonic()
            try:
                response = case.call(base_url=runtime.gateway_url, headers=headers, timeout=60)
            except Exception as exc:  # the connection itself failed: as bad as a 5xx
                figures.cases += 1
                figures.add(route, "server error", f"no answer: {type(exc).__name__}", repr(exc))
                return
            figures.cases += 1
            status = response.status_code
            figures.statuses[status] += 1
            example = f"{case.method} {case.formatted_path} query={case.query} body={json.dumps(case.body, default=str)[:200]} -> {status} {response.text[:150]}"
            if status >= 500:
                figures.add(route, "server error", f"{status} {_error_cause(response)}", example)
            if str(status) not in documented:
                figures.add(route, "undocumented status", str(status), example)
            if status in REFUSING:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if allowed_refusal(route, status, body):
                    figures.allowed[(route, status, str(body.get("error_code")))] += 1
                else:
                    figures.add(
                        route, "refused documented request", f"{status} {_error_cause(response)}", example
                    )
            try:
                case.validate_response(
                    response, checks=[response_schema_conformance, content_type_conformance]
                )
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
                first = str(exc).strip().splitlines()
                cause = next(
                    (line for line in first if line.strip() and not line.startswith("-")), type(exc).__name__
                )
                figures.add(
                    route, "schema violation", f"{status} {cause.strip()}", f"{example}\n{str(exc)[:600]}"
                )
            del started

        one()


def start() -> RuntimeProcess:
    return start_runtime(
        os.path.join(ROOT, "template.yaml"),
        [arg for pair in (("--env", e) for e in RUNTIME_ENV) for arg in pair],
        timeout=90,
        env=SAFE_ENV,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument(
        "--schema",
        choices=("served", "build"),
        default=os.environ.get("TRACKTION_FUZZ_SCHEMA", "served"),
        help="served: GET /api/v1/openapi.json (default); build: local.openapi.build() of the tree",
    )
    args = parser.parse_args(argv)
    runtime = start()
    try:
        started = time.monotonic()
        figures = run(runtime, args.cases, schema_source=args.schema)
        print(figures.table())
        print(figures.allowed_table())
        print(f"statuses: {dict(sorted(figures.statuses.items()))}")
        print(f"{figures.summary()} ({time.monotonic() - started:.0f} s)")
    finally:
        runtime.stop()
    ok = figures.cases >= args.cases and all(figures.count(c) == 0 for c in CATEGORIES)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
