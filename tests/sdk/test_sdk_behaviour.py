"""What the SDK does for its callers, against the local runtime (no stand-in server): retries
after the server's Retry-After, JWT refresh, HMAC signing, verified downloads, batch waits."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from local.testing import RuntimeProcess
from tests.sdk.plan import EMPTY_SET, KOLSCH
from tracktion.auth.secrets import hkdf
from tracktion_sdk import (
    AsyncTracktion,
    ChecksumMismatch,
    ConnectionFailed,
    InvalidSignature,
    RateLimited,
    RetryPolicy,
    ServerError,
    Tokens,
    Tracktion,
    Unauthorized,
    signature,
)

pytestmark = pytest.mark.integration
PASSWORD = "sdk-behaviour-password-1"


class Counting(httpx.HTTPTransport):
    """A real HTTP transport that also notes each request's method, path and answer status."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, int]] = []
        self.connects = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.connects += 1
        response = super().handle_request(request)
        self.seen.append((request.method, request.url.path, response.status_code))
        return response


def _account(runtime: RuntimeProcess) -> tuple[str, Tracktion]:
    email = f"sdk-{uuid.uuid4().hex[:10]}@example.com"
    client = Tracktion(runtime.gateway_url)
    client.auth.register(email=email, password=PASSWORD)
    client.login(email, PASSWORD)
    return email, client


def _counters_table(runtime: RuntimeProcess) -> str:
    names = runtime.aws_client("dynamodb").list_tables()["TableNames"]
    return next(t for t in names if "ounters" in t)


def test_a_429_is_retried_after_the_servers_retry_after_and_not_past_the_bound(
    runtime: RuntimeProcess,
) -> None:
    email, first = _account(runtime)
    first.close()
    now = int(time.time())
    # Five failed logins, the last 25 s ago: the account cools down for 5 s more (Retry-After: 5).
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    runtime.aws_client("dynamodb").put_item(
        TableName=_counters_table(runtime),
        Item={
            "pk": {"S": f"LOGIN#acct#{account}"},
            "sk": {"S": "FAILURES"},
            "failures": {"N": "5"},
            "last_failure": {"N": str(now - 25)},
            "expires_at": {"N": str(now + 900)},
        },
    )
    impatient_wire = Counting()
    with (
        Tracktion(runtime.gateway_url, max_retry_wait=0.5, transport=impatient_wire) as impatient,
        pytest.raises(RateLimited) as refused,
    ):
        impatient.login(email, PASSWORD)
    patient_wire = Counting()
    with Tracktion(runtime.gateway_url, transport=patient_wire) as patient:
        session = patient.login(email, PASSWORD)
        profile = patient.auth.profile()

    assert refused.value.error_code == "TOO_MANY_LOGIN_ATTEMPTS" and 1 <= refused.value.retry_after <= 5
    assert [s for _, _, s in impatient_wire.seen] == [429]  # asked to wait longer than allowed: no retry
    logins = [s for m, p, s in patient_wire.seen if p.endswith("/auth/token")]
    # refused while cooling down, then let in once the server's Retry-After has passed (a second
    # refusal when the wait ended a clock tick early)
    assert logins[-1] == 200 and set(logins[:-1]) == {429} and 2 <= len(logins) <= 3
    assert session.access_token and profile.email == email


