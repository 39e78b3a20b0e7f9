"""schemathesis against the local runtime's /api/v1/openapi.json: a short run (>= 300 cases).

`make fuzz` runs the same harness (tests/fuzz.py) for 5,000 cases (TRACKTION_FUZZ_CASES).
Required: no 5xx, no answer outside its documented schema, no undocumented status, and no
schema-valid request refused with 400/415/422. The figures and a table of failures by route and
cause are printed (`-s`) and in the failure message; the summary line is printed at the end of
every run (`make test` too), from the test's `figures` property.
"""

from __future__ import annotations

import os

import pytest

from tests import fuzz

pytestmark = pytest.mark.integration


def test_schemathesis_finds_no_server_error_schema_violation_undocumented_status_or_refusal(
    record_property: pytest.RecordProperty,
) -> None:
    cases = int(os.environ.get("TRACKTION_FUZZ_CASES", "300"))
    runtime = fuzz.start()
    try:
        figures = fuzz.run(runtime, cases, schema_source=os.environ.get("TRACKTION_FUZZ_SCHEMA", "served"))
    finally:
        runtime.stop()
    report = (
        f"{figures.summary()}\nstatuses: {dict(sorted(figures.statuses.items()))}\n"
        f"{figures.table()}\n{figures.allowed_table()}"
    )
    print("\n" + report)
    # Shown at the end of every run, xdist workers included (tests/conftest.py's terminal summary).
    record_property("figures", f"schemathesis: {figures.summary()}")
    assert figures.cases >= cases, report
    for category in fuzz.CATEGORIES:
        assert figures.count(category) == 0, report
