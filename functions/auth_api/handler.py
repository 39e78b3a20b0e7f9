"""Accounts, sessions, OAuth2 logins, profile and users admin: /api/v1/auth/*, /user/*, /users/*."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import ConfigDict, Field, model_validator

from tracktion.api.principal import Principal, current_principal
from tracktion.api.resolver import make_app, serve
from tracktion.auth import accounts, oauth, refresh, users
from tracktion.auth.key_requests import reject_server_fields
from tracktion.errors import Forbidden, ValidationFailed
from tracktion.models import Model
from tracktion.observability import logger

app = make_app("auth")

ProviderName = Annotated[Literal["google", "github"], Path()]
UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Registration(Model):
    model_config = ConfigDict(extra="ignore")
    _reject = model_validator(mode="before")(reject_server_fields)

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="", max_length=100)


class Credentials(Model):
    model_config = ConfigDict(extra="ignore")

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


class UserChanges(Model):
    model_config = ConfigDict(extra="forbid")

    tier: Literal["free", "premium", "enterprise"] | None = None
    is_admin: bool | None = None
    name: str | None = Field(default=None, max_length=100)


def _source_ip() -> str:
    return str(app.current_event.request_context.http.source_ip or "")


def _admin() -> Principal:
    principal = current_principal(app)
    if not principal.is_admin:
        raise Forbidden("Admin permission required", details={"required_permission": "admin"})
    return principal


@app.post("/api/v1/auth/register")
def register(body: Registration) -> Response[dict[str, Any]]:
    user = users.register(body.email, body.password, body.name)
    return Response(status_code=201, content_type="application/json", body=users.view(user))


@app.post("/api/v1/auth/token")
def token(body: Credentials) -> dict[str, Any]:
    return accounts.login(str(body.username or body.email), body.password, _source_ip())


@app.post("/api/v1/auth/refresh")
def refresh_session(body: RefreshBody) -> dict[str, Any]:
    return refresh.rotate(body.refresh_token)


@app.post("/api/v1/auth/logout")
def logout(body: RefreshBody) -> Response[None]:
    refresh.logout(body.refresh_token)
    return Response(status_code=204)


@app.get("/api/v1/auth/<provider>/login")
def oauth_login(provider: ProviderName) -> Response[None]:
    return Response(status_code=302, headers={"Location": oauth.begin(provider), "Cache-Control": "no-store"})


@app.get("/api/v1/auth/<provider>/callback")
def oauth_callback(
    provider: ProviderName,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2048)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    return oauth.complete(provider, code, state, error)


@app.get("/api/v1/user/profile")
def profile() -> dict[str, Any]:
    return accounts.profile(current_principal(app))


@app.get("/api/v1/users")
def list_users(
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    email: Annotated[str | None, Query(max_length=320)] = None,
    tier: Annotated[Literal["free", "premium", "enterprise"] | None, Query()] = None,
) -> dict[str, Any]:
    _admin()
    return users.list_users(page, per_page, email, tier)


@app.get("/api/v1/users/<user_id>")
def get_user(user_id: UserId) -> dict[str, Any]:
    _admin()
    return users.view(users.get(user_id))


@app.patch("/api/v1/users/<user_id>")
def update_user(user_id: UserId, body: UserChanges) -> dict[str, Any]:
    admin = _admin()
    changes = body.model_dump(exclude_none=True)
    if user_id == admin.user_id and changes.get("is_admin") is False:
        raise ValidationFailed("An admin cannot remove their own admin permission")
    return users.view(users.update(user_id, changes))


@app.delete("/api/v1/users/<user_id>")
def delete_user(user_id: UserId) -> Response[None]:
    _admin()
    users.delete(user_id)
    return Response(status_code=204)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
