"""The one place Logger, Tracer and Metrics are created, so every function logs alike."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="tracklist_service")
tracer = Tracer(service="tracklist_service")
metrics = Metrics(namespace="Tracktion", service="tracklist_service")
