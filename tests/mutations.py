"""Mutated real samples for the parser fuzz tests (hypothesis): one way to damage a file.

A sample drawn from `samples` gets one to six edits: a byte flipped, a run cut (up to `max_cut`
bytes), random bytes spliced in, a run repeated, or a byte turned into one of `separators`
(digits and the characters the format's syntax hangs on).
"""

from __future__ import annotations

from hypothesis import strategies as st


def mutate(draw: st.DrawFn, samples: dict[str, bytes], *, max_cut: int, separators: str) -> bytes:
    data = bytearray(samples[draw(st.sampled_from(sorted(samples)))])
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "digit"]))
        at = draw(st.integers(min_value=0, max_value=max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(min_value=1, max_value=max_cut))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(min_value=1, max_value=300))]
        elif kind == "digit" and data:
            data[at] = ord(draw(st.sampled_from(separators)))
    return bytes(data)
