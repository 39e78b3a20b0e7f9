"""IAM is the one thing the local runtime cannot check (moto grants everything), so the
template's policies are checked here against what every HTTP function does on each request."""

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
            e.get("Type") == "HttpApi" for e in ((res.get("Properties") or {}).get("Events") or {}).values()
        )
    ]


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
