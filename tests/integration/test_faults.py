"""Faults injected through the local runtime, each judged by the end state a user would find.

The source is broken by the local 1001tracklists' fault switch (local/source_site.py,
`/_local/fault`: a hung page, a 5xx, a block page, HTML cut mid-page), AWS by the embedded
endpoint's (local/meter.py, `/_local/faults`: S3 and DynamoDB errors, throttles). Nothing of
our code is mocked. Each test says what must hold afterwards: records in DynamoDB, objects in
S3, counts, what the API answers; every switch is cleared in a `finally`. docs/operations.md,
"Faults", lists each fault, its test and the end state guaranteed (and the cases other tests
already cover: a worker interrupted mid-item, a cancelled batch, a duplicate S3 event, a
webhook receiver down for a while).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import OWN_FIXTURES

pytestmark = pytest.mark.integration

SITE = "https://www.1001tracklists.com"
GOOD = OWN_FIXTURES / "1001tracklists" / "tracklist_two-djs_cues_w-row_mashup_id-rows.html"
GOOD_ID = "2k7xq9tb"
GOOD_TRACKS = 7
THROTTLE = "ProvisionedThroughputExceededException"
TEXT = "00:00 Opener - First\n05:30 Second Artist - Second\n11:00 Third - Last\n"


@contextmanager
def switches(runtime: Any) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The embedded AWS's and the local site's fault switches; both cleared whatever happens."""
    aws = httpx.Client(base_url=runtime.aws_url, timeout=10)
    site = httpx.Client(base_url=runtime.source_url, timeout=10)
    try:
        yield aws, site
    finally:
        aws.delete("/_local/faults")
        site.delete("/_local/fault")
        aws.close()
        site.close()


def _fault(control: httpx.Client, path: str, spec: dict[str, Any]) -> None:
    answer = control.post(path, json=spec)
    assert answer.status_code == 201, answer.text


class User:
    """A fresh account, so its tracklists, files and counters are this test's alone."""

    def __init__(self, client: httpx.Client) -> None:
        email = f"faults-{uuid.uuid4().hex[:12]}@example.com"
        password = "integration-pass-1"
        registered = client.post("/api/v1/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        login = client.post("/api/v1/auth/token", json={"username": email, "password": password})
        assert login.status_code == 200, login.text
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        profile = client.get("/api/v1/user/profile", headers=self.headers)
        assert profile.status_code == 200, profile.text
        self.user_id = str(profile.json()["user_id"])


def _plant(site: httpx.Client) -> tuple[str, str, str]:
    """A tracklist page of this test's own (a page id nobody else uses): (page id, URL, path)."""
    page_id = "f" + uuid.uuid4().hex[:7]
    path = f"/tracklist/{page_id}/fault-set-{page_id}.html"
    html = GOOD.read_text(encoding="utf-8").replace(f'data-id="{GOOD_ID}"', f'data-id="{page_id}"')
    planted = site.post("/_local/page", json={"path": path, "html": html})
    assert planted.status_code == 201, planted.text
    return page_id, SITE + path, path


def _owner_tracklists(runtime: Any, owner: str) -> list[dict[str, Any]]:
    """Every tracklist record an owner has, read from the table through its owner index."""
    dynamodb = runtime.aws_client("dynamodb")
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": "TracklistsTable",
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :p",
        "ExpressionAttributeValues": {":p": {"S": f"OWNER#{owner}"}},
    }
    while True:
        page = dynamodb.query(**kwargs)
        found.extend(json.loads(i["body"]["S"]) for i in page["Items"] if "body" in i)
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _counter(runtime: Any, owner: str, name: str) -> int:
    """The rate limiter's monthly counter `name` (requests, tokens) for an owner."""
    items = runtime.aws_client("dynamodb").query(
        TableName="CountersTable",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"RL#{owner}"}},
        ConsistentRead=True,
    )["Items"]
    return sum(int(i[name]["N"]) for i in items if name in i)


