"""Tracktion's own catalog: every track seen in imports and every confident match.

It answers when Beatport cannot (absent, refusing) and makes repeat matches free. Items live
in the tracklists table under their own prefix, with a small word index so a search is a
few Queries, never a Scan:
- track:  pk=CAT#TRACK#{catalog id}  sk=TRACK           body = the CatalogTrack as JSON
- word:   pk=CAT#WORD#{folded word}  sk={catalog id}    body = the same JSON (one read per hit)
Catalog ids keep their origin: a matched Beatport track stays `beatport:<id>`; a track only
seen in a tracklist is `own:<hash of its normalised artist, title and mix>`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from tracktion.catalog.model import CatalogTrack
from tracktion.catalog.normalize import fold, normalize_track
from tracktion.clock import iso
from tracktion.config import settings
from tracktion.storage.aws import table
from tracktion.tracklists.model import Track, Tracklist

NAME = "own"
MAX_WORDS = 8
_STOP = {
    "the", "and", "mix", "original", "extended", "remix", "feat", "edit", "radio", "version",
    "club", "dub", "for", "with", "from", "you", "your",
}  # fmt: skip


def words(text: str) -> list[str]:
    """Index words of a text: folded, distinctive (≥ 3 letters, not a mix word), longest first."""
    seen: list[str] = []
    for w in fold(text).split():
        if (len(w) >= 3 or w.isdigit()) and w not in _STOP and w not in seen:
            seen.append(w)
    return sorted(seen, key=len, reverse=True)


def own_id(artist: str, title: str, remix: str | None) -> str:
    n = normalize_track(artist, title, remix)
    basis = "|".join([",".join(sorted(n.artists)), n.title, n.mix.kind, n.mix.remixer or ""])
    return f"{NAME}:{hashlib.sha256(basis.encode()).hexdigest()[:16]}"


def from_track(track: Track) -> CatalogTrack | None:
    """A tracklist's track as an own-catalog entry; ID tracks name nothing and are skipped."""
    if track.is_unidentified or fold(track.title) in ("id", ""):
        return None
    cid = own_id(track.artist, track.title, track.remix)
    return CatalogTrack(
        id=cid,
        source=NAME,
        source_id=cid.split(":", 1)[1],
        title=track.title,
        mix_name=track.remix,
        artist=track.artist,
        label=track.label,
        genre=track.genre,
        bpm=track.bpm,
        key=track.key,
    )


class OwnCatalog:
    name = NAME

    def __init__(self, table_name: str | None = None) -> None:
        self.table_name = table_name or settings().tracklists_table

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def remember(self, tracks: list[CatalogTrack]) -> int:
        """Store (or refresh) tracks and their index words; returns how many were written."""
        unique = {t.id: t for t in tracks}
        now = iso()
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for t in unique.values():
                body = t.model_dump_json()
                batch.put_item(Item={"pk": f"CAT#TRACK#{t.id}", "sk": "TRACK", "body": body, "seen_at": now})
                for w in words(f"{t.artist} {t.title}")[:MAX_WORDS]:
                    batch.put_item(Item={"pk": f"CAT#WORD#{w}", "sk": t.id, "body": body})
        return len(unique)

    def remember_tracklist(self, tracklist: Tracklist) -> int:
        """Every identified track of a tracklist (importers call this after a successful import)."""
        entries = [e for e in (from_track(t) for t in tracklist.tracks) if e is not None]
        return self.remember(entries) if entries else 0

    def get(self, catalog_id: str) -> CatalogTrack | None:
        item = self._table.get_item(Key={"pk": f"CAT#TRACK#{catalog_id}", "sk": "TRACK"}).get("Item")
        return CatalogTrack.model_validate_json(item["body"]) if item else None

    def search(
        self, text: str | None, limit: int = 20, artist: str | None = None, title: str | None = None
    ) -> list[CatalogTrack]:
        """Tracks sharing the query's most distinctive words, most shared words first."""
        query_words = words(" ".join(p for p in (text, artist, title) if p))[:3]
        hits: Counter[str] = Counter()
        found: dict[str, CatalogTrack] = {}
        for w in query_words:
            page = self._table.query(
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": f"CAT#WORD#{w}"},
                Limit=50,
            )
            for item in page.get("Items", []):
                cid = str(item["sk"])
                hits[cid] += 1
                if cid not in found:
                    found[cid] = CatalogTrack.model_validate_json(item["body"])
        return [found[cid] for cid, _n in hits.most_common(limit)]
