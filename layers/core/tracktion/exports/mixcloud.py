"""Mixcloud: the upload API's section fields, and a check of Mixcloud's US licensing rules.

Upload API (https://www.mixcloud.com/developers/#uploading): a section is a track
(`sections-N-artist`, `sections-N-song`, `sections-N-start_time` in whole seconds) or a chapter
(`sections-N-chapter`, `sections-N-start_time`), N from 0. Rows played together (`w/`) are
sections of their own at their group's start (each is a track Mixcloud licenses). Unidentified
rows ("ID - ID") are chapters named "ID" by default (`unidentified="track"` sends them as
tracks, `"skip"` leaves them out); "Artist - ID" keeps its artist.

Licensing check (Mixcloud's rules for listeners in the US, from the DMCA's sound-recording
performance complement): at most 4 tracks by one artist in a show, at most 3 of them in a row;
at most 3 tracks from one release (album), at most 2 of them in a row; an upload at least 15
minutes long. A track counts for each of its artists ("A & B ft. C" counts for A, B and C).
A row's release is its catalog number where the source names one (1001tracklists rows and
pasted `[LABEL - CAT123]` text carry it); rows without one are listed under `not_checked` for
the release rules (a label alone is not a release).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from tracktion.contract import warning
from tracktion.exports.chapters import chapters
from tracktion.tracklists.estimates import Estimated
from tracktion.tracklists.model import UNIDENTIFIED, Track

MAX_BY_ARTIST = 4
MAX_ARTIST_IN_A_ROW = 3
MAX_FROM_RELEASE = 3
MAX_RELEASE_IN_A_ROW = 2
MIN_UPLOAD_SECONDS = 15 * 60

Unidentified = Literal["chapter", "track", "skip"]

_ARTIST_SPLIT = re.compile(
    r"\s*(?:,|&|\+)\s*|\s+(?:x|feat\.?|ft\.?|featuring|vs\.?|pres\.?)\s+",
    re.IGNORECASE,
)


def _is_unknown(name: str) -> bool:
    return not name.strip() or name.strip().upper() == UNIDENTIFIED


def sections(est: Estimated, unidentified: Unidentified = "chapter") -> list[dict[str, Any]]:
    """The sections in order, each `{"artist", "song", "start_time"}` or `{"chapter", "start_time"}`."""
    out: list[dict[str, Any]] = []
    floor = 0
    for c in chapters(est):
        start = int(c.start + 0.5) if c.start > 0 else 0
        if start < floor:  # a time out of order: kept in the tracklist's order, said so
            out.append({"raised": c.positions[0], "from": start})
            start = floor
        floor = start
        for t in c.tracks:
            unknown = t.is_unidentified or _is_unknown(t.title)
            if unknown and unidentified == "skip":
                continue
            if unknown and unidentified == "chapter":
                name = UNIDENTIFIED if _is_unknown(t.artist) else f"{t.artist} - {UNIDENTIFIED}"
                out.append({"chapter": name, "start_time": start, "position": t.position})
                continue
            out.append(
                {"artist": t.artist, "song": t.display_title, "start_time": start, "position": t.position}
            )
    raised = [s for s in out if "raised" in s]
    if raised:
        out = [s for s in out if "raised" not in s]
        by_pos = {s["position"]: s for s in out}
        for r in raised:
            if r["raised"] in by_pos:
                by_pos[r["raised"]]["start_time_raised_from"] = r["from"]
    return out


def order_warnings(secs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A warning naming the sections whose time was raised to keep the upload in time order."""
    raised = [s["position"] for s in secs if "start_time_raised_from" in s]
    if not raised:
        return []
    return [
        warning(
            "start_time_raised",
            f"Track(s) {', '.join(map(str, raised))} start before the track before them; "
            "their sections start with it instead (Mixcloud sections run in time order)",
        )
    ]


