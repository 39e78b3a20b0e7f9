"""Accounts, sessions, OAuth2 logins, profile and users admin: /api/v1/auth/*, /user/*, /users/*."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import ConfigDict, Field, model_validator

from tracktion.api.principal import current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.api.rules import public, rules
from tracktion.api.shapes import Out, error_responses
from tracktion.auth import accounts, oauth, passwords, refresh, users
from tracktion.auth.key_requests import reject_server_fields
from tracktion.auth.weights import READ, WRITE
from tracktion.config import AuthSettings, CoreSettings, load
from tracktion.errors import ValidationFailed
from tracktion.models import Model
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings)

app = make_app()

ProviderName = Annotated[Literal["google", "github"], Path()]
UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Registration(Model):
    model_config = ConfigDict(extra="ignore")
    _reject = model_validator(mode="before")(reject_server_fields)

    # The schema states the rule users.normalise_email applies (its EMAIL_RE), not a looser one.
    email: str = Field(
        min_length=3,
        max_length=320,
        json_schema_extra={"format": "email", "pattern": users.EMAIL_RE.pattern},
    )
    # users.register's rule (passwords.MIN_LENGTH..MAX_LENGTH characters), stated in the schema.
    password: str = Field(min_length=1, max_length=256, json_schema_extra={"minLength": passwords.MIN_LENGTH})
    name: str = Field(default="", max_length=100)


class Credentials(Model):
    # username (the account's email, as the published client sends it) or email: one is needed.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "anyOf": [
                {"required": ["username"], "properties": {"username": {"type": "string", "minLength": 1}}},
                {"required": ["email"], "properties": {"email": {"type": "string", "minLength": 1}}},
            ]
        },
    )

    username: str | None = Field(default=None, max_length=320)
    email: str | None = Field(default=None, max_length=320)
    password: str = Field(min_length=1, max_length=256)

    @model_validator(mode="before")
    @classmethod
    def _form_values(cls, data: Any) -> Any:
        # The OAuth2 password form (application/x-www-form-urlencoded) arrives as lists.
        if isinstance(data, dict):
            return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _who(self) -> Credentials:
        if not (self.username or self.email):
            raise ValueError("username or email is required")
        return self


class RefreshBody(Model):
    refresh_token: str = Field(min_length=1, max_length=200)


class UserOut(Out):
    """An account as its owner or an admin sees it (never password material)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "user_id": "usr_0123456789abcdef0123",
                "email": "user@example.com",
                "name": "",
                "tier": "free",
                "is_admin": False,
                "email_verified": False,
                "providers": [],
                "has_password": True,
                "created_at": "2024-01-15T10:00:00Z",
                "updated_at": "2024-01-15T10:00:00Z",
            }
        }
    )

    user_id: str
    email: str | None = Field(description="What the published client greets the user with")
    name: str = ""
    tier: str
    is_admin: bool
    email_verified: bool
    providers: list[str]
    has_password: bool
    created_at: str | None = None
    updated_at: str | None = None


class ProfileOut(UserOut):
    auth_method: str


