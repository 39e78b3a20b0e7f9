"""Lazily created, process-wide boto3 clients and tables.

boto3 honours AWS_ENDPOINT_URL, so the same code talks to AWS or the local runtime.
Creating clients costs tens of milliseconds, so it happens on first use, not at import.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _config() -> Any:
    # botocore is imported here, not at module level: it is most of a cold start, and a
    # function that never calls AWS (health) must not pay for it.
    from botocore.config import Config

    return Config(
        connect_timeout=3,
        read_timeout=10,
        retries={"max_attempts": 4, "mode": "standard"},
        tcp_keepalive=True,
    )


@cache
def client(service: str) -> Any:
    import boto3

    return boto3.session.Session().client(service, config=_config())


@cache
def resource(service: str) -> Any:
    import boto3

    return boto3.session.Session().resource(service, config=_config())


def table(name: str) -> Any:
    """A DynamoDB Table resource by its physical name."""
    return resource("dynamodb").Table(name)


def reset() -> None:
    """Forget cached clients (tests switch endpoints between moto instances)."""
    client.cache_clear()
    resource.cache_clear()
