"""The HTTP API's Lambda REQUEST authorizer (payload 2.0, simple responses), at the edge.

Reads the credential from the event (`X-API-Key`, or `Authorization: Bearer ...`; a signed
request's `X-Timestamp`/`X-Signature`) and the client's address, asks the domain
(`tracktion.auth.authenticate`) who that is, and answers API Gateway's simple response with the
principal in its `context`.
"""

from __future__ import annotations

import json
from typing import Any

from tracktion.api.principal import to_context
from tracktion.auth.authenticate import Credential, RequestSignature, authenticate
from tracktion.errors import TracktionError
from tracktion.observability import correlation_id_of


def credential_from(headers: dict[str, Any], *, signed: bool = True) -> Credential | None:
    """The credential in a request's headers (any case), or None when it presents none.

    `signed=False` ignores the signing headers, for requests whose body nobody will verify
    a signature over (a WebSocket handshake): a key that requires signing is then refused.
    """
    lower = {k.lower(): str(v) for k, v in (headers or {}).items()}
    signature = None
    if signed and ("x-signature" in lower or "x-timestamp" in lower):
        signature = RequestSignature(lower.get("x-timestamp", ""), lower.get("x-signature", ""))
    if lower.get("x-api-key"):
        secret = lower["x-api-key"].strip()
        return Credential(secret, "api_key", signature) if secret else None
    auth = lower.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        secret = auth[7:].strip()
        return Credential(secret, "bearer", signature) if secret else None
    return None


def source_ip_of(event: dict[str, Any]) -> str:
    return str(((event.get("requestContext") or {}).get("http") or {}).get("sourceIp") or "")


def refusal(
    status: int, error_code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Let the request through to the function, marked refused.

    HTTP APIs cannot shape an authorizer's deny (always a bare 403), so credential failures
    travel in the context and `tracktion.api.resolver.serve` answers them in the standard
    error format before any route code runs (docs/decisions.md, "Authorizer refusals").
    """
    context = {"auth_error": error_code, "auth_status": str(status), "auth_message": message}
    if details:
        context["auth_details"] = json.dumps(details)
    return {"isAuthorized": True, "context": context}


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """API Gateway's simple response; its context always carries the request's correlation id
    (the HTTP API access log writes it as `correlationId`)."""
    answer = _authorize(event)
    answer["context"]["correlation_id"] = correlation_id_of(event)
    return answer


def _authorize(event: dict[str, Any]) -> dict[str, Any]:
    credential = credential_from(event.get("headers") or {})
    if credential is None:
        return refusal(401, "UNAUTHORIZED", "Authentication required: send X-API-Key or Authorization")
    try:
        principal = authenticate(credential, source_ip_of(event))
    except TracktionError as exc:
        return refusal(exc.status, exc.error_code, exc.message, exc.details)
    return {"isAuthorized": True, "context": to_context(principal)}