def _usage_requests(runtime: Any, owner: str) -> int:
    """Requests in the owner's usage analytics (every key, every day)."""
    items = runtime.aws_client("dynamodb").query(
        TableName="CountersTable",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"USAGE#{owner}"}},
        ConsistentRead=True,
    )["Items"]
    return sum(int(i["requests"]["N"]) for i in items if "requests" in i)


def _bucket(runtime: Any) -> str:
    buckets = runtime.aws_client("s3").list_buckets()["Buckets"]
    return str(next(b["Name"] for b in buckets if b["Name"].startswith("tracktion-cue")))


def _objects(runtime: Any, prefix: str) -> list[str]:
    listed = runtime.aws_client("s3").list_objects_v2(Bucket=_bucket(runtime), Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


# ---------------------------------------------------------------------------------------------
# The source failing in the middle of a batch


def test_source_timeouts_5xx_blocks_and_cut_pages_fail_their_items_and_the_rest_complete(
    runtime: Any,
) -> None:
    with runtime.client() as client, switches(runtime) as (_aws, site):
        user = User(client)
        good = [_plant(site) for _ in range(3)]
        hung, broken, blocked, cut = (_plant(site) for _ in range(4))
        flaky, cut_once = _plant(site), _plant(site)
        for (_, _, path), spec in (
            (hung, {"kind": "timeout", "delay": 8}),  # past the 5 s read timeout the runtime sets
            (broken, {"kind": "status", "status": 502}),
            (blocked, {"kind": "block"}),
            (cut, {"kind": "truncate"}),
        ):
            _fault(site, "/_local/fault", {"path": path, "times": -1, **spec})
        # Once only: the state machine's retry absorbs them.
        _fault(site, "/_local/fault", {"path": flaky[2], "kind": "status", "status": 500, "times": 1})
        _fault(site, "/_local/fault", {"path": cut_once[2], "kind": "truncate", "times": 1})
        pages = [*good, hung, broken, blocked, cut, flaky, cut_once]

        before = _counter(runtime, user.user_id, "tokens")
        created = client.post(
            "/api/v1/batch", headers=user.headers, json={"urls": [url for _, url, _ in pages]}
        )
        assert created.status_code == 200, created.text
        charged = _counter(runtime, user.user_id, "tokens") - before
        batch_id = created.json()["batch_id"]
        reads = 0
        deadline = time.monotonic() + 150
        while True:
            status = client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()
            reads += 1
            if status["final"] or time.monotonic() > deadline:
                break
            time.sleep(1)
        errors = client.get(
            f"/api/v1/batch/{batch_id}/status", headers=user.headers, params={"include_errors": "true"}
        ).json()["errors"]
        reads += 1
        after = _counter(runtime, user.user_id, "tokens")
        fired = {f["path"]: f["hits"] for f in site.delete("/_local/fault").json()}

    assert status["final"], status
    assert status["status"] == "partially_failed"
    jobs = status["jobs_status"]
    assert (jobs["total"], jobs["completed"], jobs["failed"], jobs["pending"]) == (9, 5, 4, 0)
    assert jobs["completed"] + jobs["failed"] + jobs["cancelled"] == jobs["total"]
    # Each failed item says why, in the batch's own status.
    why = {e["url"]: (e["error_code"], e["error"]) for e in errors}
    assert set(why) == {hung[1], broken[1], blocked[1], cut[1]}
    assert why[hung[1]][0] == "UPSTREAM_TIMEOUT"
    assert why[broken[1]][0] == "UPSTREAM_ERROR"
    assert why[blocked[1]][0] == "SOURCE_BLOCKED"
    assert why[cut[1]][0] == "UPSTREAM_ERROR" and "cut off" in why[cut[1]][1]
    # Each persistent fault was met by the first attempt and three retries, then given up.
    assert [fired[p[2]] for p in (hung, broken, blocked, cut)] == [4, 4, 4, 4]
    assert fired[flaky[2]] == 1 and fired[cut_once[2]] == 1
    # Exactly the five pages that answered are tracklists, each whole (never half a page).
    stored = {t["source_page_id"]: t for t in _owner_tracklists(runtime, user.user_id)}
    assert set(stored) == {p[0] for p in (*good, flaky, cut_once)}
    assert all(len(t["tracks"]) == GOOD_TRACKS for t in stored.values())
    # 10 tokens per URL up front; retries and failures charge nothing more (reads cost 1).
    assert charged == 10 * 9
    assert after - before == charged + reads


def test_a_page_cut_mid_way_is_never_stored_as_half_a_tracklist(runtime: Any) -> None:
    with runtime.client() as client, switches(runtime) as (_aws, site):
        user = User(client)
        page_id, url, path = _plant(site)
        _fault(site, "/_local/fault", {"path": path, "kind": "truncate", "times": -1})
        refused = client.post(
            "/api/v1/tracklists/import/1001tracklists", headers=user.headers, json={"url": url}
        )
        assert _owner_tracklists(runtime, user.user_id) == []
        site.delete("/_local/fault")
        imported = client.post(
            "/api/v1/tracklists/import/1001tracklists", headers=user.headers, json={"url": url}
        )

    assert refused.status_code == 502, refused.text
    assert refused.json()["details"]["reason"] == "UPSTREAM_ERROR"
    assert imported.status_code == 201, imported.text
    (stored,) = _owner_tracklists(runtime, user.user_id)
    assert stored["source_page_id"] == page_id and len(stored["tracks"]) == GOOD_TRACKS


def test_a_search_page_cut_mid_way_answers_502_and_is_not_cached_as_the_results(runtime: Any) -> None:
    params = {"query": "kolsch sonar", "force_refresh": "true", "limit": "50"}
    with runtime.client() as client, switches(runtime) as (_aws, site):
        user = User(client)
        whole = client.get("/api/v1/search", headers=user.headers, params=params)
        _fault(site, "/_local/fault", {"path": "/search/result.php", "kind": "truncate", "times": 1})
        cut = client.get("/api/v1/search", headers=user.headers, params=params)
        cached = client.get(
            "/api/v1/search", headers=user.headers, params={**params, "force_refresh": "false"}
        )

    assert whole.status_code == 200, whole.text
    assert cut.status_code == 502, cut.text
    assert "cut off" in cut.json()["error"]
    # What the cache holds, and answers next, is the whole first page, never the cut one.
    assert cached.status_code == 200
    assert cached.json()["results"] == whole.json()["results"] and whole.json()["results"]


# ---------------------------------------------------------------------------------------------
# DynamoDB throttling


def test_a_throttled_tracklist_write_answers_503_and_stores_nothing_then_one_tracklist(
    runtime: Any,
) -> None:
    with runtime.client() as client, switches(runtime) as (aws, site):
        user = User(client)
        page_id, url, _ = _plant(site)
        fault = {"service": "dynamodb", "operation": "TransactWriteItems", "table": "TracklistsTable"}
        _fault(aws, "/_local/faults", {**fault, "error": THROTTLE, "times": -1})
        refused = client.post(
            "/api/v1/tracklists/import/1001tracklists", headers=user.headers, json={"url": url}
        )
        assert aws.delete("/_local/faults").json()[0]["hits"] >= 2  # the SDK retried it
        nothing = _owner_tracklists(runtime, user.user_id)
        # Absorbed: one throttle, which the SDK's retry gets past.
        _fault(aws, "/_local/faults", {**fault, "error": THROTTLE, "times": 1})
        imported = client.post(
            "/api/v1/tracklists/import/1001tracklists", headers=user.headers, json={"url": url}
        )
        again = client.post(
            "/api/v1/tracklists/import/1001tracklists", headers=user.headers, json={"url": url}
        )

    assert refused.status_code == 503, refused.text
    assert refused.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert int(refused.headers["Retry-After"]) >= 1
    assert nothing == []
    assert imported.status_code == 201, imported.text
    assert imported.json()["created"] is True
    assert again.json()["created"] is False
    (stored,) = _owner_tracklists(runtime, user.user_id)
    assert stored["source_page_id"] == page_id and len(stored["tracks"]) == GOOD_TRACKS


def _final(client: httpx.Client, user: User, batch_id: str, timeout: float = 150) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, Any] = client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()
        if status["final"] or time.monotonic() > deadline:
            return status
        time.sleep(1)


