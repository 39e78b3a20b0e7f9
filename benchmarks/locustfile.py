"""The load scenario `make load` runs (benchmarks/load.py starts the runtime and locust).

Each simulated user is a real account with its own API key (made by the driver, read from
$TRACKTION_LOAD_USERS), doing what users do, weighted: read and list their tracklists, write a
tracklist, edit it (rename, change a track), import a 1001tracklists page from the local copy
of the site, and generate a CUE sheet. Every request is counted per key, every acknowledged
write (2xx with an id) recorded, so the driver can check afterwards that each write is there
and each key's usage counter equals the requests made with it. The run stops at
$TRACKTION_LOAD_MAX_REQUESTS requests (or the driver's --run-time, whichever comes first).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

USERS: list[dict[str, str]] = json.loads(os.environ.get("TRACKTION_LOAD_USERS", "[]") or "[]")
RESULTS = os.environ.get("TRACKTION_LOAD_RESULTS", "")
MAX_REQUESTS = int(os.environ.get("TRACKTION_LOAD_MAX_REQUESTS", "0") or 0)
PAGE = (
    "https://www.1001tracklists.com/tracklist/2k7xq9tb/"
    "kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
)

_next_user = itertools.count()
_lock = threading.Lock()
_sent: dict[str, int] = {}  # key_id → requests sent with it
_writes: list[dict[str, str]] = []  # acknowledged writes: {"key_id", "kind", "id"}
_total = 0
_started = 0  # users started
_stopped = 0  # users stopped at the request count


def _tracks(n: int, tag: str) -> list[dict[str, Any]]:
    return [
        {"artist": f"Artist {i}", "title": f"Title {i} {tag}", "start_time": f"00:{i * 5:02d}:00"}
        for i in range(n)
    ]


class TracktionUser(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        global _started
        with _lock:
            _started += 1
        account = USERS[next(_next_user) % len(USERS)]
        self.key_id = account["key_id"]
        self.headers = {"X-API-Key": account["api_key"]}
        self.mine: list[str] = []

    # ---------------------------------------------------------------- bookkeeping
    def _call(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        global _total, _stopped
        with _lock:
            if MAX_REQUESTS and _total >= MAX_REQUESTS:
                # Each user stops before its next request, never in the middle of one (a request
                # cut off after it was sent would be counted by the server and not here); the
                # last one to stop ends the run.
                _stopped += 1
                if _stopped >= _started and self.environment.runner is not None:
                    _save()
                    self.environment.runner.quit()
                raise StopUser()
            _total += 1
            _sent[self.key_id] = _sent.get(self.key_id, 0) + 1
        return self.client.request(method, path, name=name, headers=self.headers, **kwargs)

    def _acknowledged(self, kind: str, value: str) -> None:
        with _lock:
            _writes.append({"key_id": self.key_id, "kind": kind, "id": value})

    # ---------------------------------------------------------------- what users do
    @task(6)
    def read_tracklist(self) -> None:
        if not self.mine:
            return self.write_tracklist()
        self._call("GET", f"/api/v1/tracklists/{random.choice(self.mine)}", "/api/v1/tracklists/{id}")
        return None

    @task(2)
    def list_tracklists(self) -> None:
        self._call("GET", "/api/v1/tracklists?limit=20", "/api/v1/tracklists")

    @task(2)
    def write_tracklist(self) -> None:
        tag = f"{self.key_id[-6:]}-{random.randrange(10**9)}"
        body = {"title": f"Load set {tag}", "dj_name": "Load", "tracks": _tracks(8, tag)}
        answer = self._call("POST", "/api/v1/tracklists/manual", "/api/v1/tracklists/manual", json=body)
        if answer.status_code in (200, 201):
            tracklist_id = answer.json().get("tracklist_id") or answer.json().get("id")
            self.mine.append(tracklist_id)
            self._acknowledged("tracklist", tracklist_id)

    @task(2)
    def edit_tracklist(self) -> None:
        if not self.mine:
            return
        tracklist_id = random.choice(self.mine)
        if random.random() < 0.5:
            self._call(
                "PATCH",
                f"/api/v1/tracklists/{tracklist_id}",
                "/api/v1/tracklists/{id} (PATCH)",
                json={"title": f"Renamed {random.randrange(10**6)}"},
            )
        else:
            self._call(
                "PUT",
                f"/api/v1/tracklists/{tracklist_id}/tracks/1",
                "/api/v1/tracklists/{id}/tracks/{position}",
                json={"artist": "Edited", "title": f"Edit {random.randrange(10**6)}"},
            )

    @task(1)
    def import_page(self) -> None:
        answer = self._call(
            "POST",
            "/api/v1/tracklists/import/1001tracklists",
            "/api/v1/tracklists/import/1001tracklists",
            json={"url": PAGE},
        )
        if answer.status_code in (200, 201):
            self._acknowledged("tracklist", answer.json()["tracklist_id"])

    @task(1)
    def generate_cue(self) -> None:
        if not self.mine:
            return
        answer = self._call(
            "POST",
            "/api/v1/cue/generate",
            "/api/v1/cue/generate",
            json={"tracklist_id": random.choice(self.mine), "format": "standard"},
        )
        if answer.status_code == 200 and answer.json().get("cue_file_id"):
            self._acknowledged("cue_file", answer.json()["cue_file_id"])


def _save() -> None:
    """What was sent and acknowledged, for the driver's checks (called with `_lock` held or at
    the end; written whole each time, so the last write has everything)."""
    if RESULTS:
        with open(RESULTS, "w", encoding="utf-8") as out:
            json.dump({"sent": _sent, "writes": _writes, "total": _total}, out)


# At the end of the run however it ends: the request count reached (the runner quits from a
# user's greenlet), --run-time spent, or the process quitting.
@events.test_stop.add_listener
def _on_test_stop(**_: Any) -> None:
    with _lock:
        _save()


@events.quitting.add_listener
def _on_quitting(**_: Any) -> None:
    with _lock:
        _save()
