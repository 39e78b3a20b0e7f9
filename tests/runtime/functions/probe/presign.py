"""Hands out a presigned POST form for an upload under incoming/, as a real upload API would."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = json.loads(event["body"])["name"]
    form = boto3.client("s3").generate_presigned_post(
        os.environ["UPLOAD_BUCKET"], f"incoming/{name}", ExpiresIn=300
    )
    return {"statusCode": 201, "body": json.dumps(form)}
