"""Settings read from the environment once per cold start.

template.yaml sets these per function; the local runtime sets the same names, so the code
cannot tell where it runs. Only names a function needs are required by that function.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field

from tracktion.models import Model


class Settings(Model):
    stage: str = "local"
    service: str = "tracklist_service"
    version: str = "0.1.0"
    region: str = "us-east-1"
    tracklists_table: str = "tracktion-tracklists"
    cue_table: str = "tracktion-cue"
    identity_table: str = "tracktion-identity"
    counters_table: str = "tracktion-counters"
    cache_table: str = "tracktion-cache"
    batches_table: str = "tracktion-batches"
    idempotency_table: str = "tracktion-idempotency"
    cue_bucket: str = "tracktion-cue"
    extra: dict[str, str] = Field(default_factory=dict)


_ENV = {
    "stage": "STAGE",
    "service": "POWERTOOLS_SERVICE_NAME",
    "version": "SERVICE_VERSION",
    "region": "AWS_REGION",
    "tracklists_table": "TRACKLISTS_TABLE",
    "cue_table": "CUE_TABLE",
    "identity_table": "IDENTITY_TABLE",
    "counters_table": "COUNTERS_TABLE",
    "cache_table": "CACHE_TABLE",
    "batches_table": "BATCHES_TABLE",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "cue_bucket": "CUE_BUCKET",
}


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings; tests that change the environment call `settings.cache_clear()`."""
    values = {field: os.environ[env] for field, env in _ENV.items() if os.environ.get(env)}
    return Settings.model_validate(values)


def env(name: str, default: str = "") -> str:
    """A setting owned by one module (e.g. SOURCE_BASE_URL), read where it is used."""
    return os.environ.get(name, default)
