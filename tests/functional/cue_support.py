"""Calling the cue function the way API Gateway does, for the CUE functional tests."""

from __future__ import annotations

import io
import wave
from typing import Any

from tests.conftest import principal_ctx
from tests.gateway import invoke

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
    res = invoke(method, CUE + path, body=body, query=query, principal=principal_ctx(user))
    assert res.route is not None and res.route.function == "CueFunction", res.route
    if route is not None:
        assert res.route.route_key == route, res.route
    raw = res.body
    if raw is None:
        raw = b"" if res.result.get("isBase64Encoded") else ""
    return res.status, raw, res.headers


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


def store_tracklist(user: str = "user-1", **fields: Any) -> Any:
    """A tracklist stored for `user`, as an import or a manual entry leaves it."""
    from tracktion.tracklists.model import Tracklist
    from tracktion.tracklists.store import TracklistStore

    body = tracklist_body(**fields)
    return TracklistStore().create(Tracklist.model_validate({**body, "owner_id": user}))


# The reference's example bodies (../shared/spec/api-reference.md, "CUE Generation API"), literally.
REF_GENERATE = {
    "format": "standard",
    "options": {"include_metadata": True, "gap_handling": "auto"},
    "validate_audio": False,
    "audio_file_path": "/path/to/audio.wav",
}
REF_GENERATE_STORED = {
    "format": "cdj",
    "options": {"cdj_version": "3000", "memory_cue_points": True},
    "validate_audio": True,
    "audio_file_path": "/path/to/audio.wav",
}
REF_BATCH = {
    "formats": ["standard", "cdj", "traktor"],
    "options": {"include_metadata": True},
    "validate_audio": False,
    "audio_file_path": "/path/to/audio.wav",
}
REF_FLOW_BATCH = {
    "formats": ["cdj", "traktor"],
    "options": {"include_metadata": True},
    "audio_file_path": "/path/to/audio.wav",
}
REF_REGENERATE = {"include_metadata": True, "gap_handling": "preserve"}
REF_VALIDATE_FILE = {
    "audio_file_path": "/path/to/audio.wav",
    "validation_options": {"strict_timing": False, "check_file_references": True},
}
REF_VALIDATE = {
    "tracklist_id": "123e4567-e89b-12d3-a456-426614174000",
    "format": "standard",
    "audio_file_path": "/path/to/audio.wav",
    "validation_options": {"strict_mode": False},
}
REF_CONVERT = {
    "target_format": "cdj",
    "preserve_metadata": True,
    "conversion_options": {"cdj_version": "3000", "generate_memory_cues": True},
}
REF_WARM = {
    "tracklist_ids": ["123e4567-e89b-12d3-a456-426614174000", "234e5678-e89b-12d3-a456-426614174000"],
    "formats": ["standard", "cdj"],
}


def assert_types(body: dict[str, Any], expected: dict[str, Any], where: str = "") -> None:
    """Every documented field is present with its documented type (None allowed where given)."""
    for name, kinds in expected.items():
        assert name in body, f"{where}{name} missing from {sorted(body)}"
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        value = body[name]
        ok = any(
            value is None
            if k is None
            else isinstance(value, k) and not (k is int and isinstance(value, bool))
            for k in kinds
        )
        assert ok, f"{where}{name}={value!r} is not {kinds}"
