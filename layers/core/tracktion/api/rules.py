"""What a route requires and what it costs, declared where the route is defined.

Every route of every resolver states its rules with one decorator, stacked on Powertools':

    @app.post("/api/v1/cue/generate", responses=...)
    @rules(permission="write", scope="cue", cost=CUE)
    def generate(body: GenerateBody) -> ...: ...

    @app.post("/api/v1/auth/token", responses=...)
    @public(cost=WRITE, limited_per_address=True)
    def token(body: Credentials) -> ...: ...

The decorator only records a `Rules` value on the function (Powertools keeps the function as
its route's `func`), so the rules are readable without running a request: `serve()` resolves
the route and hands its rules to `tracktion.api.admission`, the one step that applies them;
`local/openapi.py` writes them into the document (`x-tracktion-rules`, and a line of each
operation's description); `tests/contract/test_route_rules.py` fails when a route of
template.yaml declares none, or when `public` disagrees with the template's `Authorizer: NONE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args

from tracktion.auth.weights import READ, UNCOUNTED, WRITE, Weight

Permission = Literal["read", "write", "admin"]
Scope = Literal["search", "tracklists", "cue", "batch", "developer"]
SCOPES: tuple[str, ...] = get_args(Scope)
# The order admission checks them in (and so the refusal a caller lacking both sees first).
_CHECK_ORDER: tuple[Permission, ...] = ("admin", "write")
_ATTR = "__tracktion_rules__"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rules:
    """A route's rules. `permissions`: what the caller's key must hold beyond reading (none for
    a read); `scope`: the route group a key limited to scopes must name; `cost`: the tokens the
    rate limiter charges and the usage category the request is counted in. A `public` route
    (template.yaml `Auth: Authorizer: NONE`) needs no credentials; when `limited_per_address`,
    an anonymous call is rate-limited as a free-tier caller per client address. An `idempotent`
    route honours the `Idempotency-Key` header (tracktion.api.idempotency): a retry with the
    same key and request answers the first answer and creates nothing."""

    permissions: tuple[Permission, ...]
    scope: Scope | None
    cost: Weight
    public: bool = False
    limited_per_address: bool = False
    idempotent: bool = False

    @property
    def permission(self) -> str:
        """How people read it: `read`, `write`, `admin`, or `admin+write`."""
        return "+".join(self.permissions) or "read"

    def describe(self) -> str:
        """One line for the operation's description in the OpenAPI document."""
        tokens = f"{self.cost.tokens} token{'s' if self.cost.tokens != 1 else ''} ({self.cost.category})"
        if self.public:
            limit = f"; limited per client address, {tokens} a call" if self.limited_per_address else ""
            return f"**Rules**: public, no credentials{limit}."
        idempotent = "; honours `Idempotency-Key`" if self.idempotent else ""
        return f"**Rules**: permission `{self.permission}`, scope `{self.scope}`, cost {tokens}{idempotent}."

    def openapi(self) -> dict[str, Any]:
        """The `x-tracktion-rules` extension of the route's operation."""
        return {
            "permission": self.permission,
            "scope": self.scope,
            "cost": self.cost.tokens,
            "cost_category": self.cost.category,
            "public": self.public,
            "limited_per_address": self.limited_per_address,
            "idempotent": self.idempotent,
        }


def _record(value: Rules) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        if getattr(func, _ATTR, None) is not None:
            raise TypeError(f"{func.__qualname__} declares its rules twice")
        setattr(func, _ATTR, value)
        return func

    return decorate


def rules(
    *,
    permission: Permission | tuple[Permission, ...],
    scope: Scope,
    cost: Weight,
    idempotent: bool = False,
) -> Callable[[F], F]:
    """An authenticated route: the permission(s) its caller needs, its key scope, its cost.

    `permission="read"` admits any authenticated caller; `"write"` or `"admin"` need that
    permission; `("admin", "write")` both (an admin route that changes data).
    `idempotent=True` (every creating POST): the route honours the `Idempotency-Key` header,
    applied by serve() (tracktion.api.idempotency) and documented on the operation.
    """
    given = (permission,) if isinstance(permission, str) else tuple(permission)
    unknown = set(given) - set(get_args(Permission))
    if unknown or not given:
        raise ValueError(f"unknown permission {sorted(unknown) or given!r}")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r} (one of {', '.join(SCOPES)})")
    needed = tuple(p for p in _CHECK_ORDER if p in given)
    return _record(Rules(needed, scope, cost, idempotent=idempotent))


def public(*, cost: Weight = UNCOUNTED, limited_per_address: bool = False) -> Callable[[F], F]:
    """A route without credentials (template.yaml `Auth: Authorizer: NONE`).

    `limited_per_address`: an anonymous call is limited as a free-tier caller per client
    address, charged `cost` (the auth routes: registration, login, OAuth2); otherwise the route
    is neither limited nor counted, and costs nothing.
    """
    if not limited_per_address and cost.tokens:
        raise ValueError("a public route that is not limited is not charged: leave its cost out")
    return _record(Rules((), None, cost, public=True, limited_per_address=limited_per_address))


def rules_of(func: Callable[..., Any]) -> Rules | None:
    """The rules declared on a route's function, or None when it declares none."""
    found = getattr(func, _ATTR, None)
    return found if isinstance(found, Rules) else None


# A request no route of the function answers (the catch-all `ANY /{proxy+}`, authenticated in
# template.yaml): it needs credentials; a read costs a read, any other method needs `write` and
# costs a write, as before the rules moved to the routes. It has no scope: its answer (404, or
# 405 with Allow) says only what the public document says.
UNMATCHED_READ = Rules((), None, READ)
UNMATCHED_WRITE = Rules(("write",), None, WRITE)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unmatched(method: str) -> Rules:
    """The rules of a request no route answers."""
    return UNMATCHED_READ if method.upper() in _READ_METHODS else UNMATCHED_WRITE
