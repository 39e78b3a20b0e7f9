"""CueTime: a position in a CUE sheet, `mm:ss:ff` at 75 frames per second.

Times are held as whole frames so that arithmetic never drifts; seconds convert by
rounding to the nearest frame (halves up) (the finest position a sheet can state).
"""

from __future__ import annotations

import functools
import math
import re

FRAMES_PER_SECOND = 75
_MSF = re.compile(r"^(\d{1,4}):([0-5]\d):([0-6]\d|7[0-4])$")


def msf(frames: int) -> str:
    """`mm:ss:ff` for a frame count (minutes grow past 99 rather than wrap)."""
    total_seconds, ff = divmod(frames, FRAMES_PER_SECOND)
    mm, ss = divmod(total_seconds, 60)
    return f"{mm:02d}:{ss:02d}:{ff:02d}"


@functools.total_ordering
class CueTime:
    """Immutable by convention; a plain slotted class because sheets create thousands."""

    __slots__ = ("frames",)

    def __init__(self, frames: int) -> None:
        if frames < 0:
            raise ValueError("a cue time cannot be negative")
        self.frames = frames

    @classmethod
    def from_seconds(cls, seconds: float) -> CueTime:
        # Half up, not Python's half-to-even, so 0.5 frame always lands on the later frame.
        return cls(math.floor(seconds * FRAMES_PER_SECOND + 0.5))

    @classmethod
    def parse(cls, text: str) -> CueTime:
        """Read `mm:ss:ff`; minutes may pass 99 (long mixes), seconds < 60, frames < 75."""
        match = _MSF.match(text.strip())
        if not match:
            raise ValueError(f"not a cue time (mm:ss:ff): {text!r}")
        minutes, seconds, frames = (int(g) for g in match.groups())
        return cls((minutes * 60 + seconds) * FRAMES_PER_SECOND + frames)

    @property
    def seconds(self) -> float:
        return self.frames / FRAMES_PER_SECOND

    @property
    def minutes(self) -> int:
        return self.frames // (60 * FRAMES_PER_SECOND)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CueTime) and other.frames == self.frames

    def __lt__(self, other: CueTime) -> bool:
        return self.frames < other.frames

    def __hash__(self) -> int:
        return hash(self.frames)

    def __add__(self, other: CueTime) -> CueTime:
        return CueTime(self.frames + other.frames)

    def __sub__(self, other: CueTime) -> CueTime:
        return CueTime(self.frames - other.frames)

    def __repr__(self) -> str:
        return f"CueTime({self.frames})"

    def __str__(self) -> str:
        return msf(self.frames)
