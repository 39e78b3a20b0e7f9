"""API keys through the gateway path: create, use, list, rotate with overlap, revoke, usage."""

from __future__ import annotations

import pytest

from tests.unit.auth.fixtures import BOOTSTRAP_KEY, create_key, gateway, identity  # noqa: F401

pytestmark = pytest.mark.usefixtures("identity")


def test_created_key_is_shown_once_and_then_authenticates():
    created = create_key(name="ci", permissions={"read": True, "write": True})

    assert created["api_key"].startswith("tk_live_")
    assert created["key_prefix"] == created["api_key"][:12]
    assert created["permissions"] == {"read": True, "write": True, "admin": False}
    me = gateway("GET", f"/api/v1/developer/keys/{created['key_id']}", key=BOOTSTRAP_KEY)
    assert "api_key" not in me.body and "signing_secret" not in me.body
    listed = gateway("GET", "/api/v1/developer/keys", key=created["api_key"])
    assert listed.status == 200
    # the key belongs to bootstrap-admin, so it sees its own key listed with prefix only
    assert [k["key_prefix"] for k in listed.body["keys"]] == [created["key_prefix"]]
    assert created["api_key"] not in str(listed.body)
