"""Fuzzy matching of a tracklist's track to catalog candidates, with the reasons.

Score = 0.40 title + 0.35 artists + 0.25 mix, each 0..1 (rapidfuzz on normalised text). The
mix weight is large enough that the right song in the wrong remix falls below the default
threshold (0.8): a DJ who played "Strobe (Victor Ruiz Remix)" must not be told the original.
"ID - ID" tracks are never matched. A candidate matches only at or above the threshold.
"""

from __future__ import annotations

from pydantic import Field
from rapidfuzz import fuzz

from tracktion.catalog.model import CatalogTrack, TrackQuery
from tracktion.catalog.normalize import Mix, NormalizedTrack, normalize_track
from tracktion.models import Model

W_TITLE, W_ARTIST, W_MIX = 0.40, 0.35, 0.25
REMIXER_CUTOFF = 0.7


class MatchScore(Model):
    score: float
    title: float
    artist: float
    mix: float
    reasons: list[str] = Field(default_factory=list)


class MatchResult(Model):
    query: TrackQuery
    matched: bool
    catalog_track_id: str | None = None
    confidence: float | None = None
    track: CatalogTrack | None = None
    explanation: list[str] = Field(default_factory=list)
    candidates_considered: int = 0


def _pct(x: float) -> str:
    return f"{round(x * 100)}%"


def _artist_score(q: NormalizedTrack, c: NormalizedTrack) -> float:
    if not q.artists or not c.artists:
        return 0.0
    # Token-set ratio forgives order and an extra featured artist on one side.
    return fuzz.token_set_ratio(" ".join(sorted(q.artists)), " ".join(sorted(c.artists))) / 100


def _mix_score(q: Mix, c: Mix) -> tuple[float, str]:
    if q.kind == "original" and c.kind == "original":
        return 1.0, "both are the original mix"
    if q.kind == "remix" and c.kind == "remix":
        s = fuzz.token_set_ratio(q.remixer or "", c.remixer or "") / 100
        if s < REMIXER_CUTOFF:  # two different remixers are simply different versions
            return 0.0, f"remix by '{q.remixer}' is not '{c.remixer}''s remix ({_pct(s)} alike)"
        return s, f"remix by '{q.remixer}' vs '{c.remixer}' ({_pct(s)})"
    if q.kind == "unknown_remix":
        if c.kind == "remix":
            return 0.6, f"an unknown remix (ID Remix) could be '{c.remixer}'s remix"
        return 0.2, "the tracklist names a remix, the candidate is the original"
    if q.kind == "original" and c.kind == "remix":
        return 0.4, f"no mix named in the tracklist; the candidate is '{c.remixer}'s remix"
    if q.kind == "remix" and c.kind == "original":
        return 0.0, f"the tracklist names '{q.remixer}'s remix, the candidate is the original"
    s = fuzz.ratio(q.text, c.text) / 100 if q.text or c.text else 1.0
    return s, f"mix '{q.text}' vs '{c.text}' ({_pct(s)})"


def normalize_query(q: TrackQuery) -> NormalizedTrack:
    return normalize_track(q.artist, q.title, q.remix)


def normalize_candidate(c: CatalogTrack) -> NormalizedTrack:
    artists = " & ".join(c.artists) if c.artists else c.artist
    mix = c.mix_name
    if not mix and c.remixers:
        mix = f"{' & '.join(c.remixers)} Remix"
    return normalize_track(artists, c.title, mix)


def score(q: NormalizedTrack, c: NormalizedTrack) -> MatchScore:
    title = fuzz.ratio(q.title, c.title) / 100
    artist = _artist_score(q, c)
    mix, mix_reason = _mix_score(q.mix, c.mix)
    total = round(W_TITLE * title + W_ARTIST * artist + W_MIX * mix, 4)
    reasons = [
        f"title '{q.title}' vs '{c.title}' ({_pct(title)})",
        f"artists '{', '.join(q.artists)}' vs '{', '.join(c.artists)}' ({_pct(artist)})",
        f"mix: {mix_reason}",
    ]
    return MatchScore(score=total, title=title, artist=artist, mix=mix, reasons=reasons)


def best_match(query: TrackQuery, candidates: list[CatalogTrack], threshold: float) -> MatchResult:
    """The best candidate if it reaches the threshold, with why (or why not)."""
    nq = normalize_query(query)
    if nq.is_unidentified:
        return MatchResult(
            query=query,
            matched=False,
            explanation=["unidentified track (ID): never matched to a catalog entry"],
        )
    if not candidates:
        return MatchResult(query=query, matched=False, explanation=["no catalog candidates found"])
    scored = sorted(
        ((score(nq, normalize_candidate(c)), c) for c in candidates),
        key=lambda pair: pair[0].score,
        reverse=True,
    )
    top, track = scored[0]
    verdict = (
        f"score {top.score:.2f} {'≥' if top.score >= threshold else '<'} threshold {threshold:.2f}: "
        f"{'matched' if top.score >= threshold else 'not matched'} to {track.id}"
    )
    if top.score < threshold:
        return MatchResult(
            query=query,
            matched=False,
            confidence=top.score,
            explanation=[*top.reasons, verdict],
            candidates_considered=len(candidates),
        )
    return MatchResult(
        query=query,
        matched=True,
        catalog_track_id=track.id,
        confidence=top.score,
        track=track,
        explanation=[*top.reasons, verdict],
        candidates_considered=len(candidates),
    )
