"""The catalog as the API sees it: search and match across the configured providers.

A provider that cannot answer (not configured, refusing, rate limiting, down) contributes a
note instead of failing the request, so the service keeps working without Beatport. Matching
asks providers in order and stops at the first confident match that carries catalog data
(BPM/key); a match found only in our own table does not stop Beatport from being asked.
Confident matches from outside providers are remembered in the own catalog.
"""

from __future__ import annotations

import time
from typing import Any

from tracktion.catalog.keys import normalise_key_filter
from tracktion.catalog.matching import MatchResult, best_match, normalize_candidate, normalize_query, score
from tracktion.catalog.model import CatalogTrack, ProviderNote, TrackQuery
from tracktion.catalog.providers import CatalogProvider, providers_from_config
from tracktion.catalog.transport import ProviderUnavailable
from tracktion.config import CatalogSettings, get
from tracktion.errors import BadRequest
from tracktion.models import Model
from tracktion.observability import logger

CANDIDATES_PER_PROVIDER = 10


class TrackFilters(Model):
    genre: str | None = None
    bpm_min: float | None = None
    bpm_max: float | None = None
    key: str | None = None

    def accepts(self, t: CatalogTrack) -> bool:
        if self.genre and (not t.genre or self.genre.casefold() not in t.genre.casefold()):
            return False
        if self.bpm_min is not None and (t.bpm is None or t.bpm < self.bpm_min):
            return False
        if self.bpm_max is not None and (t.bpm is None or t.bpm > self.bpm_max):
            return False
        if self.key:
            wanted = normalise_key_filter(self.key)
            if wanted is None or t.camelot != wanted:
                return False
        return True

    @property
    def active(self) -> bool:
        return any(v is not None for v in self.model_dump().values())


