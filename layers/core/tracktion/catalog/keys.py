"""Musical keys and the Camelot wheel DJs mix by.

Computed, not tabled: a key's Camelot number is its distance in fifths from A minor (8A) or
C major (8B), which also makes enharmonic spellings (A# minor = Bb minor = 3A) agree.
"""

from __future__ import annotations

import re

_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY = re.compile(r"^\s*([A-Ga-g])\s*([#♯b♭]?)\s*(maj(?:or)?|min(?:or)?|m)?\s*$", re.IGNORECASE)
_CAMELOT = re.compile(r"^\s*(1[0-2]|[1-9])\s*([ABab])\s*$")


def pitch_class(letter: str, accidental: str) -> int:
    shift = 1 if accidental in ("#", "♯") else -1 if accidental in ("b", "♭") else 0
    return (_PITCH[letter.upper()] + shift) % 12


def parse_key(name: str | None) -> tuple[int, bool] | None:
    """(pitch class, is_minor) of "Ab Minor", "F# Major", "Am", "C#min"; None when unreadable."""
    if not name:
        return None
    m = _KEY.match(name)
    if not m:
        return None
    letter, accidental, quality = m.groups()
    # A lone "b" after the letter is a flat; "m"/"min"/"minor" is minor; no quality is major.
    is_minor = bool(quality) and quality.lower().startswith("m") and not quality.lower().startswith("maj")
    return pitch_class(letter, accidental), is_minor


def camelot(name: str | None) -> str | None:
    """The Camelot code ("1A".."12B") of a key name, or None."""
    parsed = parse_key(name)
    if parsed is None:
        return None
    pc, is_minor = parsed
    tonic_of_8 = 9 if is_minor else 0  # A minor is 8A, C major is 8B
    fifths = (7 * (pc - tonic_of_8)) % 12  # 7 is its own inverse mod 12
    return f"{(7 + fifths) % 12 + 1}{'A' if is_minor else 'B'}"


def normalise_key_filter(text: str) -> str | None:
    """A user's key filter ("8A", "a minor", "Am") as a Camelot code."""
    m = _CAMELOT.match(text)
    if m:
        return f"{int(m.group(1))}{m.group(2).upper()}"
    return camelot(text)