def test_a_worker_raising_mid_item_fails_that_item_visibly_and_the_batch_finishes(runtime: Any) -> None:
    with runtime.client() as client, switches(runtime) as (aws, site):
        user = User(client)
        kept_id, kept, _ = _plant(site)
        failing_id, failing, _ = _plant(site)
        first = client.post(
            "/api/v1/tracklists/import/1001tracklists", headers=user.headers, json={"url": kept}
        )
        assert first.status_code == 201, first.text
        # Every tracklist write throttled: the item that needs one raises in its worker on every
        # attempt (the import is read, the write refused); the one already stored needs none.
        _fault(
            aws,
            "/_local/faults",
            {
                "service": "dynamodb",
                "operation": "TransactWriteItems",
                "table": "TracklistsTable",
                "error": THROTTLE,
                "times": -1,
            },
        )
        created = client.post("/api/v1/batch", headers=user.headers, json={"urls": [kept, failing]})
        assert created.status_code == 200, created.text
        batch_id = created.json()["batch_id"]
        status = _final(client, user, batch_id)
        aws.delete("/_local/faults")
        listed = client.get(
            f"/api/v1/batch/{batch_id}/status",
            headers=user.headers,
            params={"include_errors": "true"},
        ).json()

    assert status["final"] and status["status"] == "partially_failed", status
    jobs = status["jobs_status"]
    assert (jobs["total"], jobs["completed"], jobs["failed"], jobs["pending"]) == (2, 1, 1, 0)
    (error,) = listed["errors"]
    assert error["url"] == failing and error["error_code"] == f"AWS_{THROTTLE}"
    assert {t["source_page_id"] for t in _owner_tracklists(runtime, user.user_id)} == {kept_id}
    assert failing_id not in json.dumps(_owner_tracklists(runtime, user.user_id))


