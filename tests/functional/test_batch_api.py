"""POST /api/v1/batch, status, cancel and schedules through the batch function, on moto."""

from __future__ import annotations

import json

import boto3

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture, task  # noqa: F401
from tests.gateway import invoke


def _call(lambda_context, method, path, body=None, user="user-1", query=None, permissions="read,write"):
    res = invoke(
        method,
        path,
        body=body,
        query=query,
        principal=principal_ctx(user, permissions=permissions),
        context=lambda_context,
    )
    return res.status, res.body


def _sfn():
    return boto3.client("stepfunctions", region_name="us-east-1")


def test_batch_is_queued_with_duplicates_imported_once_and_an_estimate(batch_aws, site, lambda_context):
    a, b = site.good("a0000001"), site.good("a0000002")
    # The same page spelled three ways: the canonical URL is what counts.
    urls = [a, b, a + "?utm_source=x", a.replace("https://www.", "https://")]

    status, body = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls, "priority": "high"})

    assert status == 200
    assert body["status"] == "queued"
    assert body["message"] == "Batch successfully queued"
    assert body["priority"] == "high"
    assert body["total_jobs"] == 2
    assert body["duplicates_removed"] == 2
    assert body["estimated_completion"] > body["created_at"]
    started = execution_input(body["batch_id"])
    assert [i["url"] for i in started["items"]] == [a, b]
    assert started["max_concurrency"] == 8


def test_invalid_urls_refuse_the_batch_with_their_indexes_and_start_nothing(batch_aws, site, lambda_context):
    urls = [site.good("b0000001"), "https://example.com/tracklist/x", site.good("b0000002"), "not a url"]

    status, body = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls})

    assert status == 400
    assert body["error_code"] == "INVALID_URL"
    assert [i["index"] for i in body["details"]["invalid_urls"]] == [1, 3]
    assert _sfn().list_executions(stateMachineArn=batch_aws["BATCH_STATE_MACHINE_ARN"])["executions"] == []


def test_more_than_a_thousand_urls_is_a_validation_error(batch_aws, lambda_context):
    urls = [f"https://www.1001tracklists.com/tracklist/x{i:05d}/set.html" for i in range(1001)]

    status, body = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls})

    assert status == 422
    assert body["error_code"] == "VALIDATION_ERROR"


def test_batch_over_the_monthly_tokens_is_refused_before_anything_runs(batch_aws, lambda_context):
    from tracktion.api.principal import Principal
    from tracktion.auth.ratelimit import charge_tokens

    # A free account that already spent 20,000 of its 25,000 tokens this month.
    charge_tokens(Principal(user_id="user-1", tier="free"), 20_000)
    urls = [f"https://www.1001tracklists.com/tracklist/t{i:05d}/set.html" for i in range(600)]

    status, body = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls})

    assert status == 429
    assert body["error_code"] == "RATE_LIMIT_EXCEEDED"
    assert _sfn().list_executions(stateMachineArn=batch_aws["BATCH_STATE_MACHINE_ARN"])["executions"] == []
    # 500 URLs cost exactly what is left, and pass.
    status, _ = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls[:500]})
    assert status == 200


def test_template_presets_choose_the_cue_options_and_explicit_options_win(batch_aws, site, lambda_context):
    url = site.good("c0000001")

    _, dj_set = _call(lambda_context, "POST", "/api/v1/batch", {"urls": [url], "template": "dj_set"})
    _, own = _call(
        lambda_context,
        "POST",
        "/api/v1/batch",
        {"urls": [url], "template": "festival", "options": {"cue_format": "traktor"}},
    )
    status, _ = _call(
        lambda_context, "POST", "/api/v1/batch", {"urls": [url], "options": {"cue_format": "nope"}}
    )

    assert dj_set["options"] == {
        "generate_cue": True,
        "cue_format": "cdj",
        "gap_handling": "estimate",
        "force_refresh": False,
    }
    assert own["options"] == {
        "generate_cue": True,
        "cue_format": "traktor",
        "gap_handling": "estimate",
        "force_refresh": True,
    }
    assert status == 422


def test_a_read_only_key_cannot_start_a_batch(batch_aws, site, lambda_context):
    status, body = _call(
        lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("r0000001")]}, permissions="read"
    )

    assert status == 403
    assert body["error_code"] == "INSUFFICIENT_PERMISSIONS"


