"""The one place Logger, Tracer and Metrics are created, so every function logs alike.

`tracer` is created on first use: creating a Powertools Tracer imports the X-Ray SDK, which
alone costs more than half a second of cold start, and most functions never touch it
(Lambda's own X-Ray segment comes from `Tracing: Active` either way). `from
tracktion.observability import tracer` still works; the module that does so pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

    tracer: Tracer

SERVICE = "tracklist_service"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Tracktion", service=SERVICE)


def __getattr__(name: str) -> Any:
    if name == "tracer":
        from aws_lambda_powertools import Tracer

        created = Tracer(service=SERVICE)
        globals()["tracer"] = created
        return created
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
