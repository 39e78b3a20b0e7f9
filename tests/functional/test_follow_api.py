"""Following a tracklist's IDs through the handlers, with real payload-2.0 and scheduled events.

The source is the local copy of the site (local/source_site.py on tests/fixtures/1001tracklists)
as SOURCE_BASE_URL; its Kölsch & Ann Clue page has a "next capture" where the site's users
identified two ID rows, switched with the site's own `POST /_local/capture`. The scheduled
check runs as the template's schedule runs it: FollowFunction invoked with the schedule's Input.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from local.scheduler import template_schedules
from local.source_site import OWN_PAGES, start_source_site
from tests.conftest import FakeContext, principal_ctx
from tests.contract.template_functions import load_template
from tests.gateway import handler, invoke
from tests.receiver import Receiver
from tests.unit.auth.fixtures import identity  # noqa: F401

SITE = "https://www.1001tracklists.com"
PATH = "/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
KOLSCH = SITE + PATH


@pytest.fixture
def source(identity, monkeypatch):  # noqa: F811 - the fixture imported above
    server, base = start_source_site(OWN_PAGES)
    monkeypatch.setenv("SOURCE_BASE_URL", base)
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("WEBHOOK_BACKOFF_SECONDS", "0.01")
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def call(method: str, path: str, body: Any = None, user: str = "user-1") -> tuple[int, Any]:
    res = invoke(method, path, body=body, principal=principal_ctx(user), context=FakeContext())
    return res.status, res.body


def _import() -> str:
    status, body = call(
        "POST", "/api/v1/tracklists/import/1001tracklists", {"url": KOLSCH, "force_refresh": True}
    )
    assert status == 201, body
    return str(body["tracklist_id"])


def _switch(base: str, capture: str) -> None:
    answer = httpx.post(f"{base}/_local/capture", data={"path": PATH, "capture": capture}, timeout=5)
    assert answer.status_code == 200, answer.text


class ScheduledContext(FakeContext):
    """FollowFunction's own timeout (300 s) as Lambda reports it at the start of a run."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


def _scheduled_run() -> dict[str, Any]:
    """FollowFunction invoked as the template's schedule invokes it: with the schedule's Input."""
    (schedule,) = [
        s for s in template_schedules(load_template()) if s.key.startswith("template:FollowFunction:")
    ]
    (target,) = schedule.targets
    result: dict[str, Any] = handler("FollowFunction")(json.loads(target["Input"]), ScheduledContext())
    return result


def test_start_status_and_stop_answer_completeness_and_the_last_check(source) -> None:
    tracklist_id = _import()
    path = f"/api/v1/tracklists/{tracklist_id}/follow"

    status, before = call("GET", path)
    assert status == 200
    assert before["following"] is False and before["last_checked_at"] is None
    assert before["completeness"] == {
        "identified": 4,
        "total": 7,
        "ratio": round(4 / 7, 4),
        "unidentified_positions": [5, 6, 7],
    }

    status, started = call("POST", path)
    assert status == 201 and started["following"] is True and started["created"] is True
    assert started["source_url"] == KOLSCH and started["next_check_at"]
    status, again = call("POST", path)
    assert status == 200 and again["created"] is False and again["started_at"] == started["started_at"]

    status, stopped = call("DELETE", path)
    assert status == 200 and stopped["following"] is False and stopped["stopped_at"]
    assert stopped["next_check_at"] is None
    status, shown = call("GET", path)
    assert status == 200 and shown["following"] is False
    unknown = httpx.post(f"{source}/_local/capture", data={"path": PATH, "capture": "no-such"}, timeout=5)
    assert unknown.status_code == 404  # the local site serves only the captures it has
    assert _scheduled_run()["due"] == 0  # a stopped follow is not checked