def test_another_users_batch_answers_404_like_a_missing_one(batch_aws, site, lambda_context):
    _, body = _call(lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("d0000001")]})

    theirs = _call(lambda_context, "GET", f"/api/v1/batch/{body['batch_id']}/status", user="user-2")
    missing = _call(lambda_context, "GET", "/api/v1/batch/no-such-batch/status", user="user-2")
    cancel = _call(lambda_context, "POST", f"/api/v1/batch/{body['batch_id']}/cancel", user="user-2")

    assert theirs[0] == missing[0] == cancel[0] == 404
    assert theirs[1]["error_code"] == missing[1]["error_code"] == "RESOURCE_NOT_FOUND"


def test_cancel_stops_the_execution_and_keeps_finished_items_with_counts_that_add_up(
    batch_aws, site, lambda_context
):
    from batch_worker.handler import lambda_handler as worker

    urls = [site.good(f"e000000{i}") for i in range(4)]
    _, body = _call(lambda_context, "POST", "/api/v1/batch", {"urls": urls})
    batch = execution_input(body["batch_id"])
    worker(task("import_item", batch, 0), lambda_context)

    status, cancelled = _call(lambda_context, "POST", f"/api/v1/batch/{body['batch_id']}/cancel")
    # A task that starts after the cancel (already scheduled when the execution stopped) does nothing.
    late = worker(task("import_item", batch, 1), lambda_context)
    again, refused = _call(lambda_context, "POST", f"/api/v1/batch/{body['batch_id']}/cancel")

    assert status == 200
    assert cancelled["status"] == "success"
    assert cancelled["message"] == f"Batch {body['batch_id']} cancelled"
    assert cancelled["batch_status"] == "cancelled"
    assert cancelled["final"] is True
    assert cancelled["jobs_status"] == {
        "queued": 0,
        "processing": 0,
        "total": 4,
        "completed": 1,
        "failed": 0,
        "pending": 0,
        "cancelled": 3,
    }
    arn = _sfn().list_executions(stateMachineArn=batch_aws["BATCH_STATE_MACHINE_ARN"])["executions"][0]
    assert _sfn().describe_execution(executionArn=arn["executionArn"])["status"] == "ABORTED"
    _, now = _call(lambda_context, "GET", f"/api/v1/batch/{body['batch_id']}/status")
    assert now["status"] == "cancelled"
    assert now["jobs_status"] == cancelled["jobs_status"]
    assert late["status"] == "skipped"
    assert site.hits_for(urls[1]) == 0
    assert again == 409
    assert refused["error_code"] == "BATCH_NOT_ACTIVE"


