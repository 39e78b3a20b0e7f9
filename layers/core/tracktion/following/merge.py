"""Merging a new capture of the source page into the user's tracklist, and saying what changed.

A three-way merge, row by row: the BASE is the source as we last read it (the follow record's
snapshot), THEIRS the new capture, OURS the user's tracklist. Rows are matched by the page's
own row id (`Track.source_row_id`, 1001tracklists' `data-id`, which stays with a row when the
site's users identify it); tracklists stored before row ids were kept are matched once by
aligning the rows in order, and keep the ids from then on.

- A row the user edited (`is_manual_entry`, set by every track edit) keeps the user's values,
  always; when the source changed that row, the report names it (`kept_user_edits`).
- Any other row takes the source's values (artist, title, remix, label, start time, "w/",
  mashup parts); catalog details matched for its old identity are dropped when it changes.
- A row new at the source is inserted after the row it follows at the source.
- A row the source dropped is dropped too, unless the user edited it.
- A row the user deleted stays deleted; rows the user added stay where the user put them.
The report (Changes) lists which rows got identified, which got a time, and the rest.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import Field

from tracktion.models import Model
from tracktion.tracklists.model import UNIDENTIFIED, Track, Tracklist

# The values a capture of the page decides for a row the user did not edit.
SOURCE_FIELDS = (
    "artist",
    "title",
    "remix",
    "label",
    "start_time",
    "played_with_previous",
    "is_unidentified",
    "mashup",
)
# What catalog matching filled in for a row's identity (meaningless once the identity changes).
CATALOG_FIELDS = ("catalog_track_id", "catalog_source", "match_confidence", "bpm", "key", "genre")
IDENTITY_FIELDS = ("artist", "title", "remix")
# "ID Remix", "ID Edit", "(ID)": a version known to exist but not identified yet.
_ID_VERSION = re.compile(r"^\(?\s*ID\b", re.IGNORECASE)


def is_unidentified(track: Track | BaseRow) -> bool:
    """`ID - ID`, `Artist - ID`, `ID - Title`, or an unidentified version (`ID Remix`)."""
    if track.is_unidentified:
        return True
    if track.artist.strip().upper() == UNIDENTIFIED or track.title.strip().upper() == UNIDENTIFIED:
        return True
    return bool(track.remix and _ID_VERSION.match(track.remix.strip()))


class Completeness(Model):
    identified: int = Field(description="Rows whose artist, title and version are known")
    total: int = Field(description="Every row of the tracklist (w/ rows included, mashup parts not)")
    ratio: float = Field(description="identified / total (1.0 for an empty list)")
    unidentified_positions: list[int] = Field(default_factory=list)


def completeness(tracks: list[Track]) -> Completeness:
    missing = [t.position for t in sorted(tracks, key=lambda x: x.position) if is_unidentified(t)]
    total = len(tracks)
    identified = total - len(missing)
    return Completeness(
        identified=identified,
        total=total,
        ratio=round(identified / total, 4) if total else 1.0,
        unidentified_positions=missing,
    )


class BaseRow(Model):
    """One row of the source page as a capture showed it (the merge's common ancestor)."""

    row_id: str
    artist: str
    title: str
    remix: str | None = None
    label: str | None = None
    start_time: float | None = None
    played_with_previous: bool = False
    is_unidentified: bool = False
    mashup: list[dict[str, Any]] = Field(default_factory=list)


def _source_values(track: Track | BaseRow) -> dict[str, Any]:
    values = {f: getattr(track, f) for f in SOURCE_FIELDS}
    values["mashup"] = [m if isinstance(m, dict) else m.model_dump() for m in values["mashup"]]
    return values


def snapshot(tracks: list[Track]) -> list[BaseRow]:
    """The base for the next merge: every row that carries the page's row id."""
    return [
        BaseRow(row_id=t.source_row_id, **_source_values(t))
        for t in sorted(tracks, key=lambda x: x.position)
        if t.source_row_id
    ]


class RowChange(Model):
    position: int = Field(description="The row's position in the tracklist after the merge")
    source_row_id: str | None = None
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)
    fields: list[str] = Field(default_factory=list)