def test_an_item_whose_outcome_cannot_be_counted_is_run_again_and_counted_once(runtime: Any) -> None:
    with runtime.client() as client, switches(runtime) as (aws, site):
        user = User(client)
        page_id, url, _ = _plant(site)
        # The first count of an outcome fails through all five SDK attempts, then goes through.
        _fault(
            aws,
            "/_local/faults",
            {
                "service": "dynamodb",
                "operation": "UpdateItem",
                "table": "BatchesTable",
                "error": THROTTLE,
                "times": 5,
            },
        )
        created = client.post("/api/v1/batch", headers=user.headers, json={"urls": [url]})
        assert created.status_code == 200, created.text
        status = _final(client, user, created.json()["batch_id"])
        fired = aws.delete("/_local/faults").json()

    assert fired == [{"service": "dynamodb", "error": THROTTLE, "hits": 5}]
    assert status["status"] == "completed", status
    assert (status["jobs_status"]["completed"], status["jobs_status"]["failed"]) == (1, 0)
    assert [t["source_page_id"] for t in _owner_tracklists(runtime, user.user_id)] == [page_id]


def test_a_batch_cancelled_while_items_run_starts_none_after_and_its_records_match_its_counts(
    runtime: Any,
) -> None:
    # tests/integration/test_batch_flow.py cancels a batch on its own runtime and checks the
    # execution stops and the counts settle; here the stored tracklists are checked too.
    with runtime.client() as client, switches(runtime) as (_aws, site):
        user = User(client)
        urls = [_plant(site)[1] for _ in range(16)]
        created = client.post("/api/v1/batch", headers=user.headers, json={"urls": urls, "priority": "low"})
        assert created.status_code == 200, created.text
        batch_id = created.json()["batch_id"]
        deadline = time.monotonic() + 60
        while (
            client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()["jobs_status"][
                "completed"
            ]
            < 2
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        cancelled = client.post(f"/api/v1/batch/{batch_id}/cancel", headers=user.headers)
        time.sleep(3)  # the item in flight at the cancel may still finish, and counts
        settled = client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()
        stored = _owner_tracklists(runtime, user.user_id)
        time.sleep(3)
        later = client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()
        stored_later = _owner_tracklists(runtime, user.user_id)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["batch_status"] == "cancelled"
    jobs = settled["jobs_status"]
    assert settled["status"] == "cancelled" and settled["final"] is True
    assert jobs["completed"] + jobs["failed"] + jobs["cancelled"] == 16 and jobs["pending"] == 0
    assert 2 <= jobs["completed"] < 16 and jobs["failed"] == 0
    # Each completed item is one whole tracklist, and nothing was started after the cancel.
    assert len(stored) == jobs["completed"]
    assert all(len(t["tracks"]) == GOOD_TRACKS for t in stored)
    assert later["jobs_status"] == jobs and len(stored_later) == len(stored)


def test_a_batch_that_cannot_be_recorded_or_started_answers_503_and_charges_nothing(runtime: Any) -> None:
    with runtime.client() as client, switches(runtime) as (aws, site):
        user = User(client)
        urls = [_plant(site)[1] for _ in range(3)]
        tokens = _counter(runtime, user.user_id, "tokens")
        # The batch's record cannot be written.
        _fault(
            aws,
            "/_local/faults",
            {
                "service": "dynamodb",
                "operation": "PutItem",
                "table": "BatchesTable",
                "error": THROTTLE,
                "times": -1,
            },
        )
        unrecorded = client.post("/api/v1/batch", headers=user.headers, json={"urls": urls})
        aws.delete("/_local/faults")
        after_unrecorded = _counter(runtime, user.user_id, "tokens")
        listed = client.get("/api/v1/batch", headers=user.headers).json()
        # The batch is recorded, but its execution cannot be started.
        _fault(
            aws,
            "/_local/faults",
            {"service": "states", "operation": "StartExecution", "error": "ThrottlingException", "times": -1},
        )
        unstarted = client.post("/api/v1/batch", headers=user.headers, json={"urls": urls})
        aws.delete("/_local/faults")
        after_unstarted = _counter(runtime, user.user_id, "tokens")
        shown = client.get("/api/v1/batch", headers=user.headers).json()["batches"]

    assert unrecorded.status_code == 503, unrecorded.text
    assert unrecorded.json()["error_code"] == "SERVICE_UNAVAILABLE" and unrecorded.headers["Retry-After"]
    assert listed["batches"] == [] and listed["pagination"]["total"] == 0
    assert after_unrecorded == tokens  # the 30 tokens were charged, then given back
    assert unstarted.status_code == 503, unstarted.text
    assert unstarted.json()["error_code"] == "BATCH_START_FAILED"
    (failed,) = shown
    assert failed["status"] == "failed" and failed["final"] is True and failed["error"]
    # Final, so nothing is pending: the items it never ran failed with it.
    assert (failed["jobs_status"]["failed"], failed["jobs_status"]["pending"]) == (3, 0)
    assert after_unstarted == after_unrecorded + 1  # only the list read in between (1 token)
    assert _owner_tracklists(runtime, user.user_id) == []


def test_a_batch_whose_execution_ended_early_is_closed_with_every_item_accounted_for(runtime: Any) -> None:
    sfn = runtime.aws_client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if "batch-import" in m["name"])
    with runtime.client() as client, switches(runtime) as (_aws, site):
        user = User(client)
        urls = [_plant(site)[1] for _ in range(12)]
        created = client.post("/api/v1/batch", headers=user.headers, json={"urls": urls, "priority": "low"})
        assert created.status_code == 200, created.text
        batch_id = created.json()["batch_id"]
        deadline = time.monotonic() + 60
        while (
            client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()["jobs_status"][
                "completed"
            ]
            < 1
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # The execution ends without its Finalize step (as when its batch-table writes stay
        # throttled past every retry, it times out, or an operator stops it).
        execution = machine["stateMachineArn"].replace(":stateMachine:", ":execution:") + f":{batch_id}"
        sfn.stop_execution(executionArn=execution, error="Ended", cause="fault test")
        deadline = time.monotonic() + 60
        while True:  # the list closes it as the status does
            (listed,) = client.get("/api/v1/batch", headers=user.headers).json()["batches"]
            if listed["final"] or time.monotonic() > deadline:
                break
            time.sleep(1)
        status = _final(client, user, batch_id, timeout=5)
        stored = _owner_tracklists(runtime, user.user_id)
        time.sleep(1)
        later = client.get(f"/api/v1/batch/{batch_id}/status", headers=user.headers).json()

    assert listed["final"] is True and listed["status"] == "partially_failed", listed
    assert status["final"] is True, status
    assert status["status"] == "partially_failed"
    jobs = status["jobs_status"]
    assert jobs["pending"] == 0 and jobs["queued"] == 0 and jobs["processing"] == 0
    assert jobs["completed"] + jobs["failed"] == 12 and jobs["failed"] >= 1
    assert "execution" in status["error"] and "item(s) ran" in status["error"]
    assert len(stored) == jobs["completed"]
    assert later["status"] == status["status"] and later["jobs_status"]["pending"] == 0


def test_a_throttled_rate_counter_answers_503_or_succeeds_and_counts_stay_exact(runtime: Any) -> None:
    with runtime.client() as client, switches(runtime) as (aws, _site):
        user = User(client)
        requests = _counter(runtime, user.user_id, "requests")
        used = _usage_requests(runtime, user.user_id)
        fault = {"service": "dynamodb", "operation": "UpdateItem", "table": "CountersTable"}
        # Absorbed: two throttles, which the SDK's retries get past; counted once.
        _fault(aws, "/_local/faults", {**fault, "error": THROTTLE, "times": 2})
        absorbed = client.get("/api/v1/user/profile", headers=user.headers)
        assert aws.delete("/_local/faults").json()[0]["hits"] == 2
        after_absorbed = (_counter(runtime, user.user_id, "requests"), _usage_requests(runtime, user.user_id))
        # Persistent: the request cannot be counted, so it is refused, and counted nowhere.
        _fault(aws, "/_local/faults", {**fault, "error": THROTTLE, "times": -1})
        refused = client.get("/api/v1/user/profile", headers=user.headers)
        aws.delete("/_local/faults")
        after_refused = (_counter(runtime, user.user_id, "requests"), _usage_requests(runtime, user.user_id))
        served = client.get("/api/v1/user/profile", headers=user.headers)

    assert absorbed.status_code == 200, absorbed.text
    assert after_absorbed == (requests + 1, used + 1)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert refused.json()["details"]["reason"] == "RATE_LIMITER_BUSY"
    assert refused.headers["Retry-After"] == "1"
    assert after_refused == after_absorbed
    assert served.status_code == 200
    assert _counter(runtime, user.user_id, "requests") == requests + 2
    assert _usage_requests(runtime, user.user_id) == used + 2


# ---------------------------------------------------------------------------------------------
# S3 (and the record write) failing between a CUE file's objects and its record


def _text_tracklist(client: httpx.Client, user: User) -> str:
    imported = client.post(
        "/api/v1/tracklists/import/text",
        headers=user.headers,
        json={"text": TEXT, "title": f"fault set {uuid.uuid4().hex[:6]}"},
    )
    assert imported.status_code == 201, imported.text
    return str(imported.json()["tracklist_id"])


def _files(client: httpx.Client, user: User, tracklist_id: str = "") -> list[dict[str, Any]]:
    params = {"tracklist_id": tracklist_id} if tracklist_id else {}
    listed = client.get("/api/v1/cue/files", headers=user.headers, params=params)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["files"])


