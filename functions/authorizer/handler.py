"""The HTTP API's Lambda REQUEST authorizer (payload 2.0, simple responses).

Answers {"isAuthorized": bool, "context": principal} for every route but the public ones
(`Authorizer: NONE` in template.yaml: /health, the documentation, register/token/refresh/logout
and the OAuth2 login/callback).
"""

from __future__ import annotations

from typing import Any

from tracktion.api.authorizer import authorize
from tracktion.config import AuthSettings, CoreSettings, load
from tracktion.observability import logger

# Validated now, at cold start: a missing or malformed setting fails the import, naming it.
SETTINGS = load(CoreSettings, AuthSettings)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return authorize(event)
