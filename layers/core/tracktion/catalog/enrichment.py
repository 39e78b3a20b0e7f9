"""Matching a stored tracklist to the catalog and keeping what is confident.

Matching talks to slow providers, so it runs before the write; the write is then one
conditional edit that applies each match only to a track still as it was when matched (same
position, artist and title), so a concurrent edit is never overwritten with stale data.
Catalog data fills BPM, key, genre and label only where the track has none: what a user typed
is never replaced.
"""

from __future__ import annotations

from typing import Any

from tracktion.catalog.matching import MatchResult
from tracktion.catalog.model import TrackQuery
from tracktion.catalog.own_catalog import OwnCatalog
from tracktion.catalog.service import Catalog, match_public
from tracktion.observability import logger
from tracktion.tracklists import editing
from tracktion.tracklists.model import Track, Tracklist
from tracktion.tracklists.store import TracklistStore


def apply_match(track: Track, r: MatchResult) -> Track:
    """The track with its catalog entry: id, source, confidence; BPM, key, genre and label only
    where the track has none (what the client typed is never replaced). Unmatched: unchanged."""
    c = r.track
    if not r.matched or c is None:
        return track
    return track.model_copy(
        update={
            "catalog_track_id": c.id,
            "catalog_source": c.source,
            "match_confidence": r.confidence,
            "bpm": track.bpm if track.bpm is not None else c.bpm,
            "key": track.key or c.key,
            "genre": track.genre or c.genre,
            "label": track.label or c.label,
        }
    )


def match_tracklist(
    store: TracklistStore,
    owner_id: str,
    tracklist_id: str,
    threshold: float,
    expected_version: int | None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    catalog = catalog or Catalog.from_config()
    current = store.get(tracklist_id, owner_id)
    if expected_version is not None and expected_version != current.version:
        from tracktion.tracklists.store import VersionConflict

        raise VersionConflict(tracklist_id, current.version)
    queries = [
        TrackQuery(artist=t.artist, title=t.title, remix=t.remix, position=t.position) for t in current.tracks
    ]
    results, notes = catalog.match(queries, threshold)
    by_position = {r.query.position: r for r in results if r.matched}
    seen = {t.position: (t.artist, t.title) for t in current.tracks}

    def change(t: Tracklist) -> Tracklist:
        tracks = []
        for track in t.tracks:
            r = by_position.get(track.position)
            still_same = seen.get(track.position) == (track.artist, track.title)
            tracks.append(apply_match(track, r) if r is not None and still_same else track)
        return t.model_copy(update={"tracks": tracks})

    saved = editing.edit(store, tracklist_id, owner_id, None, change) if by_position else current
    try:
        OwnCatalog().remember_tracklist(saved)
    except Exception:  # the own catalog is a cache; a failure must not fail the match
        logger.exception("could not remember tracklist tracks")
    return {
        "tracklist": saved.model_dump(mode="json"),
        "threshold": threshold,
        "matched": len(by_position),
        "results": [match_public(r) for r in results],
        "notes": [n.model_dump() for n in notes],
    }
