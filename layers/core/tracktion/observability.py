"""The one place the Logger is created, so every function logs alike.

Traces: Lambda's own X-Ray segment comes from `Tracing: Active` in template.yaml; no code adds
subsegments (the Powertools Tracer, whose X-Ray SDK import cost more than half a second of cold
start, is not used). Metrics: Lambda's and API Gateway's own CloudWatch metrics; no function
publishes custom ones.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

SERVICE = "tracklist_service"

logger = Logger(service=SERVICE)
