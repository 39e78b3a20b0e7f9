"""One envelope for the work a function hands to itself, one dispatcher in the edge."""

from __future__ import annotations

from typing import Any

import pytest

from tracktion import async_jobs
from tracktion.api import dispatch


def test_the_envelope_reads_back_as_its_kind_and_payload():
    event = async_jobs.envelope("cue.job", {"job_id": "j-1"})

    assert event == {"tracktion_job": {"kind": "cue.job", "payload": {"job_id": "j-1"}}}
    assert async_jobs.read(event) == ("cue.job", {"job_id": "j-1"})


@pytest.mark.parametrize(
    "event",
    [
        {"version": "2.0", "routeKey": "GET /x", "requestContext": {}},
        {"Records": [{"s3": {}}]},
        {"tracktion_job": "not an object"},
        [],
        None,
    ],
)
def test_any_other_event_is_not_a_job(event):
    assert async_jobs.read(event) is None


def test_a_payload_that_is_not_an_object_reads_as_empty():
    assert async_jobs.read({"tracktion_job": {"kind": "x", "payload": [1]}}) == ("x", {})


def test_the_dispatcher_runs_the_registered_job_and_serves_everything_else(monkeypatch):
    served: list[Any] = []
    monkeypatch.setattr(
        dispatch, "serve", lambda app, event, context: served.append(event) or {"statusCode": 200}
    )
    ran: list[dict[str, Any]] = []
    jobs = {"a.job": lambda payload: ran.append(payload) or {"status": "done"}}

    assert dispatch.serve_or_dispatch(None, async_jobs.envelope("a.job", {"n": 1}), None, jobs) == {
        "status": "done"
    }
    assert dispatch.serve_or_dispatch(None, {"routeKey": "GET /x"}, None, jobs) == {"statusCode": 200}
    assert dispatch.serve_or_dispatch(None, async_jobs.envelope("other", {}), None, jobs) == {
        "kind": "other",
        "status": "unknown_job",
    }
    assert ran == [{"n": 1}] and served == [{"routeKey": "GET /x"}]


def test_a_job_cannot_start_without_a_function_to_invoke(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)

    with pytest.raises(async_jobs.JobNotStarted) as err:
        async_jobs.start("cue.job", {"job_id": "j-1"})

    assert (err.value.status, err.value.error_code) == (503, "JOB_NOT_STARTED")
