"""The BatchImport worker, called with the payloads the state machine builds, on moto."""

from __future__ import annotations

import json

import pytest

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture, task  # noqa: F401
from tests.gateway import invoke


def _submit(lambda_context, urls, user="user-1", **body):
    res = invoke(
        "POST",
        "/api/v1/batch",
        body={"urls": urls, **body},
        principal=principal_ctx(user),
        context=lambda_context,
    ).result
    assert res["statusCode"] == 200, res["body"]
    created = json.loads(res["body"])
    return execution_input(created["batch_id"])


def _status(lambda_context, batch_id, user="user-1", **query):
    res = invoke(
        "GET",
        f"/api/v1/batch/{batch_id}/status",
        query=query or None,
        principal=principal_ctx(user),
        context=lambda_context,
    ).result
    assert res["statusCode"] == 200, res["body"]
    return json.loads(res["body"])


def _owner_tracklists(user="user-1"):
    from tracktion.tracklists.store import TracklistStore

    found, _ = TracklistStore().list_by_owner(user, limit=100)
    return found


def test_item_import_records_the_tracklist_and_counts_it_once_even_when_run_twice(
    batch_aws, site, lambda_context
):
    from batch_worker.handler import lambda_handler as worker

    batch = _submit(lambda_context, [site.good("aaa11111")])

    first = worker(task("import_item", batch, 0), lambda_context)
    again = worker(task("import_item", batch, 0), lambda_context)

    assert first == {"index": 0, "status": "completed", "recorded": True}
    assert again["recorded"] is False
    status = _status(lambda_context, batch["batch_id"], include_items="true")
    assert status["jobs_status"]["completed"] == 1
    assert status["status"] == "processing"
    assert [i["tracklist_id"] for i in status["items"]] == [t.tracklist_id for t in _owner_tracklists()]
    assert len(_owner_tracklists()) == 1


