"""A user who cannot run out, and real objects to name, on the session's local runtime.

The runtime is tests/conftest.py's `runtime` (shared with tests/integration and tests/sdk; its
Beatport and MusicBrainz are the recorded catalog server, so catalog answers have elements).

The reference's examples name placeholder ids (`123e4567-...`), placeholder 1001tracklists URLs
and placeholder users; the tests swap them for real ones created here, through the same HTTP API
a user drives: an enterprise user (registered, promoted by the runtime's admin key, so the run
cannot exhaust its limits), its API key (with a signing secret, for the HMAC client), an imported
tracklist from the local copy of 1001tracklists, CUE files, manual tracklists, batches and keys.

The published documents are read from $TRACKTION_SHARED/spec (default: ../shared/spec beside the
checkout); the tests skip with a message when that folder is absent.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from local.testing import RuntimeProcess
from tests.contract.reference import SPEC_DIR

SITE = "https://www.1001tracklists.com"
# Pages the runtime's local copy of 1001tracklists serves (tests/fixtures/1001tracklists/manifest.json).
KOLSCH = f"{SITE}/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
MOVED = f"{SITE}/tracklist/rdr0ok01/moved.html"  # a redirect to KOLSCH, as the site answers
SERVED_URLS = (KOLSCH, MOVED)
SERVED_QUERY = "Kolsch Sonar"  # a search the local site answers with results
DJ_SLUG = "kolsch"
EVENT_SLUG = "8f2k1c-sonar-festival"
PASSWORD = "conformance-pass-1"
# A short, fully timed tracklist (positions 1-3 within ten minutes).
TIMED_TRACKS = [
    {
        "position": 1,
        "artist": "Artist One",
        "title": "First",
        "start_time": "00:00:00",
        "end_time": "00:03:30",
    },
    {
        "position": 2,
        "artist": "Artist Two",
        "title": "Second",
        "start_time": "00:03:30",
        "end_time": "00:07:00",
    },
    {
        "position": 3,
        "artist": "Artist Three",
        "title": "Third",
        "start_time": "00:07:00",
        "end_time": "00:10:00",
    },
]


def require_spec() -> None:
    if not SPEC_DIR.is_dir():
        pytest.skip(
            f"the published documents are absent: {SPEC_DIR} (set TRACKTION_SHARED to the shared folder)",
            allow_module_level=True,
        )


def expect(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    """The JSON of a setup call, or a failure naming what the setup needed."""
    assert response.status_code in statuses, (
        f"setup: {response.request.method} {response.request.url.path} answered "
        f"{response.status_code}: {response.text[:600]}"
    )
    return response.json() if response.content else {}


@dataclass
class User:
    email: str
    user_id: str
    access_token: str
    refresh_token: str
    api_key: str
    key_id: str
    signing_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}


@pytest.fixture(scope="session")
def user(runtime: RuntimeProcess) -> User:
    """A registered user promoted to the enterprise tier, logged in, with a signing API key."""
    email = f"conformance-{uuid.uuid4().hex[:10]}@example.com"
    with runtime.client() as client:
        made = expect(client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 201)
        user_id = made["user_id"]
        expect(
            client.patch(
                f"/api/v1/users/{user_id}", headers=runtime.admin_headers, json={"tier": "enterprise"}
            ),
            200,
        )
        session = expect(
            client.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD}), 200
        )
        key = expect(
            client.post(
                "/api/v1/developer/keys",
                headers={"Authorization": f"Bearer {session['access_token']}"},
                json={"name": "conformance", "permissions": ["read", "write"], "signing": True},
            ),
            200,
            201,
        )
    return User(
        email=email,
        user_id=user_id,
        access_token=session["access_token"],
        refresh_token=session["refresh_token"],
        api_key=key["api_key"],
        key_id=key["key_id"],
        signing_secret=key.get("signing_secret", ""),
    )


def _id_of(body: dict[str, Any], *names: str) -> str:
    """The first of `names` found at the top of `body` or in its `tracklist`."""
    for where in (body, body.get("tracklist") or {}):
        for name in names:
            if isinstance(where, dict) and where.get(name):
                return str(where[name])
    raise AssertionError(f"setup: no {' / '.join(names)} in {str(body)[:600]}")


@dataclass
class World:
    """Real objects of the conformance user, created on first use (shared ones) or per call (fresh)."""

    runtime: RuntimeProcess
    user: User
    audio_file_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _cache: dict[str, Any] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.runtime.gateway_url, timeout=60, headers=self.user.headers)

    def _once(self, name: str, make: Any) -> Any:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    # -- imported tracklists and their CUE files ------------------------------------------------
    def imported_tracklist_id(self) -> str:
        def make() -> str:
            with self.client() as client:
                body = expect(
                    client.post("/api/v1/tracklists/import/1001tracklists", json={"url": KOLSCH}), 200, 201
                )
            return _id_of(body, "tracklist_id", "id")

        return str(self._once("imported", make))

    def fresh_cue_file_id(self, fmt: str = "standard") -> str:
        """A CUE file of its own (deleting or regenerating it leaves the shared one alone): the
        sheet of a new, fully timed manual tracklist (same tracklist and options may answer the
        same file, so the imported tracklist cannot give a second one)."""
        tracklist_id = self.manual_tracklist(TIMED_TRACKS, is_draft=False)
        return self._cue_of(tracklist_id, fmt)

    def _cue_of(self, tracklist_id: str, fmt: str) -> str:
        with self.client() as client:
            body = expect(
                client.post(
                    f"/api/v1/cue/generate/{tracklist_id}",
                    json={"format": fmt, "options": {"gap_handling": "estimate"}},
                ),
                200,
                201,
            )
        return _id_of(body, "cue_file_id")

    def cue_file_id(self) -> str:
        """The CUE file of the imported tracklist (estimated starts: the page has an ID row)."""
        return str(self._once("cue_file", lambda: self._cue_of(self.imported_tracklist_id(), "standard")))

    def job_id(self) -> str:
        def make() -> str:
            with self.client() as client:
                body = expect(
                    client.post(
                        f"/api/v1/cue/generate/{self.imported_tracklist_id()}",
                        params={"async_processing": "true"},
                        json={"format": "standard", "options": {"gap_handling": "estimate"}},
                    ),
                    200,
                    201,
                    202,
                )
            job_id = _id_of(body, "job_id")
            deadline = time.monotonic() + 30  # as a user polls: until the job is done
            with self.client() as client:
                while time.monotonic() < deadline:
                    status = client.get(f"/api/v1/cue/jobs/{job_id}/status").json()
                    if status.get("status") in ("completed", "failed"):
                        break
                    time.sleep(0.3)
            return job_id

        return str(self._once("job", make))

    def import_correlation_id(self) -> str:
        def make() -> str:
            with self.client() as client:
                body = expect(
                    client.post(
                        "/api/v1/tracklists/import/1001tracklists",
                        params={"async_processing": "true"},
                        json={"url": KOLSCH},
                    ),
                    200,
                    201,
                    202,
                )
            correlation_id = _id_of(body, "correlation_id")
            deadline = time.monotonic() + 30
            with self.client() as client:
                while time.monotonic() < deadline:
                    status = client.get(f"/api/v1/tracklists/import/status/{correlation_id}").json()
                    if status.get("status") in ("completed", "failed"):
                        break
                    time.sleep(0.3)
            return correlation_id

        return str(self._once("import_status", make))

    # -- manual tracklists ----------------------------------------------------------------------
    def manual_tracklist(self, tracks: list[dict[str, Any]], *, is_draft: bool = True) -> str:
        """A new manual tracklist of this user's audio file with these tracks."""
        with self.client() as client:
            body = expect(
                client.post(
                    "/api/v1/tracklists/manual",
                    json={"audio_file_id": self.audio_file_id, "tracks": tracks, "is_draft": is_draft},
                ),
                200,
                201,
            )
        return _id_of(body, "id", "tracklist_id")

    # -- batches and keys -----------------------------------------------------------------------
    def fresh_batch_id(self) -> str:
        with self.client() as client:
            body = expect(
                client.post("/api/v1/batch", json={"urls": [KOLSCH], "priority": "low"}), 200, 201, 202
            )
        return _id_of(body, "batch_id")

    def batch_id(self) -> str:
        return str(self._once("batch", self.fresh_batch_id))

    def fresh_key_id(self, name: str = "conformance-extra") -> str:
        with self.client() as client:
            body = expect(
                client.post("/api/v1/developer/keys", json={"name": name, "permissions": ["read"]}), 200, 201
            )
        return _id_of(body, "key_id")


@pytest.fixture(scope="session")
def world(runtime: RuntimeProcess, user: User) -> World:
    return World(runtime, user)