class Changes(Model):
    """What a check changed in the tracklist (and what it left alone because the user edited it)."""

    identified: list[RowChange] = Field(default_factory=list)
    times_added: list[RowChange] = Field(default_factory=list)
    times_changed: list[RowChange] = Field(default_factory=list)
    updated: list[RowChange] = Field(default_factory=list)
    rows_added: list[RowChange] = Field(default_factory=list)
    rows_removed: list[RowChange] = Field(default_factory=list)
    kept_user_edits: list[RowChange] = Field(default_factory=list)

    @property
    def tracklist_changed(self) -> bool:
        return any(
            (
                self.identified,
                self.times_added,
                self.times_changed,
                self.updated,
                self.rows_added,
                self.rows_removed,
            )
        )

    @property
    def worth_telling(self) -> bool:
        return self.tracklist_changed or bool(self.kept_user_edits)


def _key(t: Track) -> str:
    """Artist and title as the alignment compares them; an unknown part ("ID") is "?"."""

    def part(text: str) -> str:
        return "?" if text.strip().upper() == UNIDENTIFIED else text.casefold()

    return f"{part(t.artist)}\x1f{part(t.title)}"


def adopt_row_ids(current: list[Track], capture: list[Track]) -> list[Track]:
    """Give imported rows stored without a row id the id of the capture row they align with.

    Only rows the user neither added nor edited take part (those carry no id and are the
    user's own). Rows are aligned in order on artist and title (a version is not compared, and
    an unknown part is "?"); a run of replaced rows of equal length at both sides pairs up in
    order (the IDs that got identified). Rows that do not align keep no id (and are left as
    they are by the merge).
    """
    legacy = [i for i, t in enumerate(current) if not t.source_row_id and not t.is_manual_entry]
    taken = {t.source_row_id for t in current if t.source_row_id}
    free = [c for c in capture if c.source_row_id and c.source_row_id not in taken]
    if not legacy or not free:
        return current
    ours = [current[i] for i in legacy]
    matcher = difflib.SequenceMatcher(a=[_key(t) for t in ours], b=[_key(c) for c in free], autojunk=False)
    out = list(current)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
            for offset in range(a1 - a0):
                index = legacy[a0 + offset]
                out[index] = out[index].model_copy(update={"source_row_id": free[b0 + offset].source_row_id})
    return out


def _brief(t: Track | BaseRow) -> dict[str, Any]:
    return {"artist": t.artist, "title": t.title, "remix": t.remix, "start_time": t.start_time}


def _take_source(ours: Track, theirs: Track) -> Track:
    update = _source_values(theirs)
    update["mashup"] = list(theirs.mashup)
    if any(getattr(ours, f) != getattr(theirs, f) for f in IDENTITY_FIELDS):
        update.update(dict.fromkeys(CATALOG_FIELDS))
    update["source_row_id"] = theirs.source_row_id
    return ours.model_copy(update=update)


def _describe(before: Track, after: Track, changes: Changes) -> None:
    """Sort one applied row change into the report (positions filled in after renumbering)."""
    row = after.source_row_id
    was_id, now_id = is_unidentified(before), is_unidentified(after)
    identity = [f for f in IDENTITY_FIELDS if getattr(before, f) != getattr(after, f)]
    if was_id and not now_id:
        changes.identified.append(
            RowChange(
                position=0, source_row_id=row, before=_brief(before), after=_brief(after), fields=identity
            )
        )
    elif identity:
        changes.updated.append(
            RowChange(
                position=0, source_row_id=row, before=_brief(before), after=_brief(after), fields=identity
            )
        )
    if before.start_time is None and after.start_time is not None:
        changes.times_added.append(
            RowChange(
                position=0, source_row_id=row, after={"start_time": after.start_time}, fields=["start_time"]
            )
        )
    elif before.start_time != after.start_time:
        changes.times_changed.append(
            RowChange(
                position=0,
                source_row_id=row,
                before={"start_time": before.start_time},
                after={"start_time": after.start_time},
                fields=["start_time"],
            )
        )
    other = [
        f for f in ("label", "played_with_previous", "mashup") if getattr(before, f) != getattr(after, f)
    ]
    if other and not identity:
        changes.updated.append(
            RowChange(position=0, source_row_id=row, before=_brief(before), after=_brief(after), fields=other)
        )


