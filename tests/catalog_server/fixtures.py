"""pytest fixtures: a running catalog server, and the environment that points providers at it.

Import them into a test module (`pytest_plugins = ["tests.catalog_server.fixtures"]`):
`catalog_server`, `catalog_env` (partner client credentials), `account_env` (a Beatport
account). `catalog_env` needs the `aws` fixture: the Beatport credentials live in SSM and the
token, sealed, in the cache table, as deployed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.catalog_server import ACCOUNT_PASSWORD, ACCOUNT_USERNAME, CLIENT_ID, CLIENT_SECRET, CatalogServer

CREDENTIALS_PARAM = "/tracktion/test/beatport-client"


@pytest.fixture
def catalog_server() -> Iterator[CatalogServer]:
    with CatalogServer() as server:
        yield server


@pytest.fixture
def catalog_env(aws, catalog_server: CatalogServer, monkeypatch: pytest.MonkeyPatch) -> CatalogServer:
    import boto3

    from tracktion.auth import secrets
    from tracktion.catalog import beatport_auth

    # The identity secret seals the shared Beatport token, as the runtime provisions it.
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=os.environ["IDENTITY_SECRET_ID"], SecretString=os.urandom(32).hex()
    )
    secrets.forget()
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=CREDENTIALS_PARAM,
        Type="SecureString",
        Value=json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
    )
    monkeypatch.setenv("BEATPORT_BASE_URL", catalog_server.beatport_url)
    monkeypatch.setenv("MUSICBRAINZ_BASE_URL", catalog_server.musicbrainz_url)
    monkeypatch.setenv("BEATPORT_CREDENTIALS_PARAM", CREDENTIALS_PARAM)
    monkeypatch.setenv("MUSICBRAINZ_USER_AGENT", "Tracktion-tests/0.1 ( tests@tracktion.invalid )")
    monkeypatch.setenv("MUSICBRAINZ_MIN_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("BEATPORT_MIN_INTERVAL_SECONDS", "0")  # the shared budget's own tests set theirs
    monkeypatch.setenv("CATALOG_MAX_BACKOFF_SECONDS", "0")
    monkeypatch.setenv("CATALOG_PROVIDERS", "own,beatport,musicbrainz")
    beatport_auth.forget_credentials()
    yield catalog_server
    beatport_auth.forget_credentials()
    secrets.forget()


@pytest.fixture
def account_env(catalog_env: CatalogServer, monkeypatch: pytest.MonkeyPatch) -> CatalogServer:
    """`catalog_env` signing in with the stand-in's Beatport account (BEATPORT_AUTH_MODE=account):
    the docs page's client id, login, authorization code, token exchange."""
    import boto3

    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=CREDENTIALS_PARAM,
        Type="SecureString",
        Value=json.dumps({"username": ACCOUNT_USERNAME, "password": ACCOUNT_PASSWORD}),
        Overwrite=True,
    )
    monkeypatch.setenv("BEATPORT_AUTH_MODE", "account")
    return catalog_env
