"""Calling the cue function the way API Gateway does, for the CUE functional tests."""

from __future__ import annotations

import io
import json
import wave
from typing import Any

from tests.conftest import FakeContext, http_event, principal_ctx

CUE = "/api/v1/cue"


def call(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    user: str = "user-1",
    route: str | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """(status, decoded body, headers) of one request to the cue function."""
    from cue_api.handler import lambda_handler

    event = http_event(
        method, CUE + path, body=body, query=query, principal=principal_ctx(user), route_key=route
    )
    res = lambda_handler(event, FakeContext())
    raw = res.get("body") or ""
    if res.get("isBase64Encoded"):
        import base64

        raw = base64.b64decode(raw)
    headers = res.get("headers") or {}
    if "json" in headers.get("Content-Type", ""):
        return res["statusCode"], json.loads(raw), headers
    return res["statusCode"], raw, headers


def tracklist_body(n: int = 6, spacing: float = 300.0, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Warehouse Night",
        "djs": ["DJ Nova"],
        "date": "2025-03-01",
        "genres": ["Techno"],
        "duration_seconds": n * spacing,
        "tracks": [
            {
                "position": i + 1,
                "artist": f"Artist {i + 1}",
                "title": f"Track {i + 1}",
                "start_time": i * spacing,
            }
            for i in range(n)
        ],
    }
    body.update(fields)
    return body


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    """A real (silent) mono 16-bit WAV of the given length."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return buf.getvalue()
