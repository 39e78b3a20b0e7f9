"""The AWS the in-process benchmarks run on: moto in this process, with template.yaml's tables
and secrets (no runtime, no network), and the layer and functions importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def moto_environment() -> None:
    """The process environment for moto in this process: fake credentials, one region, no
    endpoint of a runtime, Powertools quiet."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)


def start_moto(stage: str = "bench") -> tuple[Any, Any]:
    """(the started moto mock, to stop; the Template) with its tables and secrets created."""
    for p in (ROOT, ROOT / "layers" / "core", ROOT / "functions"):
        sys.path.insert(0, str(p))
    moto_environment()
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    from local.provision import create_secrets, create_tables
    from local.template import Template

    template = Template.load(ROOT / "template.yaml", {"Stage": stage})
    create_tables(template, boto3.client("dynamodb", region_name="us-east-1"))
    create_secrets(template, boto3.client("secretsmanager", region_name="us-east-1"))
    return mock, template