def test_missing_page_is_recorded_as_that_items_failure_without_an_error(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    batch = _submit(lambda_context, [site.missing("bbb22222")])

    outcome = worker(task("import_item", batch, 0), lambda_context)

    assert outcome["status"] == "failed"
    status = _status(lambda_context, batch["batch_id"], include_errors="true")
    assert status["jobs_status"]["failed"] == 1
    assert status["errors"][0]["error_code"] == "SOURCE_PAGE_NOT_FOUND"
    assert status["errors"][0]["index"] == 0
    assert _owner_tracklists() == []


def test_block_page_raises_a_retryable_error_and_records_nothing(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    batch = _submit(lambda_context, [site.block("ccc33333")])

    with pytest.raises(Exception) as raised:
        worker(task("import_item", batch, 0), lambda_context)

    # Lambda reports the exception's class name as errorType; the state's Retry matches it.
    assert type(raised.value).__name__ == "TransientImportError"
    assert str(raised.value).startswith("SOURCE_BLOCKED")
    assert _status(lambda_context, batch["batch_id"])["jobs_status"]["pending"] == 1


def test_exhausted_retries_are_recorded_with_the_source_error_code(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    batch = _submit(lambda_context, [site.block("ddd44444")])
    # What the Catch hands over: Error = errorType, Cause = Lambda's error JSON.
    cause = json.dumps(
        {"errorMessage": "SOURCE_BLOCKED: challenge page", "errorType": "TransientImportError"}
    )
    error = {"Error": "TransientImportError", "Cause": cause}

    worker(task("record_failure", batch, 0, error=error), lambda_context)
    worker(task("record_failure", batch, 0, error=error), lambda_context)

    status = _status(lambda_context, batch["batch_id"], include_errors="true")
    assert status["jobs_status"] == {
        "queued": 0,
        "processing": 0,
        "total": 1,
        "completed": 0,
        "failed": 1,
        "pending": 0,
        "cancelled": 0,
    }
    assert status["errors"][0]["error_code"] == "SOURCE_BLOCKED"


def test_finalize_marks_partially_failed_with_exact_counts(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    urls = [site.good("eee00001"), site.good("eee00002"), site.missing("eee00003")]
    batch = _submit(lambda_context, urls)
    for index in range(3):
        worker(task("import_item", batch, index), lambda_context)

    final = worker(task("finalize", batch), lambda_context)
    again = worker(task("finalize", batch), lambda_context)

    assert final["status"] == again["status"] == "partially_failed"
    status = _status(lambda_context, batch["batch_id"])
    assert status["status"] == "partially_failed"
    assert status["jobs_status"] == {
        "queued": 0,
        "processing": 0,
        "total": 3,
        "completed": 2,
        "failed": 1,
        "pending": 0,
        "cancelled": 0,
    }
    assert status["progress_percentage"] == 100.0
    assert status["completed_at"]
    assert len(_owner_tracklists()) == 2


def test_batch_where_every_item_failed_is_failed(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    batch = _submit(lambda_context, [site.missing("fff00001")])
    worker(task("import_item", batch, 0), lambda_context)

    assert worker(task("finalize", batch), lambda_context)["status"] == "failed"


def test_interrupted_worker_is_retried_without_a_duplicate(batch_aws, site, lambda_context, monkeypatch):
    from batch_worker.handler import lambda_handler as worker

    monkeypatch.setenv("BATCH_WORKER_FAULT", "after_import")
    batch = _submit(lambda_context, [site.good("ggg00001")])

    with pytest.raises(Exception) as raised:
        worker(task("import_item", batch, 0), lambda_context)
    assert type(raised.value).__name__ == "WorkerInterrupted"
    # The tracklist exists already, but the item is not counted yet.
    assert len(_owner_tracklists()) == 1
    assert _status(lambda_context, batch["batch_id"])["jobs_status"]["completed"] == 0

    retried = worker(task("import_item", batch, 0), lambda_context)

    assert retried["status"] == "completed"
    assert len(_owner_tracklists()) == 1
    assert _status(lambda_context, batch["batch_id"])["jobs_status"]["completed"] == 1


def test_scheduled_firing_becomes_a_normal_batch_record(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    created = invoke(
        "POST",
        "/api/v1/batch/schedule",
        body={"name": "weekly", "urls": [site.good("hhh00001")], "cron_expression": "0 6 * * 1"},
        principal=principal_ctx(),
        context=lambda_context,
    ).result
    schedule_id = json.loads(created["body"])["schedule_id"]
    execution = "arn:aws:states:us-east-1:123456789012:execution:tracktion-batch-import-test:sched-1"
    payload = {
        "action": "scheduled_batch",
        "schedule_id": schedule_id,
        "owner_id": "user-1",
        "execution_arn": execution,
    }

    first = worker(payload, lambda_context)
    again = worker(payload, lambda_context)

    assert first == again
    assert [i["url"] for i in first["items"]] == [site.good("hhh00001")]
    status = _status(lambda_context, first["batch_id"])
    assert status["status"] == "queued"
    assert status["schedule_id"] == schedule_id
    assert status["total_jobs"] == 1


def test_item_with_cue_asked_makes_one_cue_file_even_when_run_twice(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker
    from tracktion.cue import files

    batch = _submit(lambda_context, [site.good("kkk00001")], template="dj_set")

    worker(task("import_item", batch, 0), lambda_context)
    worker(task("import_item", batch, 0), lambda_context)

    status = _status(lambda_context, batch["batch_id"], include_items="true")
    [item] = status["items"]
    [cue] = item["cue_files"]
    assert cue["format"] == "cdj"
    made, total = files.list_files("user-1")
    assert total == 1
    assert made[0].cue_file_id == cue["cue_file_id"]
    assert made[0].tracklist_id == item["tracklist_id"]


def test_an_item_finishing_after_its_batch_was_cancelled_still_counts_and_counts_add_up(
    batch_aws, site, lambda_context
):
    from tracktion.batch.store import BatchStore

    batch = _submit(lambda_context, [site.good(f"mmm0000{i}") for i in range(3)])
    BatchStore().cancel(batch["batch_id"], "user-1")

    # A worker that was mid-item when the execution stopped: its result lands after the cancel.
    counted = BatchStore().record_result(batch["batch_id"], 2, {"status": "completed", "url": "u"})

    assert counted is not None
    jobs = _status(lambda_context, batch["batch_id"])["jobs_status"]
    assert jobs == {
        "queued": 0,
        "processing": 0,
        "total": 3,
        "completed": 1,
        "failed": 0,
        "pending": 0,
        "cancelled": 2,
    }
