"""Settings: every environment variable the code reads, each with one default and a description,
validated when a function starts.

Settings come in groups (one pydantic model each, fields aliased to their environment names).
A function's handler module declares the groups it needs at import time:

    SETTINGS = load(CoreSettings, SourceSettings)

`load` validates them at once, so a missing or malformed setting fails the cold start with a
message naming the variable (not the first request). Code reads a group where it is used with
`get(SourceSettings).min_interval_seconds`; `settings()` is the core group (table names...).

Reads are cheap and always current: a group is validated once per distinct set of values of its
variables (so tests that change the environment need not clear anything, though
`settings.cache_clear()` still forgets every validated group). An empty variable counts as unset
(template.yaml sets some to "" on purpose). template.yaml sets them per function; the local
runtime and tests/conftest.py set the same names from it, so the code cannot tell where it runs.
tests/contract/test_settings.py checks that template.yaml sets every setting each function
requires.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracktion.errors import TracktionError


class SettingsError(TracktionError):
    """A required setting is missing or a setting is malformed: the function cannot run."""

    status = 500
    error_code = "CONFIGURATION_ERROR"


class Group(BaseModel):
    """A group of settings; each field's alias is its environment variable."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)


def _env(name: str, description: str, default: Any = ..., **constraints: Any) -> Any:
    return Field(default, alias=name, description=description, **constraints)


# --------------------------------------------------------------------------- groups


class CoreSettings(Group):
    """What every function has (template.yaml Globals)."""

    stage: str = _env("STAGE", "Deployment stage (dev, prod ...); local when run locally.", "local")
    service: str = _env("POWERTOOLS_SERVICE_NAME", "Service name in logs and metrics.", "tracklist_service")
    version: str = _env("SERVICE_VERSION", "Version shown by /health.", "0.1.0")
    region: str = _env("AWS_REGION", "AWS region (set by Lambda).", "us-east-1")
    tracklists_table: str = _env("TRACKLISTS_TABLE", "Table of tracklists, drafts and source claims.")
    cue_table: str = _env("CUE_TABLE", "Table of CUE file records, claims and CUE jobs.")
    identity_table: str = _env("IDENTITY_TABLE", "Table of users, API keys, refresh tokens, OAuth state.")
    counters_table: str = _env("COUNTERS_TABLE", "Table of rate-limit windows, usage, politeness budget.")
    cache_table: str = _env("CACHE_TABLE", "Table of cached source pages.")
    batches_table: str = _env("BATCHES_TABLE", "Table of batches, schedules, webhooks, connections.")
    idempotency_table: str = _env("IDEMPOTENCY_TABLE", "Powertools idempotency records.")
    cue_bucket: str = _env("CUE_BUCKET", "Bucket of CUE files and uploads.")


Settings = CoreSettings  # the name the stores have always used


class AuthSettings(Group):
    """Authentication and the identity store."""

    identity_secret_id: str = _env(
        "IDENTITY_SECRET_ID", "Secrets Manager secret that signs tokens and seals signing secrets."
    )
    jwt_issuer: str = _env("JWT_ISSUER", "`iss` of the access tokens we issue.", "https://api.tracktion.dev")
    jwt_audience: str = _env("JWT_AUDIENCE", "`aud` of the access tokens we issue.", "tracktion-api")
    upgrade_url: str = _env(
        "UPGRADE_URL",
        "Where a rate-limited answer sends the caller to upgrade.",
        "https://tracktion.dev/pricing",
    )
    oauth_clients_secret_id: str = _env(
        "OAUTH_CLIENTS_SECRET_ID", "Secret with the OAuth providers' client registrations (unset: none).", ""
    )
    key_rotation_overlap_seconds: int = _env(
        "KEY_ROTATION_OVERLAP_SECONDS", "How long a rotated API key's old secret keeps working.", 86400, ge=0
    )
    bootstrap_admin_key_sha256: str = _env(
        "BOOTSTRAP_ADMIN_KEY_SHA256", "SHA-256 (hex) of the bootstrap admin key (local runs, tests).", ""
    )
    bootstrap_admin_key_param: str = _env(
        "BOOTSTRAP_ADMIN_KEY_PARAM", "SSM parameter holding that SHA-256 when it is not set directly.", ""
    )


