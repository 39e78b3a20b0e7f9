"""The pieces of the published contract (../shared/spec/api-reference.md) the domain makes itself.

Domain modules report warnings, write times as the reference shows them and bound what users
enter; they take these from here. The edge (`tracktion.api.shapes`) builds the rest of the
answers on them and re-exports them for handlers, so each is defined once and the domain
never imports the edge.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import ConfigDict, Field

from tracktion.models import Model

# Physical bounds of user-entered values, shared by every request model (issue 10, point 6).
MAX_SET_SECONDS = 48 * 3600
MAX_POSITION = 999


class Out(Model):
    """Base of every answer model: documented fields declared, additions allowed through."""

    model_config = ConfigDict(defer_build=True, extra="allow")


def hms(seconds: float | None, *, pad_hours: bool = True) -> str | None:
    """`"HH:MM:SS"` (hours grow past 99 rather than wrap) for seconds; `None` stays `None`.

    `pad_hours=False` gives the reference's durations (`"2:00:00"`), rounded the same way.
    """
    if seconds is None or seconds != seconds or math.isinf(seconds):
        return None
    whole = max(0, math.floor(seconds + 0.5))
    hh, rest = divmod(whole, 3600)
    mm, ss = divmod(rest, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}" if pad_hours else f"{hh}:{mm:02d}:{ss:02d}"


class Warning_(Out):
    """A documented option we accepted but could not act on, or a reading we chose."""

    type: str = Field(description="e.g. option_ignored, time_reading, conversion_warning")
    message: str
    severity: Literal["info", "warning"] = "warning"
    field: str | None = None


def warning(
    type_: str, message: str, *, field: str | None = None, severity: str = "warning"
) -> dict[str, Any]:
    return Warning_(type=type_, message=message, field=field, severity=severity).model_dump(  # type: ignore[arg-type]
        mode="json", exclude_none=True
    )


class OffsetPagination(Out):
    """limit/offset lists (CUE files, tracklists, batches): the reference's `pagination` object."""

    limit: int
    offset: int
    total: int
    has_more: bool
    returned: int


def offset_pagination(limit: int, offset: int, total: int, returned: int) -> dict[str, Any]:
    return OffsetPagination(
        limit=limit, offset=offset, total=total, has_more=offset + returned < total, returned=returned
    ).model_dump(mode="json")