def test_another_users_tracklist_is_a_404_and_a_typed_tracklist_cannot_be_followed(source) -> None:
    tracklist_id = _import()
    for method in ("GET", "POST", "DELETE"):
        status, body = call(method, f"/api/v1/tracklists/{tracklist_id}/follow", user="user-2")
        assert (status, body["error_code"]) == (404, "RESOURCE_NOT_FOUND"), (method, body)
    status, typed = call(
        "POST",
        "/api/v1/tracklists/manual",
        {"title": "Mine", "is_draft": False, "tracks": [{"artist": "ID", "title": "ID"}]},
    )
    assert status == 201, typed
    status, body = call("POST", f"/api/v1/tracklists/{typed['id']}/follow")
    assert status == 422 and body["error_code"] == "NOT_FOLLOWABLE"
    status, body = call("GET", "/api/v1/tracklists/no-such-tracklist/follow")
    assert status == 404


def test_the_scheduled_check_merges_the_next_capture_keeps_the_user_edit_and_tells_once(
    source, receiver
) -> None:
    status, hook = call("POST", "/api/v1/webhooks", {"url": receiver.url, "events": ["tracklist.changed"]})
    assert status == 201, hook
    tracklist_id = _import()
    path = f"/api/v1/tracklists/{tracklist_id}/follow"
    assert call("POST", path)[0] == 201
    status, edited = call("PUT", f"/api/v1/tracklists/{tracklist_id}/tracks/7", {"title": "Night Drive"})
    assert status == 200, edited

    assert _scheduled_run()["unchanged"] == 1  # the page as imported: nothing to tell
    assert receiver.payloads("tracklist.changed") == []
    _switch(source, "next")
    shown_due = call("GET", path)[1]["next_check_at"]
    assert shown_due > call("GET", path)[1]["last_checked_at"]  # checked, next one later
    try:
        # Due again (as the cadence would make it): the next check reads the next capture.
        from tracktion.following.store import FollowStore

        store = FollowStore()
        record = store.load(tracklist_id)
        assert record is not None
        store.put(record.model_copy(update={"next_check_at": record.last_checked_at}))
        run = _scheduled_run()
    finally:
        _switch(source, "")

    assert run["changed"] == 1, run
    (event,) = receiver.payloads("tracklist.changed")
    data = event["data"]
    assert data["tracklist_id"] == tracklist_id
    assert [(c["position"], c["after"]["title"]) for c in data["changes"]["identified"]] == [(5, "Lumen")]
    assert [(c["position"], c["after"]["start_time"]) for c in data["changes"]["times_added"]] == [
        (5, 2050.0)
    ]
    assert [(c["position"], c["after"]["title"]) for c in data["changes"]["kept_user_edits"]] == [
        (7, "Tidal")
    ]
    assert data["completeness"]["identified"] == 6 and data["completeness"]["total"] == 7

    status, tracklist = call("GET", f"/api/v1/tracklists/{tracklist_id}")
    titles = [(t["artist"], t["title"]) for t in tracklist["tracks"]]
    assert titles[4] == ("Ann Clue", "Lumen") and tracklist["tracks"][4]["start_seconds"] == 2050
    assert titles[6] == ("Cave Studio", "Night Drive")  # the user's edit stands
    assert tracklist["version"] == data["version"]

    status, shown = call("GET", path)
    assert shown["completeness"]["unidentified_positions"] == [6]
    assert (
        shown["checks"] == 2
        and shown["changes"] == 1
        and shown["last_changed_at"] == shown["last_checked_at"]
    )
    # The set is from 2025-06-14, over a year old: checked again in four weeks.
    checked = datetime.fromisoformat(shown["last_checked_at"].replace("Z", "+00:00"))
    following = datetime.fromisoformat(shown["next_check_at"].replace("Z", "+00:00"))
    assert (following - checked).days == 28 and shown["check_interval_seconds"] == 28 * 86400
    assert _scheduled_run()["due"] == 0
    assert len(receiver.payloads("tracklist.changed")) == 1


def test_a_failed_check_is_recorded_and_the_follow_goes_on(source, monkeypatch) -> None:
    tracklist_id = _import()
    path = f"/api/v1/tracklists/{tracklist_id}/follow"
    assert call("POST", path)[0] == 201
    monkeypatch.setenv("SOURCE_BASE_URL", "http://127.0.0.1:9")  # nothing listens there

    run = _scheduled_run()

    assert run["failed"] == 1, run
    status, shown = call("GET", path)
    assert status == 200
    assert shown["following"] is True and shown["last_checked_at"] is None
    assert shown["last_error"]["error_code"] == "UPSTREAM_ERROR"
    assert shown["next_check_at"] > shown["last_error"]["at"]