class Catalog:
    def __init__(self, providers: list[CatalogProvider]) -> None:
        self.providers = providers

    @classmethod
    def from_config(cls) -> Catalog:
        return cls(providers_from_config())

    # ------------------------------------------------------------------ search
    def _ask(
        self,
        provider: CatalogProvider,
        notes: dict[str, ProviderNote],
        text: str | None,
        limit: int,
        artist: str | None = None,
        title: str | None = None,
    ) -> list[CatalogTrack]:
        if provider.name in notes:  # already failed during this request: do not hammer it
            return []
        try:
            return provider.search(text, limit, artist=artist, title=title)
        except ProviderUnavailable as exc:
            notes[provider.name] = ProviderNote(
                provider=provider.name, status=exc.reason, message=exc.message
            )
            return []

    def search(
        self, text: str | None, artist: str | None, title: str | None, limit: int
    ) -> tuple[list[CatalogTrack], list[ProviderNote]]:
        notes: dict[str, ProviderNote] = {}
        merged: dict[str, CatalogTrack] = {}
        for p in self.providers:
            for t in self._ask(p, notes, text, limit, artist, title):
                merged.setdefault(t.id, t)
        tracks = list(merged.values())
        if artist or title:
            nq = normalize_query(TrackQuery(artist=artist or "", title=title or text or ""))
            tracks.sort(key=lambda c: score(nq, normalize_candidate(c)).score, reverse=True)
        return tracks[:limit], list(notes.values())

    def search_request(
        self, *, query: str | None, artist: str | None, title: str | None, limit: int
    ) -> dict[str, Any]:
        """GET /api/v1/tracklists/catalog/search: `results` in the reference's shape
        (catalog_track_id, artist, title, album, genre, bpm, key, confidence, then our fields),
        best first, with the providers asked and their notes beside."""
        if not any(v and v.strip() for v in (query, artist, title)):
            raise BadRequest("Give `query`, or `artist` and/or `title`", error_code="MISSING_QUERY")
        tracks, notes = self.search(query, artist, title, limit)
        nq = normalize_query(TrackQuery(artist=artist or "", title=title or query or ""))
        results = []
        for t in tracks:
            if artist or title:
                confidence = score(nq, normalize_candidate(t)).score
            else:
                confidence = _text_confidence(query or "", t)
            results.append(catalog_result(t, confidence))
        results.sort(key=lambda r: r["confidence"], reverse=True)
        return {
            "query": {"query": query, "artist": artist, "title": title},
            "results": results,
            "providers": [p.name for p in self.providers],
            "notes": [n.model_dump() for n in notes],
        }

    def search_tracks(self, q: str, limit: int, filters: TrackFilters) -> dict[str, Any]:
        """GET /api/v1/search/tracks: free text with genre/BPM/key filters applied to the results."""
        if filters.key and normalise_key_filter(filters.key) is None:
            raise BadRequest(
                f"Unknown key {filters.key!r} (use e.g. 8A or 'A Minor')", error_code="INVALID_KEY"
            )
        fetch = min(100, limit * 3) if filters.active else limit
        tracks, notes = self.search(q, None, None, fetch)
        kept = [t for t in tracks if filters.accepts(t)][:limit]
        return {"tracks": [t.public() for t in kept], "notes": [n.model_dump() for n in notes]}

    # ------------------------------------------------------------------ match
    def match(
        self, queries: list[TrackQuery], threshold: float
    ) -> tuple[list[MatchResult], list[ProviderNote]]:
        notes: dict[str, ProviderNote] = {}
        budget = get(CatalogSettings).match_budget_seconds
        deadline = time.monotonic() + budget
        results: list[MatchResult] = []
        remembered: list[CatalogTrack] = []
        for q in queries:
            if normalize_query(q).is_unidentified:
                results.append(best_match(q, [], threshold))
                continue
            if time.monotonic() > deadline:
                results.append(
                    MatchResult(
                        query=q,
                        matched=False,
                        explanation=[
                            f"not attempted: the {budget:.0f}-second matching budget ran out; retry"
                        ],
                    )
                )
                continue
            result = self._match_one(q, threshold, notes)
            if result.matched and result.track is not None and result.track.source != "own":
                remembered.append(result.track)
            results.append(result)
        self._remember(remembered)
        return results, list(notes.values())

    def _match_one(self, q: TrackQuery, threshold: float, notes: dict[str, ProviderNote]) -> MatchResult:
        candidates: list[CatalogTrack] = []
        best = best_match(q, [], threshold)
        for p in self.providers:
            candidates.extend(self._ask(p, notes, None, CANDIDATES_PER_PROVIDER, q.artist, q.title))
            # Rich sources first, so a tie prefers the entry that carries BPM and key.
            ordered = sorted(candidates, key=lambda c: c.source == "own")
            best = best_match(q, ordered, threshold)
            if best.matched and best.track is not None and best.track.source != "own":
                break
        return best

    def _remember(self, tracks: list[CatalogTrack]) -> None:
        own = next((p for p in self.providers if p.name == "own"), None)
        if own is None or not tracks:
            return
        try:
            own.remember(tracks)  # type: ignore[attr-defined]
        except Exception:  # remembering is a cache: never fail a match for it
            logger.exception("could not remember matched tracks")


def catalog_result(t: CatalogTrack, confidence: float) -> dict[str, Any]:
    """A catalog entry as the reference's search answer shows it, our fields beside."""
    return {
        "catalog_track_id": t.id,
        "artist": t.artist,
        "title": t.title,
        "album": t.release,
        "genre": t.genre,
        "bpm": t.bpm,
        "key": t.key,
        "confidence": round(confidence, 4),
        **t.public(),
        "release_date": t.release_date,
    }


def _text_confidence(text: str, t: CatalogTrack) -> float:
    """How well a free-text query covers an entry (0..1): rapidfuzz token-set ratio."""
    from rapidfuzz import fuzz

    mix = f" {t.mix_name}" if t.mix_name else ""
    return fuzz.token_set_ratio(text.casefold(), f"{t.artist} {t.title}{mix}".casefold()) / 100


def match_public(r: MatchResult) -> dict[str, Any]:
    return {
        "position": r.query.position,
        "artist": r.query.artist,
        "title": r.query.title,
        "remix": r.query.remix,
        "matched": r.matched,
        "catalog_track_id": r.catalog_track_id,
        "confidence": r.confidence,
        "track": r.track.public() if r.track else None,
        "explanation": r.explanation,
    }