def test_s3_failing_mid_cue_file_leaves_no_record_and_no_object_then_generation_works(
    runtime: Any,
) -> None:
    with runtime.client() as client, switches(runtime) as (aws, _site):
        user = User(client)
        tracklist_id = _text_tracklist(client, user)
        prefix = f"cue/{user.user_id}/{tracklist_id}/"
        # The sheet is written, then its companion (rekordbox.xml) fails on every attempt.
        _fault(
            aws,
            "/_local/faults",
            {
                "service": "s3",
                "method": "PUT",
                "key_prefix": f"{prefix}rekordbox/v1/",
                "status": 500,
                "error": "InternalError",
                "times": -1,
            },
        )
        failed = client.post(
            f"/api/v1/cue/generate/{tracklist_id}", headers=user.headers, json={"formats": ["rekordbox"]}
        )
        assert aws.delete("/_local/faults").json()[0]["hits"] >= 2
        left_files, left_objects = _files(client, user, tracklist_id), _objects(runtime, prefix)
        made = client.post(
            f"/api/v1/cue/generate/{tracklist_id}", headers=user.headers, json={"formats": ["rekordbox"]}
        )
        files = _files(client, user, tracklist_id)
        download = client.get(f"/api/v1/cue/download/{files[0]['cue_file_id']}", headers=user.headers)

    assert failed.status_code == 503, failed.text
    assert failed.json()["error_code"] == "STORAGE_ERROR" and failed.headers["Retry-After"]
    assert left_files == [] and left_objects == []
    assert made.status_code == 200, made.text
    assert len(files) == 1 and download.status_code == 200
    # Only the recorded version's objects (the failed one's number stays unused, as a sequence's).
    base = f"{prefix}rekordbox/v{files[0]['version']}"
    assert _objects(runtime, prefix) == [f"{base}.cue", f"{base}.tracklist.json", f"{base}/rekordbox.xml"]