def _expired_copy(runtime: RuntimeProcess, token: str) -> str:
    """The same claims, expired an hour ago, signed with the runtime's own identity secret."""
    sm = runtime.aws_client("secretsmanager")
    secret_id = next(s["Name"] for s in sm.list_secrets()["SecretList"] if "dentity" in s["Name"])
    secret = sm.get_secret_value(SecretId=secret_id)
    header = jwt.get_unverified_header(token)
    assert header["kid"] == secret["VersionId"]
    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(time.time())
    claims.update(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    key = hkdf(secret["SecretString"].encode(), b"tracktion/jwt")
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": header["kid"]})


def test_an_expired_access_token_is_refreshed_transparently(runtime: RuntimeProcess) -> None:
    email, session = _account(runtime)
    assert session.tokens is not None and session.tokens.refresh_token
    expired = _expired_copy(runtime, session.tokens.access_token)
    told: list[Tokens | None] = []
    wire = Counting()
    with Tracktion(
        runtime.gateway_url,
        access_token=expired,
        refresh_token=session.tokens.refresh_token,
        token_expires_at=time.time() + 3600,  # the client believes it valid: the server says 401
        on_tokens=told.append,
        transport=wire,
    ) as client:
        profile = client.auth.profile()
        again = client.auth.profile()

    assert profile.email == email and again.email == email
    assert [(p.rsplit("/", 1)[-1], s) for _, p, s in wire.seen] == [
        ("profile", 401),
        ("refresh", 200),
        ("profile", 200),
        ("profile", 200),
    ]
    assert len(told) == 1 and told[0] is not None and told[0].access_token != expired


def test_a_token_about_to_expire_is_refreshed_before_the_call(runtime: RuntimeProcess) -> None:
    _, session = _account(runtime)
    assert session.tokens is not None
    wire = Counting()
    with Tracktion(
        runtime.gateway_url,
        access_token=session.tokens.access_token,
        refresh_token=session.tokens.refresh_token,
        token_expires_at=time.time() + 20,  # inside the refresh margin
        transport=wire,
    ) as client:
        client.auth.profile()
        assert client.tokens is not None and client.tokens.expires_at is not None
        assert client.tokens.expires_at > time.time() + 600
    assert [p.rsplit("/", 1)[-1] for _, p, _ in wire.seen] == ["refresh", "profile"]
    assert all(s == 200 for _, _, s in wire.seen)


def test_logout_ends_the_session_on_the_server(runtime: RuntimeProcess) -> None:
    _, client = _account(runtime)
    assert client.tokens is not None
    refresh = client.tokens.refresh_token
    with client:
        client.logout()
        assert client.tokens is None
        with pytest.raises(Exception) as refused:
            client.auth.refresh(refresh_token=refresh)
    assert getattr(refused.value, "status", None) == 401


def test_a_signed_request_is_accepted_and_a_tampered_one_refused(runtime: RuntimeProcess) -> None:
    _, session = _account(runtime)
    with session:
        key = session.keys.create(name="signed", permissions=["read", "write"], signature_required=True)
    with Tracktion(runtime.gateway_url, api_key=key.api_key, signing_secret=key.signing_secret) as signed:
        signed.keys.create(name="made by a signed POST")
        names = [k.name for k in signed.keys.list.iter(limit=10)]  # signed GETs with a query
    with (
        Tracktion(runtime.gateway_url, api_key=key.api_key, signing_secret="not-the-secret") as wrong,
        pytest.raises(InvalidSignature) as refused_wrong,
    ):
        wrong.keys.list()

    # A request signed as the SDK signs it, then its body changed on the way.
    stamp = str(int(time.time()))
    body = json.dumps({"name": "what was signed"}).encode()
    sig = signature(key.signing_secret, stamp, "POST", "/api/v1/developer/keys", body)
    headers = {"X-API-Key": key.api_key, "X-Timestamp": stamp, "X-Signature": sig}
    with runtime.client() as raw:
        tampered = raw.post(
            "/api/v1/developer/keys",
            content=json.dumps({"name": "what was sent"}).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )

    assert "made by a signed POST" in names
    assert refused_wrong.value.status == 401 and refused_wrong.value.error_code == "INVALID_SIGNATURE"
    assert tampered.status_code == 401 and tampered.json()["error_code"] == "INVALID_SIGNATURE"


def test_a_download_is_verified_against_the_recorded_checksum(
    runtime: RuntimeProcess, tmp_path: Path
) -> None:
    with Tracktion(runtime.gateway_url, api_key=runtime.admin_key) as client:
        imported = client.imports.url(url=KOLSCH)
        made = client.cue.generate_stored(
            imported.tracklist_id, format="traktor", options={"gap_handling": "estimate"}
        )
        info = made.cue_files[0]
        progress: list[tuple[int, int | None]] = []
        saved = client.cue.download(
            info.cue_file_id,
            path=tmp_path,
            progress=lambda d, t: progress.append((d, t)),
            sha256=info.checksum,
        )
        # The sheet is rendered again differently (a new version): the checksum the caller kept
        # from the first one does not verify it.
        current = client.cue.files.regenerate(info.cue_file_id, gap_handling="skip").cue_file_id
        with pytest.raises(ChecksumMismatch) as mismatch:
            client.cue.download(current, path=tmp_path / "stale.cue", sha256=info.checksum)
        # The stored object changed behind the API's back: the API refuses to serve it.
        bucket, _, key = info.file_path.removeprefix("s3://").partition("/")
        runtime.aws_client("s3").put_object(Bucket=bucket, Key=key, Body=b"REM tampered\n")
        with pytest.raises(ServerError) as refused:
            client.cue.download(info.cue_file_id, path=tmp_path / "tampered.cue")

    data = saved.path.read_bytes()
    assert saved.path.parent == tmp_path and saved.path.suffix == ".cue"
    assert "sha256:" + hashlib.sha256(data).hexdigest() == info.checksum == "sha256:" + saved.sha256
    assert progress[-1][0] == saved.size == len(data) > 0
    assert mismatch.value.details["expected"] == info.checksum.removeprefix("sha256:")
    assert refused.value.error_code == "STORAGE_ERROR"
    assert sorted(p.name for p in tmp_path.iterdir()) == [saved.path.name]  # nothing half-written


def test_wait_returns_on_every_terminal_status(runtime: RuntimeProcess) -> None:
    missing = [
        f"https://www.1001tracklists.com/tracklist/zz{i:05d}/nobody-{i}-2025-01-01.html" for i in range(40)
    ]
    wire = Counting()
    with Tracktion(runtime.gateway_url, api_key=runtime.admin_key, transport=wire) as client:
        batches = {
            "completed": client.batches.create(urls=[KOLSCH]),
            "partially_failed": client.batches.create(urls=[KOLSCH, EMPTY_SET]),
            "failed": client.batches.create(urls=[EMPTY_SET]),
            "cancelled": client.batches.create(urls=missing, priority="low"),
        }
        client.batches.cancel(batches["cancelled"].batch_id)
        wire.seen.clear()
        cancelled = client.batches.wait(batches["cancelled"].batch_id, timeout=60)
        polls_for_cancelled = len(wire.seen)
        ended = {kind: client.batches.wait(made.batch_id, timeout=120) for kind, made in batches.items()}

    assert {kind: status.status for kind, status in ended.items()} == {k: k for k in batches}
    assert cancelled.status == "cancelled" and polls_for_cancelled == 1  # terminal: no second poll
    assert all(status.final for status in ended.values())


def test_watch_follows_the_websocket_and_falls_back_to_polling(runtime: RuntimeProcess) -> None:
    with Tracktion(runtime.gateway_url, api_key=runtime.admin_key, ws_url=runtime.ws_url) as client:
        batch = client.batches.create(urls=[KOLSCH, EMPTY_SET])
        pushed = list(client.batches.watch(batch.batch_id, timeout=120))
        polled = list(client.batches.watch(batch.batch_id, timeout=60, ws_url="ws://127.0.0.1:9/closed"))

    assert pushed and all(m.get("type") == "batch.progress" for m in pushed)  # the WebSocket's messages
    assert pushed[-1]["status"] == "partially_failed" and pushed[-1]["final"] is True
    assert polled and "type" not in polled[-1] and polled[-1]["status"] == "partially_failed"
    assert {"progress", "jobs_status", "status"} <= set(polled[-1])


def test_a_creating_post_carries_an_idempotency_key_and_a_replay_is_the_same_batch(
    runtime: RuntimeProcess,
) -> None:
    with Tracktion(runtime.gateway_url, api_key=runtime.admin_key) as client:
        first = client.batches.create(urls=[KOLSCH], idempotency_key="sdk-replay-1")
        sent = client.last_response.request.headers.get("Idempotency-Key") if client.last_response else None
        again = client.batches.create(urls=[KOLSCH], idempotency_key="sdk-replay-1")
        replayed = client.last_response.headers.get("Idempotent-Replayed") if client.last_response else None
        other = client.batches.create(urls=[KOLSCH])
        automatic = (
            client.last_response.request.headers.get("Idempotency-Key") if client.last_response else None
        )

    assert sent == "sdk-replay-1" and replayed == "true" and first.batch_id == again.batch_id
    assert automatic and uuid.UUID(automatic) and other.batch_id != first.batch_id


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_failures_are_retried_only_where_that_is_safe(unused_port: int) -> None:
    def attempts(call: Any) -> int:
        wire = Counting()
        policy = RetryPolicy(max_retries=2, base_delay=0.01, max_total_wait=5)
        url = f"http://127.0.0.1:{unused_port}"
        with (
            Tracktion(url, api_key="k", retry=policy, transport=wire) as c,
            pytest.raises(ConnectionFailed),
        ):
            call(c)
        return wire.connects

    assert attempts(lambda c: c.tracklists.list()) == 3  # GET: retried
    assert attempts(lambda c: c.batches.create(urls=[KOLSCH])) == 3  # carries an Idempotency-Key
    assert attempts(lambda c: c.batches.cancel("b")) == 1  # a POST without one: never resent


def test_concurrent_calls_on_an_expired_token_refresh_it_once(runtime: RuntimeProcess) -> None:
    """A refresh token works once (reusing one ends the session as a theft), so five calls that
    all meet the expired token must share one refresh."""
    email, session = _account(runtime)
    assert session.tokens is not None
    expired = _expired_copy(runtime, session.tokens.access_token)
    told: list[Tokens | None] = []

    async def five_calls() -> list[Any]:
        async with AsyncTracktion(
            runtime.gateway_url,
            access_token=expired,
            refresh_token=session.tokens.refresh_token if session.tokens else None,
            token_expires_at=time.time() + 3600,
            on_tokens=told.append,
        ) as client:
            return await asyncio.gather(*(client.auth.profile() for _ in range(5)))

    profiles = asyncio.run(five_calls())
    assert [p.email for p in profiles] == [email] * 5
    assert len(told) == 1


def test_credentials_and_url_come_from_the_environment(
    runtime: RuntimeProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKTION_URL", runtime.gateway_url)
    monkeypatch.setenv("TRACKTION_API_KEY", runtime.admin_key)
    with Tracktion() as client:
        profile = client.auth.profile()
        page = client.tracklists.list(limit=1)
    with Tracktion(api_key="tk_live_given-wins") as given, pytest.raises(Unauthorized) as refused:
        given.auth.profile()

    assert profile.user_id and page.pagination is not None
    assert refused.value.error_code == "INVALID_API_KEY"