def test_a_run_stops_when_the_shared_politeness_budget_is_spent_and_the_rest_stays_due(
    source, monkeypatch
) -> None:
    ids = []
    for user in ("user-1", "user-2"):
        status, body = call(
            "POST",
            "/api/v1/tracklists/import/1001tracklists",
            {"url": KOLSCH, "force_refresh": True},
            user=user,
        )
        assert status == 201, body
        ids.append((user, body["tracklist_id"]))
        assert call("POST", f"/api/v1/tracklists/{body['tracklist_id']}/follow", user=user)[0] == 201
    # One fetch a minute, and no waiting for a turn: the run's second fetch finds the budget spent.
    monkeypatch.setenv("SOURCE_MIN_INTERVAL_SECONDS", "60")
    monkeypatch.setenv("SOURCE_MAX_WAIT_SECONDS", "0")

    run = _scheduled_run()

    assert run["due"] == 2 and run["unchanged"] == 1 and run["stopped_early"] == "SOURCE_BUSY", run
    shown = [call("GET", f"/api/v1/tracklists/{t}/follow", user=u)[1] for u, t in ids]
    waiting = [s for s in shown if s["last_checked_at"] is None]
    assert len(waiting) == 1 and waiting[0]["last_error"]["error_code"] == "SOURCE_BUSY"
    assert waiting[0]["following"] is True and waiting[0]["next_check_at"]


def test_an_account_follows_at_most_its_limit_and_stopping_frees_a_place(source, monkeypatch) -> None:
    monkeypatch.setenv("FOLLOW_MAX_PER_OWNER", "1")
    first = _import()
    # A second page (the same markup under another page id), imported from its HTML.
    html = (OWN_PAGES / "tracklist_two-djs_cues_w-row_mashup_id-rows.html").read_text(encoding="utf-8")
    other_url = f"{SITE}/tracklist/9zz9zz9z/another-set-2025-06-15.html"
    status, body = call(
        "POST",
        "/api/v1/tracklists/import/html",
        {"url": other_url, "html": html.replace("2k7xq9tb", "9zz9zz9z")},
    )
    assert status == 201, body
    second = body["tracklist_id"]
    assert second != first

    assert call("POST", f"/api/v1/tracklists/{first}/follow")[0] == 201
    assert call("POST", f"/api/v1/tracklists/{first}/follow")[0] == 200  # the same follow, no second place
    status, refused = call("POST", f"/api/v1/tracklists/{second}/follow")
    assert (status, refused["error_code"]) == (409, "FOLLOW_LIMIT_REACHED")
    assert refused["details"]["limit"] == 1
    assert call("GET", f"/api/v1/tracklists/{second}/follow")[1]["following"] is False

    assert call("DELETE", f"/api/v1/tracklists/{first}/follow")[0] == 200
    assert call("DELETE", f"/api/v1/tracklists/{first}/follow")[0] == 200  # stopping twice frees one place
    assert call("POST", f"/api/v1/tracklists/{second}/follow")[0] == 201
    status, refused = call("POST", f"/api/v1/tracklists/{first}/follow")
    assert status == 409


def test_a_tracklist_deleted_while_followed_frees_its_place_at_the_limit(source, monkeypatch) -> None:
    monkeypatch.setenv("FOLLOW_MAX_PER_OWNER", "1")
    first = _import()
    assert call("POST", f"/api/v1/tracklists/{first}/follow")[0] == 201
    assert call("DELETE", f"/api/v1/tracklists/{first}")[0] == 204

    second = _import()  # the same page again: a new tracklist, the deleted one's place is free

    assert second != first
    assert call("POST", f"/api/v1/tracklists/{second}/follow")[0] == 201
    assert _scheduled_run()["gone"] == 0  # the deleted one's follow was forgotten when recounted
