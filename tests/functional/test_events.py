"""Every events/<FunctionLogicalId>/*.json runs against its function as `sam local invoke -e` would.

The function gets only its own environment from template.yaml (Globals + its Variables) and
a Lambda context named for it, on moto with the template's tables and bucket. HTTP events
must not answer 5xx; any other event must not raise. `events/_samples/` holds reference
shapes for functions not written yet and is skipped.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.contract.template_functions import FunctionSpec, functions, load_template

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
# The bootstrap admin key an operator stores (as its SHA-256) before deploying; see docs/operations.md.
EVENTS_ADMIN_KEY = "tk_test_events_bootstrap_admin_key"


def event_files() -> list[Path]:
    return sorted(p for p in EVENTS.glob("*/*.json") if not p.parent.name.startswith("_"))


class InvokeContext:
    """The context object `sam local invoke` hands a handler."""

    def __init__(self, function_name: str, memory_mb: int, timeout_s: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/11/22/[$LATEST]events"
        self._timeout_ms = timeout_s * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


def test_every_event_directory_names_a_template_function() -> None:
    declared = set(functions())
    dirs = {p.name for p in EVENTS.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert not dirs - declared, (
        f"events/ folders for functions template.yaml does not have: {sorted(dirs - declared)}"
    )


@pytest.mark.parametrize("spec", list(functions().values()), ids=lambda s: s.logical_id)
def test_every_route_and_trigger_has_a_sample_event(spec: FunctionSpec) -> None:
    samples = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((EVENTS / spec.logical_id).glob("*.json"))
    ]
    assert samples, f"events/{spec.logical_id}/ has no sample event (one per route or trigger)"
    covered = {e.get("routeKey") or (e.get("requestContext") or {}).get("routeKey") for e in samples}
    missing = [f"{r.method} {r.path}" for r in spec.routes if f"{r.method} {r.path}" not in covered]
    assert not missing, (
        f"routes of {spec.logical_id} without a sample in events/{spec.logical_id}/: {missing}"
    )


@pytest.mark.parametrize("path", event_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_event_runs_against_its_function(path: Path, aws, monkeypatch) -> None:
    spec: FunctionSpec | None = functions().get(path.parent.name)
    assert spec is not None, f"{path.parent.name} is not a function in template.yaml"
    template = load_template()
    operator_setup(template)
    own_env = template.function_environment(spec.logical_id)
    for name in set(aws) - set(own_env):
        if name in os.environ and name.isupper():
            monkeypatch.delenv(name)
    name = template.physical_name(spec.logical_id)
    memory = int(template.function_property(spec.logical_id, "MemorySize", 128))
    timeout = int(template.function_property(spec.logical_id, "Timeout", 3))
    lambda_env = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
    }
    for key, value in {**own_env, **lambda_env}.items():
        monkeypatch.setenv(key, value)
    from tracktion.config import settings

    settings.cache_clear()
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    handler = getattr(importlib.import_module(spec.module), spec.handler.rsplit(".", 1)[1])

    result = handler(event, InvokeContext(name, memory, timeout))

    json.dumps(result)  # Lambda serialises the answer; it must be JSON
    if isinstance(result, dict) and "statusCode" in result:
        assert int(result["statusCode"]) < 500, (
            f"{path.name} answered {result['statusCode']}: {result.get('body')}"
        )
    if event.get("type") == "REQUEST":
        assert isinstance(result.get("isAuthorized"), bool), (
            "an authorizer answers isAuthorized (simple responses)"
        )


def operator_setup(template) -> None:
    """What must exist before the stack serves anything: the bootstrap admin key's hash in SSM."""
    from tracktion.storage.aws import client

    param = template.parameters.get("BootstrapAdminKeyParam")
    if param:
        digest = hashlib.sha256(EVENTS_ADMIN_KEY.encode()).hexdigest()
        client("ssm").put_parameter(Name=param, Value=digest, Type="SecureString", Overwrite=True)