class TokenOut(Out):
    """OAuth2 bearer pair: the access JWT (1 h) and an opaque refresh token (7 days)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLiJ9...",
                "refresh_token": "rt_...",
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_expires_in": 604800,
            }
        }
    )

    access_token: str
    refresh_token: str = Field(
        description="Keep using the login's token, or the newest one; an older one used after a "
        "newer one ends the session (docs/security.md)"
    )
    token_type: str
    expires_in: int
    refresh_expires_in: int


class OAuthTokenOut(TokenOut):
    user: UserOut


class UserPagination(Out):
    page: int
    per_page: int
    pages: int
    total: int


class UserListOut(Out):
    data: list[UserOut]
    pagination: UserPagination


def _errors(*statuses: int) -> dict[int, OpenAPIResponse]:
    """The standard error body for each status (tracktion.api.shapes), typed as Powertools wants."""
    return cast("dict[int, OpenAPIResponse]", error_responses(*statuses))


class UserChanges(Model):
    model_config = ConfigDict(extra="forbid")

    tier: Literal["free", "premium", "enterprise"] | None = None
    is_admin: bool | None = None
    name: str | None = Field(default=None, max_length=100)


def _source_ip() -> str:
    return str(app.current_event.request_context.http.source_ip or "")


@app.post("/api/v1/auth/register", status_code=201, responses=_errors(409, 422, 429))
@public(cost=WRITE, limited_per_address=True)
def register(body: Registration) -> UserOut:
    user = users.register(body.email, body.password, body.name)
    return users.view(user)  # type: ignore[return-value]


@app.post("/api/v1/auth/token", responses=_errors(401, 422, 429))
@public(cost=WRITE, limited_per_address=True)
def token(body: Credentials) -> TokenOut:
    """`username` (the published JWTAuthClient's field) is the account's email; `email` works too."""
    return accounts.login(str(body.username or body.email), body.password, _source_ip())  # type: ignore[return-value]


@app.post("/api/v1/auth/refresh", responses=_errors(401, 422, 429))
@public(cost=WRITE, limited_per_address=True)
def refresh_session(body: RefreshBody) -> TokenOut:
    return refresh.rotate(body.refresh_token)  # type: ignore[return-value]


@app.post("/api/v1/auth/logout", status_code=204, responses=_errors(401, 422, 429))
@public(cost=WRITE, limited_per_address=True)
def logout(body: RefreshBody) -> Response[None]:
    refresh.logout(body.refresh_token)
    return Response(status_code=204)


@app.get(
    "/api/v1/auth/<provider>/login",
    status_code=302,
    responses={
        302: {"description": "Redirect to the provider's consent page (Location header)"},
        **_errors(404, 422, 429),
    },
)
@public(cost=READ, limited_per_address=True)
def oauth_login(provider: ProviderName) -> Response[None]:
    return Response(status_code=302, headers={"Location": oauth.begin(provider), "Cache-Control": "no-store"})


@app.get("/api/v1/auth/<provider>/callback", responses=_errors(400, 401, 404, 422, 429, 502))
@public(cost=READ, limited_per_address=True)
def oauth_callback(
    provider: ProviderName,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2048)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> OAuthTokenOut:
    return oauth.complete(provider, code, state, error)  # type: ignore[return-value]


@app.get("/api/v1/user/profile", responses=_errors(401, 403, 404, 429))
@rules(permission="read", scope="developer", cost=READ)
def profile() -> ProfileOut:
    return accounts.profile(current_principal(app))  # type: ignore[return-value]


@app.get("/api/v1/users", responses=_errors(401, 403, 422, 429))
@rules(permission="admin", scope="developer", cost=READ)
def list_users(
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    email: Annotated[str | None, Query(max_length=320)] = None,
    tier: Annotated[Literal["free", "premium", "enterprise"] | None, Query()] = None,
) -> UserListOut:
    return users.list_users(page, per_page, email, tier)  # type: ignore[return-value]


@app.get("/api/v1/users/<user_id>", responses=_errors(401, 403, 404, 422, 429))
@rules(permission="admin", scope="developer", cost=READ)
def get_user(user_id: UserId) -> UserOut:
    return users.view(users.get(user_id))  # type: ignore[return-value]


@app.patch("/api/v1/users/<user_id>", responses=_errors(401, 403, 404, 422, 429))
@rules(permission=("admin", "write"), scope="developer", cost=WRITE)
def update_user(user_id: UserId, body: UserChanges) -> UserOut:
    admin = current_principal(app)
    changes = body.model_dump(exclude_none=True)
    if user_id == admin.user_id and changes.get("is_admin") is False:
        raise ValidationFailed("An admin cannot remove their own admin permission")
    return users.view(users.update(user_id, changes))  # type: ignore[return-value]


@app.delete("/api/v1/users/<user_id>", status_code=204, responses=_errors(401, 403, 404, 422, 429))
@rules(permission=("admin", "write"), scope="developer", cost=WRITE)
def delete_user(user_id: UserId) -> Response[None]:
    users.delete(user_id)
    return Response(status_code=204)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