def test_a_throttled_cue_record_write_removes_its_objects_and_answers_503(runtime: Any) -> None:
    with runtime.client() as client, switches(runtime) as (aws, _site):
        user = User(client)
        tracklist_id = _text_tracklist(client, user)
        prefix = f"cue/{user.user_id}/{tracklist_id}/"
        fault = {"service": "dynamodb", "operation": "TransactWriteItems", "table": "CueTable"}
        _fault(aws, "/_local/faults", {**fault, "error": THROTTLE, "times": -1})
        failed = client.post(
            f"/api/v1/cue/generate/{tracklist_id}", headers=user.headers, json={"formats": ["standard"]}
        )
        aws.delete("/_local/faults")
        left_files, left_objects = _files(client, user, tracklist_id), _objects(runtime, prefix)
        _fault(aws, "/_local/faults", {**fault, "error": THROTTLE, "times": 1})
        made = client.post(
            f"/api/v1/cue/generate/{tracklist_id}", headers=user.headers, json={"formats": ["standard"]}
        )
        files = _files(client, user, tracklist_id)

    assert failed.status_code == 503, failed.text
    assert failed.json()["error_code"] == "STORAGE_ERROR" and failed.headers["Retry-After"]
    assert left_files == [] and left_objects == []
    assert made.status_code == 200, made.text
    assert len(files) == 1
    # One version's objects: the sheet and the tracklist it was made from, nothing of the failure.
    base = f"{prefix}standard/v{files[0]['version']}"
    assert _objects(runtime, prefix) == [f"{base}.cue", f"{base}.tracklist.json"]