class SourceSettings(Group):
    """Reading 1001tracklists: where, how politely, and how long a fetch may take."""

    base_url: str = _env(
        "SOURCE_BASE_URL", "The site read (a local stand-in in tests).", "https://www.1001tracklists.com"
    )
    min_interval_seconds: float = _env(
        "SOURCE_MIN_INTERVAL_SECONDS", "Shared politeness budget: seconds between two fetches.", 3.0, ge=0
    )
    max_wait_seconds: float = _env(
        "SOURCE_MAX_WAIT_SECONDS", "Longest wait for a politeness slot before answering busy.", 10.0, ge=0
    )
    block_backoff_seconds: float | None = _env(
        "SOURCE_BLOCK_BACKOFF_SECONDS", "Pause after the site blocks us (unset: a few intervals).", None, ge=0
    )
    connect_timeout_seconds: float = _env(
        "SOURCE_CONNECT_TIMEOUT_SECONDS", "Connect timeout of a fetch.", 5.0, gt=0
    )
    read_timeout_seconds: float = _env("SOURCE_READ_TIMEOUT_SECONDS", "Read timeout of a fetch.", 15.0, gt=0)
    deadline_seconds: float = _env(
        "SOURCE_DEADLINE_SECONDS", "Whole-fetch deadline, retries included.", 20.0, gt=0
    )
    max_response_bytes: int = _env(
        "SOURCE_MAX_RESPONSE_BYTES", "Largest page read from the site.", 5 * 1024 * 1024, gt=0
    )
    search_max_scan_pages: int = _env(
        "SEARCH_MAX_SCAN_PAGES", "Result pages a filtered search reads at most (30 rows each).", 5, ge=1
    )
    cache_ttl_seconds: int = _env(
        "SOURCE_CACHE_TTL_SECONDS", "How long a fetched page is cached.", 86400, ge=0
    )


class CatalogSettings(Group):
    """Catalog matching (Beatport, MusicBrainz, our own tracks)."""

    providers: str = _env(
        "CATALOG_PROVIDERS", "Providers asked, in order (comma-separated).", "own,beatport,musicbrainz"
    )
    beatport_base_url: str = _env("BEATPORT_BASE_URL", "Beatport API.", "https://api.beatport.com/v4")
    beatport_credentials_param: str = _env(
        "BEATPORT_CREDENTIALS_PARAM",
        "SSM SecureString JSON {client_id, client_secret}; account mode: {username, password} (unset: off).",
        "",
    )
    beatport_auth_mode: str = _env(
        "BEATPORT_AUTH_MODE",
        "How to sign in to Beatport: client_credentials (partner) or account (username/password login).",
        "client_credentials",
        pattern="^(client_credentials|account)$",
    )
    beatport_client_id: str = _env(
        "BEATPORT_CLIENT_ID", "Account mode: the API docs client id (unset: read from the docs page).", ""
    )
    musicbrainz_base_url: str = _env(
        "MUSICBRAINZ_BASE_URL", "MusicBrainz API.", "https://musicbrainz.org/ws/2"
    )
    musicbrainz_user_agent: str = _env(
        "MUSICBRAINZ_USER_AGENT", "User-Agent MusicBrainz asks for (unset: ours with the version).", ""
    )
    musicbrainz_min_interval_seconds: float = _env(
        "MUSICBRAINZ_MIN_INTERVAL_SECONDS", "Seconds between two MusicBrainz requests.", 1.0, ge=0
    )
    timeout_seconds: float = _env("CATALOG_TIMEOUT_SECONDS", "Timeout of one catalog request.", 8.0, gt=0)
    max_backoff_seconds: float = _env("CATALOG_MAX_BACKOFF_SECONDS", "Longest retry backoff.", 2.0, ge=0)
    match_budget_seconds: float = _env(
        "CATALOG_MATCH_BUDGET_SECONDS", "Time one matching request may spend in all.", 20.0, gt=0
    )
    beatport_min_interval_seconds: float = _env(
        "BEATPORT_MIN_INTERVAL_SECONDS",
        "Shared Beatport budget: seconds between two requests, across every function.",
        0.5,
        ge=0,
    )
    beatport_max_wait_seconds: float = _env(
        "BEATPORT_MAX_WAIT_SECONDS",
        "Longest a request waits for its Beatport turn (or a Retry-After) before answering 503.",
        10.0,
        ge=0,
    )
    cache_detail_ttl_seconds: int = _env(
        "CATALOG_CACHE_DETAIL_TTL_SECONDS",
        "How long a catalog detail (track, release...) is cached.",
        86400,
        ge=0,
    )
    cache_list_ttl_seconds: int = _env(
        "CATALOG_CACHE_LIST_TTL_SECONDS",
        "How long a catalog search, chart or list page is cached.",
        3600,
        ge=0,
    )


class CueSettings(Group):
    """CUE generation and its cache."""

    cache_ttl_seconds: int = _env(
        "CUE_CACHE_TTL_SECONDS", "How long a rendered CUE sheet is cached.", 86400, ge=0
    )
    cache_budget_mb: float = _env(
        "CUE_CACHE_BUDGET_MB", "Cached CUE sheets kept per owner, in MB.", 100.0, ge=0
    )
    soft_delete_retention_days: int = _env(
        "CUE_SOFT_DELETE_RETENTION_DAYS", "Days a deleted CUE file can be restored.", 30, ge=0
    )