def test_schedule_is_created_in_scheduler_with_converted_cron_and_timezone(batch_aws, site, lambda_context):
    body = {
        "name": "weekday mornings",
        "urls": [site.good("f0000001")],
        "cron_expression": "30 7 * * 1-5",
        "timezone": "Europe/Berlin",
        "template": "radio_show",
    }

    status, created = _call(lambda_context, "POST", "/api/v1/batch/schedule", body)

    assert status == 200
    assert created["message"] == "Batch scheduled successfully"
    assert created["cron"] == "30 7 * * 1-5"
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    got = scheduler.get_schedule(Name=created["schedule_id"], GroupName=batch_aws["BATCH_SCHEDULE_GROUP"])
    assert got["ScheduleExpression"] == "cron(30 7 ? * MON-FRI *)"
    assert got["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert got["Target"]["Arn"] == batch_aws["BATCH_STATE_MACHINE_ARN"]
    assert json.loads(got["Target"]["Input"]) == {"schedule_id": created["schedule_id"], "owner_id": "user-1"}
    _, listed = _call(lambda_context, "GET", "/api/v1/batch/schedules")
    assert [s["schedule_id"] for s in listed["schedules"]] == [created["schedule_id"]]
    assert _call(lambda_context, "GET", "/api/v1/batch/schedules", user="user-2")[1]["schedules"] == []


def test_deleted_schedule_is_gone_from_scheduler_and_the_list(batch_aws, site, lambda_context):
    body = {"name": "n", "urls": [site.good("f0000002")], "cron_expression": "0 * * * *"}
    _, created = _call(lambda_context, "POST", "/api/v1/batch/schedule", body)
    path = f"/api/v1/batch/schedules/{created['schedule_id']}"

    assert _call(lambda_context, "DELETE", path, user="user-2")[0] == 404
    assert _call(lambda_context, "DELETE", path)[0] == 204
    assert _call(lambda_context, "DELETE", path)[0] == 404
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    assert scheduler.list_schedules(GroupName=batch_aws["BATCH_SCHEDULE_GROUP"])["Schedules"] == []
    assert _call(lambda_context, "GET", "/api/v1/batch/schedules")[1]["schedules"] == []


def test_schedule_with_a_cron_scheduler_cannot_express_or_an_unknown_zone_is_refused(
    batch_aws, site, lambda_context
):
    url = site.good("f0000003")
    both_days = {"name": "n", "urls": [url], "cron_expression": "0 6 1 * 1"}
    bad_zone = {"name": "n", "urls": [url], "cron_expression": "0 6 * * *", "timezone": "Mars/Olympus"}

    s1, b1 = _call(lambda_context, "POST", "/api/v1/batch/schedule", both_days)
    s2, b2 = _call(lambda_context, "POST", "/api/v1/batch/schedule", bad_zone)

    assert (s1, b1["error_code"]) == (422, "INVALID_CRON_EXPRESSION")
    assert (s2, b2["error_code"]) == (422, "INVALID_TIMEZONE")


def test_the_references_example_body_is_accepted_and_answers_the_documented_200(
    batch_aws, site, lambda_context
):
    # The reference's body as published, its placeholder URLs and user id replaced by real ones.
    body = {
        "urls": [site.good("h0000001", slug="set-1"), site.good("h0000002", slug="set-2")],
        "priority": "normal",
        "user_id": "user-123",
        "template": "dj_set",
        "options": {"generate_cue": True, "cue_format": "standard"},
    }

    status, created = _call(lambda_context, "POST", "/api/v1/batch", body)

    assert status == 200
    assert {k: created[k] for k in ("total_jobs", "priority", "status", "message")} == {
        "total_jobs": 2,
        "priority": "normal",
        "status": "queued",
        "message": "Batch successfully queued",
    }
    assert isinstance(created["batch_id"], str) and created["estimated_completion"].endswith("Z")
    # The options spelled out win over the template's preset; the template fills the rest.
    assert created["options"]["cue_format"] == "standard" and created["options"]["generate_cue"] is True
    # A non-admin naming another user: the batch is the caller's, and the answer says so.
    assert [w["field"] for w in created["warnings"]] == ["user_id"]
    assert created["owner_id"] == "user-1"
    assert _call(lambda_context, "GET", f"/api/v1/batch/{created['batch_id']}/status")[0] == 200
    assert (
        _call(lambda_context, "GET", f"/api/v1/batch/{created['batch_id']}/status", user="user-123")[0] == 404
    )


def test_own_user_id_in_the_body_is_no_warning(batch_aws, site, lambda_context):
    status, created = _call(
        lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("h0000003")], "user_id": "user-1"}
    )

    assert status == 200
    assert created["warnings"] == []


def test_status_answers_every_documented_field_and_final_once_finished(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    _, created = _call(
        lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("k0000001"), site.good("k0000002")]}
    )
    batch = execution_input(created["batch_id"])
    path = f"/api/v1/batch/{created['batch_id']}/status"

    queued = _call(lambda_context, "GET", path)[1]
    worker(task("import_item", batch, 0), lambda_context)
    halfway = _call(lambda_context, "GET", path)[1]
    worker(task("import_item", batch, 1), lambda_context)
    worker(task("finalize", batch), lambda_context)
    done = _call(lambda_context, "GET", path)[1]

    documented = {
        "batch_id",
        "status",
        "total_jobs",
        "jobs_status",
        "progress_percentage",
        "created_at",
        "updated_at",
        "error",
    }
    for answer in (queued, halfway, done):
        assert documented <= set(answer)
        assert isinstance(answer["progress_percentage"], float)
        assert {"queued", "processing", "completed", "failed"} <= set(answer["jobs_status"])
        assert answer["updated_at"] >= answer["created_at"]
    assert (queued["status"], queued["final"], queued["error"]) == ("queued", False, None)
    assert halfway["status"] == "processing" and halfway["progress_percentage"] == 50.0
    # Two items, and the Map runs up to four at once: the unfinished one is in flight.
    assert {k: halfway["jobs_status"][k] for k in ("queued", "processing", "completed", "failed")} == {
        "queued": 0,
        "processing": 1,
        "completed": 1,
        "failed": 0,
    }
    assert (done["status"], done["final"], done["progress_percentage"]) == ("completed", True, 100.0)
    assert done["jobs_status"]["processing"] == done["jobs_status"]["queued"] == 0