def test_an_upload_whose_cue_files_cannot_be_stored_is_retried_queued_and_redriven_to_one_set(
    runtime: Any,
) -> None:
    from tests.integration.test_async_failures import MAINTENANCE, QUEUE, TRIGGER, _records

    sqs, lam, s3 = runtime.aws_client("sqs"), runtime.aws_client("lambda"), runtime.aws_client("s3")
    queue = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    _records(sqs, queue, want=0, timeout=0)  # nothing left by an earlier test
    with runtime.client() as client, switches(runtime) as (aws, _site):
        user = User(client)
        upload = client.post(
            "/api/v1/cue/uploads",
            headers=user.headers,
            json={"filename": "fault-set.txt", "formats": ["standard"]},
        )
        assert upload.status_code == 201, upload.text
        key, bucket = upload.json()["key"], _bucket(runtime)
        _fault(
            aws,
            "/_local/faults",
            {
                "service": "s3",
                "method": "PUT",
                "key_prefix": f"cue/{user.user_id}/",
                "status": 503,
                "error": "SlowDown",
                "times": -1,
            },
        )
        posted = httpx.post(
            upload.json()["url"],
            data=upload.json()["fields"],
            files={"file": ("fault-set.txt", TEXT.encode())},
            timeout=30,
        )
        assert posted.status_code in (200, 201, 204), posted.text
        # Every attempt (the first and Lambda's two retries) fails; the event waits in the queue.
        (record,) = _records(sqs, queue, want=1, timeout=150)
        report = json.loads(s3.get_object(Bucket=bucket, Key=f"{key}.error.json")["Body"].read())
        files_meanwhile = _files(client, user)
        objects_meanwhile = _objects(runtime, f"cue/{user.user_id}/")
        aws.delete("/_local/faults")

        # The operator's redrive (docs/operations.md) runs it again, now that S3 is back.
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(record))
        redriven = json.loads(
            lam.invoke(FunctionName=MAINTENANCE, Payload=json.dumps({"action": "redrive"}).encode())[
                "Payload"
            ].read()
        )
        deadline = time.monotonic() + 60
        while not (files := _files(client, user)) and time.monotonic() < deadline:
            time.sleep(0.5)
        # S3 delivering the same event once more makes no second set.
        again = lam.invoke(FunctionName=TRIGGER, Payload=json.dumps(record["requestPayload"]).encode())
        files_after = _files(client, user)

    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert key in json.dumps(record["requestPayload"])
    assert report["error_code"] == "STORAGE_ERROR" and report["source_key"] == key
    assert files_meanwhile == [] and objects_meanwhile == []
    assert redriven == {"redriven": 1, "left": 0, "seen": 1}
    assert len(files) == 1 and files[0]["format"] == "standard"
    assert again.get("FunctionError") is None
    assert [f["cue_file_id"] for f in files_after] == [files[0]["cue_file_id"]]
    # The report is gone with the failure it described.
    assert f"{key}.error.json" not in [
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
    ]


def test_an_async_cue_job_meeting_failed_storage_ends_failed_with_why_and_nothing_stored(
    runtime: Any,
) -> None:
    with runtime.client() as client, switches(runtime) as (aws, _site):
        user = User(client)
        tracklist_id = _text_tracklist(client, user)
        prefix = f"cue/{user.user_id}/{tracklist_id}/"
        _fault(
            aws,
            "/_local/faults",
            {
                "service": "s3",
                "method": "PUT",
                "key_prefix": prefix,
                "status": 500,
                "error": "InternalError",
                "times": -1,
            },
        )
        queued = client.post(
            f"/api/v1/cue/generate/{tracklist_id}?async_processing=true",
            headers=user.headers,
            json={"formats": ["standard"]},
        )
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + 90
        while True:
            job = client.get(
                f"/api/v1/cue/jobs/{queued.json()['job_id']}/status", headers=user.headers
            ).json()
            if job["status"] in ("completed", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        aws.delete("/_local/faults")
        files, objects = _files(client, user, tracklist_id), _objects(runtime, prefix)

    assert job["status"] == "failed", job
    assert "STORAGE_ERROR" in json.dumps(job)
    assert files == [] and objects == []
