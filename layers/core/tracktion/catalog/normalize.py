"""How tracklists and catalogs spell the same track differently, undone before comparing.

Artists: "A feat. B", "A ft B", "A & B", "A x B", "A vs. B", "A, B" all name the set {a, b}.
Titles: bracketed parts and " - Extended Mix" suffixes are mix names, not title; a "(feat. C)"
in the title is an artist. Mix names: "Original Mix", "Extended Mix", "Radio Edit"... all mean
the original; "X Remix" / "X Extended Remix" / "X Dub" mean X's version; "(ID Remix)" is a remix
by someone unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

UNKNOWN = "id"

_ARTIST_SPLIT = re.compile(
    r"\s*(?:\bfeat\.?|\bft\.?|\bfeaturing\b|\bvs\.?|\bversus\b|\bpres\.?|\bpresents\b|\bwith\b|\band\b"
    r"|&|\+|,|/|\bx\b)\s*",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\s*[\(\[]([^\)\]]*)[\)\]]\s*")
_FEAT_IN_TITLE = re.compile(r"^(?:feat\.?|ft\.?|featuring)\s+(.+)$", re.IGNORECASE)
_DASH_MIX = re.compile(
    r"\s+-\s+(.*\b(?:mix|remix|edit|dub|version|rework|bootleg|vip|instrumental)\b.*)$", re.IGNORECASE
)
_NON_WORD = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")

# Mix names that all mean "the original track" for matching purposes.
ORIGINAL_MIXES = {
    "original",
    "original mix",
    "extended",
    "extended mix",
    "extended version",
    "radio edit",
    "radio mix",
    "radio version",
    "club mix",
    "extended club mix",
    "main mix",
    "album version",
    "album mix",
    "single version",
    "original extended mix",
}
_VERSION_WORDS = re.compile(
    r"\b(?:extended|original|radio|club|remix|rmx|mix|edit|dub|version|rework|bootleg|vip|re-?edit"
    r"|remode|flip|instrumental)\b",
    re.IGNORECASE,
)

MixKind = Literal["original", "remix", "unknown_remix", "other"]


def fold(text: str | None) -> str:
    """Casefolded, accents stripped, punctuation dropped, spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = plain.replace("&", " and ")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", plain)).strip()


def split_artists(text: str | None) -> list[str]:
    """The individual artists of an artist line, folded, in order, without duplicates."""
    out: list[str] = []
    for part in _ARTIST_SPLIT.split(text or ""):
        name = fold(part)
        if name and name not in out:
            out.append(name)
    return out


@dataclass(frozen=True)
class Mix:
    kind: MixKind
    remixer: str | None = None  # folded; "id" for an unknown remixer
    text: str = ""


def classify_mix(text: str | None) -> Mix:
    """What a mix name says about the version."""
    folded = fold(text)
    if not folded or folded in ORIGINAL_MIXES:
        return Mix("original", None, folded)
    who = fold(_VERSION_WORDS.sub(" ", folded))
    if not _VERSION_WORDS.search(folded):
        return Mix("other", None, folded)
    if "mix" in folded.split() and not who:
        return Mix("original", None, folded)
    if who in (UNKNOWN, "unknown", ""):
        return Mix("unknown_remix", UNKNOWN, folded)
    return Mix("remix", who, folded)


@dataclass(frozen=True)
class NormalizedTrack:
    artists: list[str]
    title: str
    mix: Mix
    featured: list[str] = field(default_factory=list)

    @property
    def artist_line(self) -> str:
        return " ".join(self.artists)

    @property
    def is_unidentified(self) -> bool:
        """ "ID - ID" (or any track whose title is ID) names nothing that can be matched."""
        return self.title in (UNKNOWN, "") or (self.artists in ([], [UNKNOWN]) and self.title == UNKNOWN)


def normalize_track(artist: str | None, title: str | None, mix: str | None = None) -> NormalizedTrack:
    """A track's comparable form: artists (with featured ones), bare title, and its mix."""
    raw_title = (title or "").strip()
    mix_parts: list[str] = [mix] if mix else []
    featured: list[str] = []
    for inner in _BRACKETS.findall(raw_title):
        feat = _FEAT_IN_TITLE.match(inner.strip())
        if feat:
            featured.extend(split_artists(feat.group(1)))
        else:
            mix_parts.append(inner)
    bare = _BRACKETS.sub(" ", raw_title)
    dash = _DASH_MIX.search(bare)
    if dash:
        mix_parts.append(dash.group(1))
        bare = bare[: dash.start()]
    artists = split_artists(artist)
    for f in featured:
        if f not in artists:
            artists.append(f)
    mixes = [classify_mix(p) for p in mix_parts if fold(p)]
    chosen = next((m for m in mixes if m.kind in ("remix", "unknown_remix")), None) or (
        mixes[0] if mixes else Mix("original")
    )
    return NormalizedTrack(artists=artists, title=fold(bare), mix=chosen, featured=featured)
