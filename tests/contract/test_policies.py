"""IAM is the one thing the local runtime cannot check (moto grants everything), so the
template's policies are checked here against what every HTTP function does on each request.

Every HTTP function runs `tracktion.api.resolver.serve`, which counts the request (CountersTable)
and, for a signed request, unseals the key's signing secret with the identity secret: so every
one needs the secret's name (IDENTITY_SECRET_ID, its own or from Globals) AND the permission to
read it. A function missing either answers a signed request 503 IDENTITY_NOT_CONFIGURED (or
AccessDenied) on AWS, whatever the functional tests (which share one environment) say.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template.load(ROOT / "template.yaml")


def _http_functions() -> list[str]:
    return [
        lid
        for lid, res in TEMPLATE.of_type("AWS::Serverless::Function").items()
        if any(
            (e or {}).get("Type") == "HttpApi"
            for e in ((res.get("Properties") or {}).get("Events") or {}).values()
        )
    ]


def test_the_walk_finds_the_http_functions():
    found = set(_http_functions())

    assert {"AuthFunction", "BatchFunction", "SearchFunction", "CueFunction", "ManualFunction"} <= found
    assert "BatchWorkerFunction" not in found


@pytest.mark.parametrize("function", _http_functions())
def test_every_http_function_may_count_requests_and_verify_signatures(function):
    """serve() updates the rate-limit/usage counters and decrypts signing secrets on every call."""
    policies = TEMPLATE.resources[function]["Properties"].get("Policies") or []

    counters = any(
        isinstance(p, dict)
        and (p.get("DynamoDBCrudPolicy") or {}).get("TableName") == {"Ref": "CountersTable"}
        for p in policies
    )
    secret = {"Ref": "IdentitySecretReadPolicy"} in policies

    assert counters, f"{function} lacks DynamoDBCrudPolicy on CountersTable"
    assert secret, f"{function} lacks the IdentitySecretReadPolicy"


@pytest.mark.parametrize("function", _http_functions())
def test_every_http_function_knows_which_secret_verifies_signatures(function):
    """The setting beside the permission: the identity secret's id, as Lambda would set it."""
    props = TEMPLATE.resources[function]["Properties"]
    own = ((props.get("Environment") or {}).get("Variables")) or {}
    shared = ((TEMPLATE.globals_function.get("Environment") or {}).get("Variables")) or {}
    value = own.get("IDENTITY_SECRET_ID", shared.get("IDENTITY_SECRET_ID"))

    assert value == {"Ref": "IdentitySecret"}, (
        f"{function} lacks Environment IDENTITY_SECRET_ID: !Ref IdentitySecret; "
        "signed requests to it would answer 503 IDENTITY_NOT_CONFIGURED"
    )
