"""Shared fixtures: the embedded AWS for functional tests, events, and the shared fixture data.

Functional tests run handlers with real API Gateway events against moto's in-process mock,
whose tables and buckets are created from template.yaml (local.provision), exactly as the
local runtime creates them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = Path(os.environ.get("TRACKTION_SHARED_FIXTURES", ROOT.parent / "shared" / "fixtures"))
OWN_FIXTURES = ROOT / "tests" / "fixtures"

# Never talk to real AWS from tests, whatever the developer's shell holds.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Tracktion",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


def _required_settings() -> None:
    """The settings functions cannot start without (table names ...), as template.yaml sets them
    for stage "test", so any test may import any handler (each validates its settings at import,
    tracktion.config.load). Only what is unset; the `aws` fixture sets every function's again."""
    from local.template import Template
    from tracktion.config import GROUPS, required

    template = Template.load(ROOT / "template.yaml", {"Stage": "test"})
    env: dict[str, str] = {}
    for fn in template.of_type("AWS::Serverless::Function"):
        env.update(template.function_environment(fn))
    for name in {n for group in GROUPS for n in required(group)}:
        if name in env:
            os.environ.setdefault(name, env[name])


_required_settings()


def shared_fixture(*parts: str) -> Path:
    """A file of ../shared/fixtures; real-data tests skip (with a message) when it is absent."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture {path} is absent (set TRACKTION_SHARED_FIXTURES)")
    return path


@dataclass
class _MotoWorld:
    """moto's in-process AWS as the template provisions it, kept for the whole session (or worker).

    Creating the template's tables and bucket took most of a functional test's set-up, so they
    are created once; before each test every service is put back to that state: each moto
    backend but DynamoDB's and S3's is reset (as moto itself resets on `mock_aws` exit), and the
    tables and bucket are replaced by copies of the ones just created (no item, object or
    setting of an earlier test survives). The mock is active only while a test that asks for
    `aws` runs, exactly as with one `mock_aws()` per test.
    """

    mock: Any
    names: dict[str, str]
    tables: dict[str, Any] = field(default_factory=dict)
    buckets: dict[str, Any] = field(default_factory=dict)
    client_env: tuple[tuple[str, str], ...] = ()

    def restore(self) -> None:
        import copy

        from moto.core.base_backend import BackendDict
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends

        for backends in list(BackendDict._instances):
            for account in backends.values():
                account.reset()
            if backends is dynamodb_backends or backends is s3_backends:
                continue
            backends.clear()
            BackendDict._instances.remove(backends)
        ddb = dynamodb_backends[ACCOUNT]["us-east-1"]
        ddb.tables.update({name: copy.deepcopy(table) for name, table in self.tables.items()})
        s3 = s3_backends[ACCOUNT]["aws"]
        s3.buckets.update({name: copy.deepcopy(bucket) for name, bucket in self.buckets.items()})


ACCOUNT = "123456789012"  # moto's default account, as the template's ARNs name it


@pytest.fixture(scope="session")
def _moto_world() -> Iterator[_MotoWorld]:
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    from local.provision import create_buckets, create_tables
    from tests.contract.template_functions import load_template
    from tracktion.storage import aws as aws_clients

    template = load_template()
    # A boto3 session made before moto was imported (a runtime test's boto3.client, say) lacks
    # the handler moto adds to botocore's built-in ones, so its clients would call real AWS:
    # start from a new default session and new tracktion clients, both made with it.
    boto3.DEFAULT_SESSION = None
    aws_clients.reset()
    # From here boto3's default session survives between tests (its service models load once);
    # the credentials it resolves are the fake ones above either way.
    mock = mock_aws(config={"core": {"reset_boto3_session": False}})
    mock.start()
    try:
        names = {
            **create_tables(template, boto3.client("dynamodb", region_name="us-east-1")),
            **create_buckets(template, boto3.client("s3", region_name="us-east-1")),
        }
        # Each table/bucket is handed over under the env name the template gives it.
        for fn in template.of_type("AWS::Serverless::Function"):
            names.update(template.function_environment(fn))
        world = _MotoWorld(mock, names)
        world.tables = dict(dynamodb_backends[ACCOUNT]["us-east-1"].tables)
        world.buckets = dict(s3_backends[ACCOUNT]["aws"].buckets)
        world.restore()  # the pristine copies, not the originals, are what tests change
    finally:
        mock.stop(remove_data=False)
    yield world
    aws_clients.reset()
    mock.start(reset=True)
    mock.stop()  # removes every backend's data


@pytest.fixture
def aws(_moto_world: _MotoWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's in-process AWS with the template's tables and bucket; env set as Lambda would."""
    from tracktion.config import settings
    from tracktion.storage import aws as aws_clients

    _moto_world.mock.start(reset=False)
    try:
        _moto_world.restore()
        for key, value in _moto_world.names.items():
            monkeypatch.setenv(key, value)
        # tracktion's cached clients (each costs a boto3 session's model loading) are kept
        # from one test to the next while they would be built the same; any change of the
        # AWS_* settings they read builds new ones.
        aws_env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        if aws_env != _moto_world.client_env:
            aws_clients.reset()
            _moto_world.client_env = aws_env
        settings.cache_clear()
        yield dict(_moto_world.names)
    finally:
        settings.cache_clear()
        _moto_world.mock.stop(remove_data=False)


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    principal: dict[str, str] | None = None,
    route_key: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event, as the gateway (or local runtime) builds it."""
    from urllib.parse import urlencode

    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    hdrs = {"content-type": "application/json", **{k.lower(): v for k, v in (headers or {}).items()}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": hdrs,
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": "req-" + os.urandom(6).hex(),
            "routeKey": route_key or f"{method} {path}",
            "stage": "$default",
            "time": "22/Nov/2026:08:00:00 +0000",
            "timeEpoch": 1795334400000,
        },
        "body": raw_body,
        "isBase64Encoded": False,
    }
    if principal is not None:
        event["requestContext"]["authorizer"] = {"lambda": principal}
    return event


def principal_ctx(
    user_id: str = "user-1", tier: str = "free", permissions: str = "read,write"
) -> dict[str, str]:
    return {
        "user_id": user_id,
        "tier": tier,
        "key_id": f"key-{user_id}",
        "scopes": "",
        "permissions": permissions,
        "auth_method": "api_key",
    }


class FakeContext:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req-test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


# ---------------------------------------------------------------------------------------------
# The local runtime on the real template.yaml: ONE per test session (or per xdist worker),
# shared by tests/integration, tests/sdk and tests/conformance. Tests that need other runtime
# options (the batch flow's planted source and fault injection, the fuzz harness's closed
# network, tests/runtime's own small template) start their own.

CATALOG_CREDENTIALS_PARAM = "/tracktion/tests/beatport-client"
# Source and catalog budgets lifted (no test waits on politeness); Beatport and MusicBrainz
# answered by the recorded catalog server (`catalog`), so catalog answers have elements.
RUNTIME_ENV = {
    "SOURCE_MIN_INTERVAL_SECONDS": "0",
    "BEATPORT_CREDENTIALS_PARAM": CATALOG_CREDENTIALS_PARAM,
    "MUSICBRAINZ_MIN_INTERVAL_SECONDS": "0",
    "CATALOG_MAX_BACKOFF_SECONDS": "0",
    # The local site answers in milliseconds; a fault test's hung page costs 5 s, not 15.
    "SOURCE_READ_TIMEOUT_SECONDS": "5",
    # A batch quiet for 3 s has its execution checked when read (closed if it ended).
    "BATCH_STALE_SECONDS": "3",
}


@pytest.fixture(scope="session")
def catalog() -> Iterator[Any]:
    """Beatport and MusicBrainz answering recorded responses (tests/catalog_server)."""
    from tests.catalog_server import CatalogServer

    with CatalogServer() as server:
        yield server


@pytest.fixture(scope="session")
def runtime(catalog: Any) -> Iterator[Any]:
    """`local.testing.RuntimeProcess` on template.yaml: `.gateway_url`, `.aws_url`, `.ws_url`,
    `.source_url`, `.admin_key`, `.admin_headers`, `.client()`, `.aws_client(service)`, `.logs()`.
    The Beatport client credentials are in its SSM, as an operator stores them."""
    from local.testing import start_runtime
    from tests.catalog_server import CLIENT_ID, CLIENT_SECRET

    env = {
        **RUNTIME_ENV,
        "BEATPORT_BASE_URL": catalog.beatport_url,
        "MUSICBRAINZ_BASE_URL": catalog.musicbrainz_url,
    }
    args = [arg for name, value in env.items() for arg in ("--env", f"{name}={value}")]
    process = start_runtime(ROOT / "template.yaml", args, timeout=120)
    try:
        process.aws_client("ssm").put_parameter(
            Name=CATALOG_CREDENTIALS_PARAM,
            Type="SecureString",
            Value=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
            Overwrite=True,
        )
        yield process
    finally:
        process.stop()


TESTS = ROOT / "tests"
# Tests of these folders drive local runtimes; under pytest-xdist (`--dist loadgroup`) each
# group runs on one worker, so a runtime is started once, by the worker that runs its tests.
_RUNTIME_FOLDERS = ("integration", "sdk", "conformance", "runtime")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """xdist groups: every test on the session's `runtime` (tests/integration, tests/sdk,
    tests/conformance) in one group; tests/runtime (its own runtimes on its own template) in
    another; any other module of those folders (a runtime of its own, module-scoped) as a group
    of its own. Other tests are spread over the workers one by one."""
    for item in items:
        parts = Path(item.path).resolve().relative_to(TESTS).parts
        if len(parts) < 2 or parts[0] not in _RUNTIME_FOLDERS:
            continue
        if parts[0] == "runtime":
            group = "tests-runtime"
        elif "runtime" in getattr(item, "fixturenames", ()):
            group = "shared-runtime"
        else:
            group = "/".join(parts)
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Figures a test recorded (`record_property("figures", ...)`), printed after every run.

    A property travels with the test's report, so this works under xdist, whose workers'
    output is otherwise not shown: `make test` prints e.g. the schemathesis run's counts.
    """
    lines = [
        str(value)
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "figures" and getattr(report, "when", "call") == "call"
    ]
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
