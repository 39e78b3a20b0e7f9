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
  promised more than the code accepts: a missing bound, pattern or enum in the schema).

The run must end with all four at 0; the table names each failure's route and cause.
The runtime gets no way out of this machine: outbound HTTP(S) goes to a closed local port
(HTTP(S)_PROXY), catalogs point at one, and webhook URLs in generated bodies are rewritten to
it (WEBHOOK_ALLOWED_HOSTS), so no generated address is ever contacted or even resolved.
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
from typing import Any

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
    f"MUSICBRAINZ_BASE_URL=http://{SINK}/ws/2",
    f"BEATPORT_BASE_URL=http://{SINK}/v4",
]
REFUSING = (400, 415, 422)
CATEGORIES = ("server error", "schema violation", "undocumented status", "refused documented request")


@dataclass
class Figures:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (route, category, cause)
    examples: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def count(self, category: str) -> int:
        return sum(n for (_r, c, _cause), n in self.failures.items() if c == category)

    def add(self, route: str, category: str, cause: str, example: str) -> None:
        key = (route, category, cause[:160])
        self.failures[key] += 1
        self.examples.setdefault(key, example[:400])

    def summary(self) -> str:
        parts = [f"cases: {self.cases}"] + [f"{c}s: {self.count(c)}" for c in CATEGORIES]
        return ", ".join(parts)

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
    operations = [result.ok() for result in schema.get_all_operations()]
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
        print(f"statuses: {dict(sorted(figures.statuses.items()))}")
        print(f"{figures.summary()} ({time.monotonic() - started:.0f} s)")
    finally:
        runtime.stop()
    ok = figures.cases >= args.cases and all(figures.count(c) == 0 for c in CATEGORIES)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