def form_fields(secs: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The sections as the upload form's fields (`sections-0-artist` ...), in order."""
    fields: dict[str, str] = {}
    for n, s in enumerate(secs):
        for key in ("chapter", "artist", "song", "start_time"):
            if key in s:
                fields[f"sections-{n}-{key}"] = str(s[key])
    return fields


def form_body(fields: dict[str, str]) -> str:
    return urlencode(list(fields.items()))


# ---------------------------------------------------------------- licensing check


@dataclass(frozen=True)
class CheckRow:
    """What the licensing rules look at in one played row."""

    position: int
    artist: str
    release: str | None = None


def artists(name: str) -> list[str]:
    """Each artist credited in an artist line, lower-cased ("ID" credits nobody)."""
    out = []
    for part in _ARTIST_SPLIT.split(name):
        part = part.strip().strip("()").strip()
        if part and not _is_unknown(part) and part.lower() not in out:
            out.append(part.lower())
    return out


def rows_of(tracks: Sequence[Track]) -> list[CheckRow]:
    return [
        CheckRow(t.position, "" if t.is_unidentified else t.artist, getattr(t, "catalog_number", None))
        for t in sorted(tracks, key=lambda x: x.position)
    ]


def _names(rows: Sequence[CheckRow]) -> dict[str, str]:
    """Each artist key with the spelling first seen."""
    shown: dict[str, str] = {}
    for r in rows:
        for part in _ARTIST_SPLIT.split(r.artist):
            part = part.strip().strip("()").strip()
            if part and not _is_unknown(part):
                shown.setdefault(part.lower(), part)
    return shown


def _runs(rows: Sequence[CheckRow], keys_of: Any, limit: int) -> list[tuple[str, list[int]]]:
    """Every maximal run of consecutive rows sharing a key that is longer than `limit`."""
    found: list[tuple[str, list[int]]] = []
    current: dict[str, list[int]] = {}
    for r in rows:
        keys = set(keys_of(r))
        for k in list(current):
            if k not in keys:
                if len(current[k]) > limit:
                    found.append((k, current[k]))
                del current[k]
        for k in keys:
            current.setdefault(k, []).append(r.position)
    found += [(k, run) for k, run in current.items() if len(run) > limit]
    return sorted(found, key=lambda f: f[1][0])


def check(rows: Sequence[CheckRow], length_seconds: float | None) -> dict[str, Any]:
    """Every breach of the US licensing rules, each naming the rule, the artist/release and rows."""
    breaches: list[dict[str, Any]] = []
    not_checked: list[dict[str, Any]] = []
    shown = _names(rows)
    by_artist: dict[str, list[int]] = {}
    for r in rows:
        for a in artists(r.artist):
            by_artist.setdefault(a, []).append(r.position)
    for a, positions in by_artist.items():
        if len(positions) > MAX_BY_ARTIST:
            breaches.append(
                {
                    "rule": "max_tracks_by_artist",
                    "limit": MAX_BY_ARTIST,
                    "artist": shown.get(a, a),
                    "tracks": positions,
                    "message": f"{len(positions)} tracks by {shown.get(a, a)}; Mixcloud allows "
                    f"{MAX_BY_ARTIST} by one artist in a show (US)",
                }
            )
    for a, run in _runs(rows, lambda r: artists(r.artist), MAX_ARTIST_IN_A_ROW):
        breaches.append(
            {
                "rule": "max_artist_in_a_row",
                "limit": MAX_ARTIST_IN_A_ROW,
                "artist": shown.get(a, a),
                "tracks": run,
                "message": f"{len(run)} tracks by {shown.get(a, a)} in a row; Mixcloud allows "
                f"{MAX_ARTIST_IN_A_ROW} (US)",
            }
        )
    by_release: dict[str, list[int]] = {}
    release_names: dict[str, str] = {}
    for r in rows:
        if r.release:
            key = r.release.strip().lower()
            by_release.setdefault(key, []).append(r.position)
            release_names.setdefault(key, r.release.strip())
    for key, positions in by_release.items():
        if len(positions) > MAX_FROM_RELEASE:
            breaches.append(
                {
                    "rule": "max_tracks_from_release",
                    "limit": MAX_FROM_RELEASE,
                    "release": release_names[key],
                    "tracks": positions,
                    "message": f"{len(positions)} tracks from {release_names[key]}; Mixcloud allows "
                    f"{MAX_FROM_RELEASE} from one release (US)",
                }
            )
    for key, run in _runs(
        rows, lambda r: [r.release.strip().lower()] if r.release else [], MAX_RELEASE_IN_A_ROW
    ):
        breaches.append(
            {
                "rule": "max_release_in_a_row",
                "limit": MAX_RELEASE_IN_A_ROW,
                "release": release_names[key],
                "tracks": run,
                "message": f"{len(run)} tracks from {release_names[key]} in a row; Mixcloud allows "
                f"{MAX_RELEASE_IN_A_ROW} (US)",
            }
        )
    unknown_release = [r.position for r in rows if not r.release and artists(r.artist)]
    if unknown_release:
        not_checked.append(
            {
                "rule": "max_tracks_from_release",
                "tracks": unknown_release,
                "message": "These rows do not say which release they are from; the release rules "
                f"(at most {MAX_FROM_RELEASE} from one release, {MAX_RELEASE_IN_A_ROW} in a row) "
                "could not be checked for them",
            }
        )
    if length_seconds is None:
        not_checked.append(
            {
                "rule": "min_length",
                "tracks": [],
                "message": "The set's length is unknown; Mixcloud needs an upload of at least 15 minutes",
            }
        )
    elif length_seconds < MIN_UPLOAD_SECONDS:
        breaches.append(
            {
                "rule": "min_length",
                "limit": MIN_UPLOAD_SECONDS,
                "tracks": [],
                "length_seconds": length_seconds,
                "message": f"The set lasts {length_seconds / 60:.1f} minutes; Mixcloud needs at least 15",
            }
        )
    return {"ok": not breaches, "breaches": breaches, "not_checked": not_checked}