class FollowSettings(Group):
    """Following tracklists' IDs (tracktion.following): how many, and how much one run may do."""

    max_per_owner: int = _env(
        "FOLLOW_MAX_PER_OWNER", "Tracklists one account may follow at once.", 200, ge=1, le=10000
    )
    max_checks_per_run: int = _env(
        "FOLLOW_MAX_CHECKS_PER_RUN",
        "Followed tracklists one scheduled run re-reads at most.",
        20,
        ge=1,
        le=500,
    )
    run_budget_seconds: float = _env(
        "FOLLOW_RUN_BUDGET_SECONDS",
        "Time one scheduled run may spend on checks (the rest stay due).",
        240.0,
        gt=0,
    )


class BatchSettings(Group):
    """Batches, schedules and their progress."""

    state_machine_arn: str = _env("BATCH_STATE_MACHINE_ARN", "Step Functions machine that runs a batch.", "")
    schedule_group: str = _env(
        "BATCH_SCHEDULE_GROUP", "EventBridge Scheduler group of batch schedules.", "default"
    )
    scheduler_role_arn: str = _env("BATCH_SCHEDULER_ROLE_ARN", "Role the scheduler starts batches with.", "")
    websocket_management_url: str = _env(
        "WEBSOCKET_MANAGEMENT_URL", "Progress WebSocket API's management endpoint (unset: no pushes).", ""
    )
    worker_fault: str = _env(
        "BATCH_WORKER_FAULT", "Fault injection for one test only (`after_import:<url part>`).", ""
    )
    stale_after_seconds: float = _env(
        "BATCH_STALE_SECONDS",
        "An active batch unchanged this long has its execution checked when read (ended: closed).",
        120.0,
        gt=0,
    )


class WebhookSettings(Group):
    """Webhook delivery."""

    allowed_hosts: str = _env(
        "WEBHOOK_ALLOWED_HOSTS", "Hosts allowed despite the private-address guard (tests only).", ""
    )
    max_attempts: int = _env("WEBHOOK_MAX_ATTEMPTS", "Delivery attempts per event.", 3, ge=1)
    backoff_seconds: float = _env("WEBHOOK_BACKOFF_SECONDS", "First retry delay (doubles).", 1.0, ge=0)
    retry_schedule_seconds: str = _env(
        "WEBHOOK_RETRY_SCHEDULE_SECONDS",
        "Delays of the later retries of an undelivered event, comma-separated (then it is failed).",
        "60,300,1800,7200,18000,36000",
        pattern=r"^\d{1,6}(,\d{1,6}){0,19}$",
    )


class OperationsSettings(Group):
    """Running the service: where failed asynchronous work waits to be sent again."""

    async_failure_queue_url: str = _env(
        "ASYNC_FAILURE_QUEUE_URL", "SQS queue of asynchronous invocations that failed for good.", ""
    )


GROUPS: tuple[type[Group], ...] = (
    CoreSettings,
    AuthSettings,
    SourceSettings,
    CatalogSettings,
    CueSettings,
    FollowSettings,
    BatchSettings,
    WebhookSettings,
    OperationsSettings,
)

G = TypeVar("G", bound=Group)


# --------------------------------------------------------------------------- reading


@cache
def names(group: type[Group]) -> tuple[str, ...]:
    """The environment variables of a group."""
    return tuple(str(f.alias) for f in group.model_fields.values())


def required(group: type[Group]) -> tuple[str, ...]:
    """The variables of a group that have no default."""
    return tuple(str(f.alias) for f in group.model_fields.values() if f.is_required())


def _message(group: type[Group], exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err.get("loc") else "?"
        if err["type"] == "missing":
            problems.append(f"{name} is required but not set")
        else:
            problems.append(f"{name}={err.get('input')!r}: {err['msg']}")
    return f"{group.__name__}: " + "; ".join(problems)


@lru_cache(maxsize=128)
def _validated(group: type[G], values: tuple[str | None, ...]) -> G:
    present = {name: value for name, value in zip(names(group), values, strict=True) if value is not None}
    try:
        return group.model_validate(present)
    except ValidationError as exc:
        raise SettingsError(_message(group, exc)) from None


def get(group: type[G]) -> G:
    """The group's settings as the environment has them now (validated; cached per values)."""
    return _validated(group, tuple(os.environ.get(name) or None for name in names(group)))


def settings() -> CoreSettings:
    """The core settings (table and bucket names ...)."""
    return get(CoreSettings)


def _clear() -> None:
    _validated.cache_clear()


settings.cache_clear = _clear  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FunctionSettings:
    """The groups one function declared (its handler's `SETTINGS`)."""

    groups: tuple[type[Group], ...]

    def required(self) -> set[str]:
        return {name for g in self.groups for name in required(g)}


def load(*groups: type[Group]) -> FunctionSettings:
    """Validate the function's settings now (at import, i.e. cold start) and say which it uses.

    Raises SettingsError naming every missing or malformed variable.
    """
    problems = []
    for group in groups:
        try:
            get(group)
        except SettingsError as exc:
            problems.append(exc.message)
    if problems:
        raise SettingsError("Invalid function settings: " + " | ".join(problems))
    return FunctionSettings(tuple(groups))