class MergeResult(Model):
    tracklist: Tracklist
    changes: Changes
    base: list[BaseRow]


def merge(current: Tracklist, capture: Tracklist, base: list[BaseRow]) -> MergeResult:
    """The user's tracklist with the capture merged in, the report, and the next base."""
    ours = adopt_row_ids(sorted(current.tracks, key=lambda x: x.position), capture.tracks)
    theirs = {c.source_row_id: c for c in capture.tracks if c.source_row_id}
    known = {b.row_id: b for b in base}
    changes = Changes()
    merged: list[Track] = []
    taken: dict[int, Track] = {}  # index in `merged` → the user's row a source value replaced
    for row in ours:
        rid = row.source_row_id
        if rid is None or (rid not in theirs and rid not in known):
            merged.append(row)  # the user's own row, or one the source never had: as it is
            continue
        fresh = theirs.get(rid)
        if fresh is None:
            if row.is_manual_entry:
                merged.append(row)  # gone at the source, but the user's edit is kept
            else:
                changes.rows_removed.append(
                    RowChange(position=row.position, source_row_id=rid, before=_brief(row))
                )
            continue
        if row.is_manual_entry:
            was = known.get(rid)
            source_moved = was is not None and _source_values(was) != _source_values(fresh)
            differs = any(getattr(row, f) != getattr(fresh, f) for f in (*IDENTITY_FIELDS, "start_time"))
            if source_moved and differs:
                changes.kept_user_edits.append(
                    RowChange(position=0, source_row_id=rid, before=_brief(row), after=_brief(fresh))
                )
            merged.append(row)
            continue
        taken[len(merged)] = row
        merged.append(_take_source(row, fresh))
    # Rows new at the source: after the row they follow there (or first, if they lead). A
    # tracklist stored before row ids were kept has no base yet: a capture row that did not
    # align may be one the user deleted, so none is added on that first check.
    present = {t.source_row_id for t in ours if t.source_row_id}
    first_sight = not known and not any(t.source_row_id for t in current.tracks)
    previous: str | None = None
    for fresh in capture.tracks:
        rid = fresh.source_row_id
        if rid and rid not in present and rid not in known and not first_sight:
            at = _after(merged, previous)
            added = fresh.model_copy(update={"is_manual_entry": False})
            merged.insert(at, added)
            taken = {i + 1 if i >= at else i: row for i, row in taken.items()}
            changes.rows_added.append(RowChange(position=0, source_row_id=rid, after=_brief(added)))
        previous = rid or previous
    renumbered = [t.model_copy(update={"position": i}) for i, t in enumerate(merged, 1)]
    for index, before in sorted(taken.items()):
        if _source_values(renumbered[index]) != _source_values(before):
            _describe(before, renumbered[index], changes)
    _fill_positions(changes, renumbered)
    result = current.model_copy(update={"tracks": renumbered})
    return MergeResult(tracklist=result, changes=changes, base=snapshot(capture.tracks))


def _after(merged: list[Track], row_id: str | None) -> int:
    if row_id is None:
        return 0
    for i in range(len(merged) - 1, -1, -1):
        if merged[i].source_row_id == row_id:
            return i + 1
    return len(merged)


def _fill_positions(changes: Changes, tracks: list[Track]) -> None:
    """Each report entry names the row's position after the merge (by its row id)."""
    where = {t.source_row_id: t.position for t in tracks if t.source_row_id}
    for entries in (
        changes.identified,
        changes.times_added,
        changes.times_changed,
        changes.updated,
        changes.rows_added,
        changes.kept_user_edits,
    ):
        for entry in entries:
            if entry.source_row_id in where:
                entry.position = where[entry.source_row_id]