def test_status_of_a_partly_failed_batch_names_the_error(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker

    _, created = _call(
        lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("m0000001"), site.missing("m0000002")]}
    )
    batch = execution_input(created["batch_id"])
    for index in (0, 1):
        worker(task("import_item", batch, index), lambda_context)
    worker(task("finalize", batch), lambda_context)

    done = _call(lambda_context, "GET", f"/api/v1/batch/{created['batch_id']}/status")[1]

    assert done["status"] == "partially_failed" and done["final"] is True
    assert done["error"].startswith("1 of 2 item(s) failed")


def test_my_batches_are_listed_newest_first_with_offset_pagination_and_never_anothers(
    batch_aws, site, lambda_context
):
    mine = [
        _call(lambda_context, "POST", "/api/v1/batch", {"urls": [site.good(f"n000000{i}")]})[1]["batch_id"]
        for i in range(3)
    ]
    _call(lambda_context, "POST", "/api/v1/batch", {"urls": [site.good("n0000009")]}, user="user-2")

    status, first = _call(lambda_context, "GET", "/api/v1/batch", query={"limit": "2"})
    _, second = _call(lambda_context, "GET", "/api/v1/batch", query={"limit": "2", "offset": "2"})
    _, theirs = _call(lambda_context, "GET", "/api/v1/batch", user="user-2")
    _, nobody = _call(lambda_context, "GET", "/api/v1/batch", user="user-3")
    bad = _call(lambda_context, "GET", "/api/v1/batch", query={"limit": "0"})

    assert status == 200
    listed = [b["batch_id"] for b in first["batches"] + second["batches"]]
    assert sorted(listed) == sorted(mine) and len(listed) == 3
    assert first["pagination"] == {"limit": 2, "offset": 0, "total": 3, "has_more": True, "returned": 2}
    assert second["pagination"] == {"limit": 2, "offset": 2, "total": 3, "has_more": False, "returned": 1}
    assert {"status", "jobs_status", "progress_percentage", "final"} <= set(first["batches"][0])
    assert not set(listed) & {b["batch_id"] for b in theirs["batches"]}
    assert theirs["pagination"]["total"] == 1
    assert nobody == {
        "batches": [],
        "pagination": {"limit": 20, "offset": 0, "total": 0, "has_more": False, "returned": 0},
    }
    assert (bad[0], bad[1]["error_code"]) == (422, "VALIDATION_ERROR")


def test_an_admin_may_submit_for_an_existing_user_who_then_owns_and_pays_for_it(
    batch_aws, site, lambda_context
):
    from tracktion.auth import users

    user = users.register("owner@example.com", "a-long-password")["user_id"]
    admin = "read,write,admin"

    status, created = _call(
        lambda_context,
        "POST",
        "/api/v1/batch",
        {"urls": [site.good("p0000001")], "user_id": user},
        user="admin-1",
        permissions=admin,
    )
    unknown = _call(
        lambda_context,
        "POST",
        "/api/v1/batch",
        {"urls": [site.good("p0000002")], "user_id": "usr_nobody"},
        user="admin-1",
        permissions=admin,
    )

    assert status == 200
    assert (created["owner_id"], created["submitted_by"]) == (user, "admin-1")
    assert created["warnings"][0]["type"] == "on_behalf"
    path = f"/api/v1/batch/{created['batch_id']}/status"
    assert _call(lambda_context, "GET", path, user=user)[0] == 200
    assert _call(lambda_context, "GET", path, user="admin-1", permissions=admin)[0] == 200
    assert _call(lambda_context, "GET", path, user="user-2")[0] == 404
    assert [
        b["batch_id"] for b in _call(lambda_context, "GET", "/api/v1/batch", user=user)[1]["batches"]
    ] == [created["batch_id"]]
    assert execution_input(created["batch_id"])["owner_id"] == user
    assert (unknown[0], unknown[1]["error_code"]) == (404, "USER_NOT_FOUND")


def test_the_references_schedule_body_is_accepted_with_the_documented_200(batch_aws, site, lambda_context):
    body = {
        "urls": [site.good("q0000001", slug="weekly-set")],
        "cron_expression": "0 2 * * 1",
        "user_id": "user-123",
        "name": "Weekly Set Import",
    }

    status, created = _call(lambda_context, "POST", "/api/v1/batch/schedule", body)

    assert status == 200
    assert created["message"] == "Batch scheduled successfully"
    assert created["cron"] == "0 2 * * 1"
    assert created["schedule_id"] and created["name"] == "Weekly Set Import"
    assert [w["field"] for w in created["warnings"]] == ["user_id"]
