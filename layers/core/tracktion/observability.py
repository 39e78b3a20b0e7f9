"""The one place the Logger is created, so every function logs alike.

Traces: Lambda's own X-Ray segment comes from `Tracing: Active` in template.yaml; no code adds
subsegments (the Powertools Tracer, whose X-Ray SDK import cost more than half a second of cold
start, is not used). Metrics: Lambda's and API Gateway's own CloudWatch metrics; no function
publishes custom ones.
"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger

SERVICE = "tracklist_service"
CORRELATION_HEADER = "X-Correlation-ID"

logger = Logger(service=SERVICE)


def correlation_id_of(event: dict[str, Any]) -> str:
    """The request's correlation id: the client's `X-Correlation-ID` when it is a sane token,
    else API Gateway's request id. The authorizer and the function derive the same value, so the
    HTTP API access log (authorizer context) and the answer's header agree."""
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    given = str(headers.get(CORRELATION_HEADER.lower(), "") or "")
    if given and len(given) <= 128 and given.replace("-", "").replace("_", "").isalnum():
        return given
    request_id = (event.get("requestContext") or {}).get("requestId")
    return str(request_id or uuid.uuid4())
