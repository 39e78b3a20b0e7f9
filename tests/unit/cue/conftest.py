"""Sample tracklists for the CUE tests, built like the sources build them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tracktion.tracklists.model import Track, Tracklist


def make_tracklist(n: int = 12, spacing: float = 300.0, **fields: Any) -> Tracklist:
    tracks = [
        Track(position=i + 1, artist=f"Artist {i + 1}", title=f"Track {i + 1}", start_time=i * spacing)
        for i in range(n)
    ]
    base: dict[str, Any] = {
        "owner_id": "user-1",
        "title": "Live at Test Hall",
        "djs": ["DJ One", "DJ Two"],
        "date": "2024-10-25",
        "genres": ["Techno"],
        "duration_seconds": n * spacing,
        "tracks": tracks,
    }
    return Tracklist(**{**base, **fields})


@pytest.fixture
def tracklist_factory() -> Callable[..., Tracklist]:
    return make_tracklist
