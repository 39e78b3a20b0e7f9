"""The request body that creates an API key, in both shapes the published clients send."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from tracktion import clock
from tracktion.auth.key_store import PERMISSIONS, SCOPES, KeySpec
from tracktion.auth.principal import Principal
from tracktion.errors import Forbidden
from tracktion.models import Model

# Fields only the service sets: a client sending one is told so (422), never ignored silently.
SERVER_FIELDS = frozenset(
    {"tier", "is_admin", "owner_id", "user_id", "key_hash", "key_id", "status", "signing_secret", "api_key"}
)
MAX_EXPIRY_DAYS = 3650
_PERMISSION_NAMES = sorted(PERMISSIONS)
# The request schema says what the validators below check: permission names from the list (as
# an array or as an object of booleans), networks as addresses or IPv4 CIDR blocks.
_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4_CIDR_PATTERN = rf"^{_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}/(?:3[0-2]|[12]?[0-9])$"
Permissions = Annotated[
    dict[str, bool] | list[str],
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "string", "enum": _PERMISSION_NAMES}},
                {
                    "type": "object",
                    "propertyNames": {"enum": _PERMISSION_NAMES},
                    "additionalProperties": {"type": "boolean"},
                },
            ]
        }
    ),
]
Network = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "ipv4"},
                {"type": "string", "format": "ipv6"},
                {"type": "string", "pattern": IPV4_CIDR_PATTERN},
            ],
            "description": "An address or a CIDR block (any network Python's ipaddress reads)",
        }
    ),
]


def reject_server_fields(data: Any) -> Any:
    if isinstance(data, dict):
        sent = sorted(SERVER_FIELDS & set(data))
        if sent:
            raise ValueError(f"field(s) not settable by clients: {', '.join(sent)}")
    return data


class KeyCreate(Model):
    # expires_in_days or expires_at, not both (that expires_at lies ahead no schema can say).
    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"not": {"required": ["expires_in_days", "expires_at"]}}
    )

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    permissions: Permissions = Field(default_factory=lambda: ["read"])
    scopes: list[Literal["search", "tracklists", "cue", "batch", "developer"]] | None = Field(
        default=None, max_length=len(SCOPES)
    )
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_EXPIRY_DAYS)
    expires_at: datetime | None = None
    ip_allowlist: list[Network] | None = Field(default=None, max_length=50)
    signature_required: bool = False
    signing: bool = False
    environment: Literal["live", "test"] = "live"

    _reject = model_validator(mode="before")(reject_server_fields)

    @field_validator("permissions")
    @classmethod
    def _known_permissions(cls, value: dict[str, bool] | list[str]) -> dict[str, bool] | list[str]:
        names = set(value)
        unknown = names - set(PERMISSIONS)
        if unknown:
            raise ValueError(f"unknown permission(s): {', '.join(sorted(unknown))}")
        return value

    @field_validator("ip_allowlist")
    @classmethod
    def _networks(cls, value: list[str] | None) -> list[str] | None:
        for entry in value or []:
            ipaddress.ip_network(entry, strict=False)  # ValueError → 422 naming the entry
        return value

    @model_validator(mode="after")
    def _one_expiry(self) -> KeyCreate:
        if self.expires_in_days is not None and self.expires_at is not None:
            raise ValueError("give expires_in_days or expires_at, not both")
        if self.expires_at is not None:
            at = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
            if at <= clock.now():
                raise ValueError("expires_at must be in the future")
        return self

    def permission_set(self) -> frozenset[str]:
        if isinstance(self.permissions, dict):
            chosen = {k for k, v in self.permissions.items() if v}
        else:
            chosen = set(self.permissions)
        if "admin" in chosen:
            chosen |= {"read", "write"}
        if "write" in chosen:
            chosen.add("read")
        return frozenset(chosen or {"read"})

    def to_spec(self, caller: Principal) -> KeySpec:
        """The key to create; a caller cannot mint a key stronger than its own credential."""
        wanted = self.permission_set()
        missing = wanted - caller.permissions
        if missing:
            raise Forbidden(
                "A key cannot have permissions its creator lacks",
                details={"missing_permissions": sorted(missing)},
            )
        scopes = frozenset(self.scopes or ())
        if caller.scopes and not scopes <= caller.scopes:
            raise Forbidden(
                "A key cannot have scopes its creator lacks", details={"required_scopes": sorted(scopes)}
            )
        expires: int | None = None
        if self.expires_in_days is not None:
            expires = clock.epoch() + self.expires_in_days * 86400
        elif self.expires_at is not None:
            at = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
            expires = int(at.timestamp())
        return KeySpec(
            name=self.name,
            description=self.description,
            permissions=wanted,
            scopes=scopes or frozenset(caller.scopes),
            ip_allowlist=tuple(self.ip_allowlist or ()),
            expires_at=expires,
            signature_required=self.signature_required,
            signing=self.signing,
            environment=self.environment,
        )


class KeyRotate(Model):
    model_config = ConfigDict(extra="ignore")

    overlap_seconds: int | None = Field(default=None, ge=0, le=7 * 86400)
    overlap_hours: float | None = Field(default=None, ge=0, le=168)

    _reject = model_validator(mode="before")(reject_server_fields)

    def overlap(self) -> int | None:
        if self.overlap_seconds is not None:
            return self.overlap_seconds
        if self.overlap_hours is not None:
            return int(self.overlap_hours * 3600)
        return None
