"""GET /health: public liveness answer, no AWS calls (it must stay up when a table is not)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from tracktion.api.resolver import make_app, serve
from tracktion.api.shapes import Out
from tracktion.config import settings
from tracktion.observability import logger

app = make_app("health")


class HealthOut(Out):
    """The reference's answer (docs/api-contract.md, "Health"); `stage` is our addition."""

    model_config = ConfigDict(
        defer_build=True,
        extra="allow",
        json_schema_extra={
            "example": {"status": "healthy", "service": "tracklist_service", "version": "0.1.0"}
        },
    )

    status: str = Field(description='"healthy" whenever the function answers')
    service: str = Field(description='"tracklist_service"')
    version: str
    stage: str | None = None


@app.get("/health")
def health() -> HealthOut:
    cfg = settings()
    return HealthOut(status="healthy", service=cfg.service, version=cfg.version, stage=cfg.stage)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
