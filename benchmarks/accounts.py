"""A user made the way a user makes one, for the benchmarks that drive the local runtime over
HTTP: register, log in, create a read/write API key."""

from __future__ import annotations

import time
from typing import Any

import httpx


def new_user_key(api: httpx.Client, name: str, key_name: str) -> dict[str, Any]:
    """A new user (`name`) and their developer key: the create answer (`key_id`, `api_key`, ...)."""
    email, password = f"{name.lower().replace(' ', '-')}-{time.time_ns()}@example.com", "bench-Passw0rd-long"
    api.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": name}
    ).raise_for_status()
    login = api.post("/api/v1/auth/token", json={"username": email, "password": password})
    login.raise_for_status()
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    made = api.post(
        "/api/v1/developer/keys", headers=bearer, json={"name": key_name, "permissions": ["read", "write"]}
    )
    made.raise_for_status()
    return dict(made.json())
