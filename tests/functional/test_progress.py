"""The WebSocket API's function: who may subscribe to a batch, and progress reaching them."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture, task  # noqa: F401
from tests.gateway import invoke

ADMIN_KEY = "tk_test_progress_admin_key_0001"


class ConnectionsApi:
    """API Gateway's @connections endpoint: records posts; answers 410 for connections gone."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.gone: set[str] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                connection_id = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if connection_id in outer.gone:
                    self.send_response(410)
                    payload = b'{"message":"GoneException"}'
                    self.send_header("x-amzn-ErrorType", "GoneException")
                else:
                    outer.posts.append((connection_id, json.loads(body)))
                    self.send_response(200)
                    payload = b"{}"
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/test"


@pytest.fixture
def connections(monkeypatch):
    import hashlib

    from tracktion.auth import authenticate

    api = ConnectionsApi()
    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", api.url)
    monkeypatch.setenv("BOOTSTRAP_ADMIN_KEY_SHA256", hashlib.sha256(ADMIN_KEY.encode()).hexdigest())
    authenticate._bootstrap_hash.cache_clear()
    yield api
    api.server.shutdown()
    authenticate._bootstrap_hash.cache_clear()


def _ws(route, connection_id, query=None, body=None):
    event = {
        "requestContext": {
            "routeKey": route,
            "eventType": {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE"),
            "connectionId": connection_id,
            "stage": "test",
            "apiId": "local",
            "domainName": "localhost",
            "requestId": "r1",
            "connectedAt": 1795334403000,
        },
        "headers": {"Host": "localhost"},
        "isBase64Encoded": False,
    }
    if query is not None:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def _admin_batch(lambda_context, site, urls):
    admin = principal_ctx("bootstrap-admin", tier="enterprise", permissions="read,write,admin")
    res = invoke("POST", "/api/v1/batch", body={"urls": urls}, principal=admin, context=lambda_context).result
    assert res["statusCode"] == 200, res["body"]
    return execution_input(json.loads(res["body"])["batch_id"])


def test_owner_connects_and_receives_a_message_per_item_then_the_final_one(
    batch_aws, site, connections, lambda_context
):
    from batch_worker.handler import lambda_handler as worker
    from progress.handler import lambda_handler as progress

    batch = _admin_batch(lambda_context, site, [site.good("p0000001"), site.missing("p0000002")])
    query = {"batch_id": batch["batch_id"], "api_key": ADMIN_KEY}

    assert progress(_ws("$connect", "conn-1", query=query), lambda_context)["statusCode"] == 200
    for index in range(2):
        worker(task("import_item", batch, index), lambda_context)
    worker(task("finalize", batch), lambda_context)

    messages = [m for c, m in connections.posts if c == "conn-1"]
    assert [m["sequence"] for m in messages] == [1, 2, 2]
    assert [m["final"] for m in messages] == [False, False, True]
    assert messages[0]["item"]["status"] == "completed"
    assert messages[1]["item"]["error_code"] == "SOURCE_PAGE_NOT_FOUND"
    assert messages[-1]["status"] == "partially_failed"
    assert messages[-1]["progress"] == 100 and isinstance(messages[-1]["progress"], int)
    assert messages[0]["progress"] == 50 and messages[0]["progress_percentage"] == 50.0
    assert messages[-1]["jobs_status"] == {
        "queued": 0,
        "processing": 0,
        "total": 2,
        "completed": 1,
        "failed": 1,
        "pending": 0,
        "cancelled": 0,
    }
    assert all(m["batch_id"] == batch["batch_id"] and m["timestamp"] for m in messages)


def test_subscribe_message_answers_a_snapshot_of_the_batch(batch_aws, site, connections, lambda_context):
    from progress.handler import lambda_handler as progress

    batch = _admin_batch(lambda_context, site, [site.good("p0000003")])
    query = {"batch_id": batch["batch_id"], "token": ADMIN_KEY}
    progress(_ws("$connect", "conn-2", query=query), lambda_context)

    answer = progress(
        _ws("$default", "conn-2", body={"action": "subscribe", "batch_id": batch["batch_id"]}), lambda_context
    )

    assert answer["statusCode"] == 200
    assert connections.posts[-1][1]["status"] == "queued"
    assert connections.posts[-1][1]["jobs_status"]["pending"] == 1


def test_connect_without_credentials_or_to_someone_elses_batch_is_refused(
    batch_aws, site, connections, lambda_context
):
    from progress.handler import lambda_handler as progress

    theirs = invoke(
        "POST",
        "/api/v1/batch",
        body={"urls": [site.good("p0000004")]},
        principal=principal_ctx("user-9"),
        context=lambda_context,
    ).result
    their_batch = json.loads(theirs["body"])["batch_id"]

    anonymous = progress(_ws("$connect", "c-a", query={"batch_id": their_batch}), lambda_context)
    wrong_key = progress(
        _ws("$connect", "c-b", query={"batch_id": their_batch, "api_key": "nope"}), lambda_context
    )
    not_owner = progress(
        _ws("$connect", "c-c", query={"batch_id": their_batch, "api_key": ADMIN_KEY}), lambda_context
    )

    assert anonymous["statusCode"] == 401
    assert wrong_key["statusCode"] == 401
    assert not_owner["statusCode"] == 404


def _live_key(monkeypatch, **overrides):
    """A well-formed key the key store finds live, with `overrides` (allow-list, signing)."""
    from tracktion.auth import key_store, keys

    live = key_store.LiveKey(
        **{
            "key_id": "key-ws",
            "user_id": "user-ws",
            "tier": "free",
            "permissions": frozenset({"read"}),
            "scopes": frozenset(),
            "ip_allowlist": (),
            "signature_required": False,
            "signing_secret": None,
            **overrides,
        }
    )
    monkeypatch.setattr(key_store, "touch", lambda secret: live)
    return keys.mint().secret


def test_connect_applies_the_keys_allow_list_with_the_http_apis_status_and_code(
    batch_aws, connections, lambda_context, monkeypatch
):
    from progress.handler import lambda_handler as progress

    key = _live_key(monkeypatch, ip_allowlist=("10.1.0.0/16",))
    event = _ws("$connect", "c-ip", query={"batch_id": "b-none", "api_key": key})
    event["requestContext"]["identity"] = {"sourceIp": "192.0.2.7"}

    answer = progress(event, lambda_context)

    assert answer["statusCode"] == 403
    assert json.loads(answer["body"])["error_code"] == "IP_BLOCKED"


def test_connect_refuses_a_key_that_requires_signing_even_with_signing_headers(
    batch_aws, connections, lambda_context, monkeypatch
):
    from progress.handler import lambda_handler as progress

    key = _live_key(monkeypatch, signature_required=True, signing_secret="v1.sealed")
    event = _ws("$connect", "c-sig", query={"batch_id": "b-none", "token": key})
    # A handshake has no body: a signature over it would be verified by nobody, so it is ignored.
    event["headers"].update({"X-Timestamp": "1795334403", "X-Signature": "sha256=" + "0" * 64})

    answer = progress(event, lambda_context)

    assert answer["statusCode"] == 401
    assert json.loads(answer["body"])["error_code"] == "SIGNATURE_REQUIRED"


def test_gone_connection_is_forgotten_at_the_first_410(batch_aws, site, connections, lambda_context):
    from batch_worker.handler import lambda_handler as worker
    from progress.handler import lambda_handler as progress
    from tracktion.batch.progress import listeners

    batch = _admin_batch(lambda_context, site, [site.good("p0000005"), site.good("p0000006")])
    query = {"batch_id": batch["batch_id"], "api_key": ADMIN_KEY}
    progress(_ws("$connect", "stays", query=query), lambda_context)
    progress(_ws("$connect", "went-away", query=query), lambda_context)
    connections.gone.add("went-away")

    worker(task("import_item", batch, 0), lambda_context)

    assert listeners(batch["batch_id"]) == ["stays"]
    worker(task("import_item", batch, 1), lambda_context)
    assert [c for c, _ in connections.posts] == ["stays", "stays"]


def test_disconnect_stops_the_messages(batch_aws, site, connections, lambda_context):
    from batch_worker.handler import lambda_handler as worker
    from progress.handler import lambda_handler as progress

    batch = _admin_batch(lambda_context, site, [site.good("p0000007")])
    progress(
        _ws("$connect", "brief", query={"batch_id": batch["batch_id"], "api_key": ADMIN_KEY}), lambda_context
    )

    assert progress(_ws("$disconnect", "brief"), lambda_context)["statusCode"] == 200
    worker(task("import_item", batch, 0), lambda_context)

    assert connections.posts == []
