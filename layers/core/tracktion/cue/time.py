"""CueTime: a position in a CUE sheet, `mm:ss:ff` at 75 frames per second.

Times are held as whole frames so that arithmetic never drifts; seconds convert by
rounding to the nearest frame (halves up) (the finest position a sheet can state).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

FRAMES_PER_SECOND = 75
_MSF = re.compile(r"^(\d{1,4}):([0-5]\d):([0-6]\d|7[0-4])$")


@dataclass(frozen=True, order=True, slots=True)
class CueTime:
    frames: int

    def __post_init__(self) -> None:
        if self.frames < 0:
            raise ValueError("a cue time cannot be negative")

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

    def __add__(self, other: CueTime) -> CueTime:
        return CueTime(self.frames + other.frames)

    def __sub__(self, other: CueTime) -> CueTime:
        return CueTime(self.frames - other.frames)

    def __str__(self) -> str:
        total_seconds, ff = divmod(self.frames, FRAMES_PER_SECOND)
        mm, ss = divmod(total_seconds, 60)
        return f"{mm:02d}:{ss:02d}:{ff:02d}"
