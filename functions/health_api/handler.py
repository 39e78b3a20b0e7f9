"""GET /health: public liveness answer, no AWS calls (it must stay up when a table is not)."""

from __future__ import annotations

from typing import Any

from tracktion.api.resolver import make_app, serve
from tracktion.config import settings
from tracktion.observability import logger

app = make_app("health")


@app.get("/health")
def health() -> dict[str, str]:
    cfg = settings()
    return {"status": "healthy", "service": cfg.service, "version": cfg.version, "stage": cfg.stage}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(app, event, context)
