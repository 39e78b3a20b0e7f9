"""Start, stop and show following; the scheduled check of the followed tracklists that are due.

A check re-reads the page through the one way our code reads the site (tracktion.sources.site:
the shared politeness budget, the guarded fetcher, block detection, backoff after a block),
merges the capture (tracktion.following.merge), saves the tracklist with the store's
conditional write on its version (a concurrent user edit makes the check read and merge again),
then records the new base and the next check, and tells the owner when something changed:
a `tracklist.changed` webhook event and a WebSocket message of the same data.

One scheduled run checks at most FOLLOW_MAX_CHECKS_PER_RUN tracklists and stops early when its
time budget is spent or the source is busy or blocking us; what it did not reach stays due and
is taken by the next run, oldest due first. A check first claims its record (a conditional
write pushing the next check a lease ahead), so two runs never check one tracklist at once.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field

from tracktion.clock import iso, now
from tracktion.config import FollowSettings, SourceSettings, get
from tracktion.errors import SourceBlocked, TracktionError, ValidationFailed
from tracktion.following import cadence
from tracktion.following.merge import Changes, Completeness, completeness, merge, snapshot
from tracktion.following.store import Follow, FollowChanged, FollowLimitReached, FollowStore
from tracktion.models import Model
from tracktion.observability import logger
from tracktion.sources.blocks import SourceBusy
from tracktion.sources.site import Site
from tracktion.sources.urls import tracklist_page
from tracktion.tracklists.model import Tracklist
from tracktion.tracklists.store import TracklistNotFound, TracklistStore, VersionConflict

EVENT_TYPE = "tracklist.changed"
LEASE = timedelta(minutes=10)
# Sources whose tracklists point at a 1001tracklists page (an import by URL, or of its HTML).
FOLLOWABLE_SOURCES = frozenset({"1001tracklists", "html"})
MERGE_ATTEMPTS = 3
# Time a check needs beyond its fetch's own limits (the politeness wait and the fetch deadline).
CHECK_MARGIN_SECONDS = 5.0


def stamp(at: datetime | None = None) -> str:
    """A following timestamp: UTC to the second, one fixed width, so strings sort as times
    (the due index compares them)."""
    return (at or now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class NotFollowable(ValidationFailed):
    error_code = "NOT_FOLLOWABLE"


class FollowStatus(Model):
    """What a user sees of a tracklist's following (GET/POST/DELETE .../follow)."""

    tracklist_id: str
    following: bool
    source_url: str | None = None
    completeness: Completeness
    started_at: str | None = None
    stopped_at: str | None = None
    last_checked_at: str | None = None
    next_check_at: str | None = None
    check_interval_seconds: int | None = None
    checks: int = 0
    changes: int = 0
    last_changed_at: str | None = None
    last_error: dict[str, Any] | None = None


def status_of(t: Tracklist, follow: Follow | None) -> FollowStatus:
    shown = follow.model_dump(exclude={"base", "rev", "owner_id", "consecutive_failures"}) if follow else {}
    shown.update(
        tracklist_id=t.tracklist_id,
        following=bool(follow and follow.following),
        source_url=(follow.source_url if follow else None) or t.source_url,
        completeness=completeness(t.tracks),
    )
    return FollowStatus.model_validate(shown)


def _source_url(t: Tracklist) -> str:
    if t.source not in FOLLOWABLE_SOURCES or not t.source_url:
        raise NotFollowable(
            "Only tracklists imported from 1001tracklists can be followed",
            details={"tracklist_id": t.tracklist_id, "source": t.source},
        )
    return tracklist_page(t.source_url).url


def status(tracklist_id: str, owner_id: str) -> FollowStatus:
    t = TracklistStore().get(tracklist_id, owner_id)  # another owner's tracklist: 404
    return status_of(t, FollowStore().get(tracklist_id, owner_id))


def start(tracklist_id: str, owner_id: str) -> tuple[FollowStatus, bool]:
    """Follow the tracklist (checked at the next scheduled run); (status, newly started)."""
    t = TracklistStore().get(tracklist_id, owner_id)
    url = _source_url(t)
    store = FollowStore()
    current = store.get(tracklist_id, owner_id)
    if current is not None and current.following:
        return status_of(t, current), False
    limit = get(FollowSettings).max_per_owner
    try:
        store.reserve(owner_id, limit)
    except FollowLimitReached:
        # Tracklists deleted while followed still count until their next check: recount, retry.
        _recount(store, owner_id, limit)
        store.reserve(owner_id, limit)  # FOLLOW_LIMIT_REACHED (409) when it is really full
    started = stamp()
    if current is None:
        follow = Follow(tracklist_id=tracklist_id, owner_id=owner_id, source_url=url, started_at=started)
    else:
        follow = current.model_copy(update={"following": True, "started_at": started, "stopped_at": None})
    # The source as stored now is the base: rows the user edits from here on are theirs.
    follow = follow.model_copy(
        update={"source_url": url, "next_check_at": started, "base": snapshot(t.tracks), "last_error": None}
    )
    try:
        saved = store.put(follow)
    except FollowChanged:
        # A concurrent start won (and counted itself): answer what it stored.
        store.release(owner_id)
        return status_of(t, store.get(tracklist_id, owner_id)), False
    except Exception:
        store.release(owner_id)
        raise
    return status_of(t, saved), True


def _recount(store: FollowStore, owner_id: str, limit: int) -> None:
    """Count the owner's follows whose tracklist still exists; forget the others."""
    tracklists = TracklistStore()
    live = 0
    for tracklist_id in store.followed_by(owner_id, limit + 100):
        try:
            tracklists.get(tracklist_id, owner_id)
            live += 1
        except TracklistNotFound:
            store.delete(tracklist_id)
    store.recount(owner_id, live)


def stop(tracklist_id: str, owner_id: str) -> FollowStatus:
    """Stop following (idempotent); the record stays so the last check is still shown."""
    t = TracklistStore().get(tracklist_id, owner_id)
    store = FollowStore()
    for _ in range(MERGE_ATTEMPTS):
        current = store.get(tracklist_id, owner_id)
        if current is None or not current.following:
            return status_of(t, current)
        try:
            saved = store.put(
                current.model_copy(update={"following": False, "stopped_at": stamp(), "next_check_at": None})
            )
        except FollowChanged:
            continue  # a check wrote in between: stop again on its record
        store.release(owner_id)
        return status_of(t, saved)
    raise FollowChanged("The follow record keeps changing; try again", details={"tracklist_id": tracklist_id})


# ---------------------------------------------------------------- the scheduled check


class CheckOutcome(Model):
    tracklist_id: str
    outcome: str = Field(description="changed, unchanged, failed, gone, skipped")
    error_code: str | None = None
    changes: Changes | None = None


def _due(follow: Follow, at: datetime) -> bool:
    return bool(follow.following and follow.next_check_at and follow.next_check_at <= stamp(at))


def _failed(store: FollowStore, follow: Follow, exc: TracktionError, at: datetime, retry: timedelta) -> None:
    record = {"error_code": exc.error_code, "error": exc.message, "at": stamp(at)}
    update = {
        "last_error": record,
        "consecutive_failures": follow.consecutive_failures + 1,
        "next_check_at": stamp(at + retry),
    }
    with contextlib.suppress(FollowChanged):  # stopped (or checked) meanwhile: that record stands
        store.put(follow.model_copy(update=update))


def _save_merged(follow: Follow, capture: Tracklist) -> tuple[Tracklist, Changes, list[Any]]:
    """Merge into the current tracklist and save it; a concurrent edit means read and merge again."""
    tracklists = TracklistStore()
    for attempt in range(MERGE_ATTEMPTS):
        current = tracklists.get(follow.tracklist_id, follow.owner_id)
        result = merge(current, capture, follow.base)
        if not result.changes.tracklist_changed:
            return current, result.changes, result.base
        try:
            return tracklists.save(result.tracklist, current.version), result.changes, result.base
        except VersionConflict:
            if attempt == MERGE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _forget(store: FollowStore, follow: Follow) -> None:
    store.delete(follow.tracklist_id)
    if follow.following:
        store.release(follow.owner_id)


def check(tracklist_id: str, *, site: Site | None = None, at: datetime | None = None) -> CheckOutcome:
    """Check one followed tracklist if it is due. SourceBusy/SourceBlocked propagate (after
    recording them), so a run stops reading the site when the site or the budget says so."""
    at = at or now()
    store = FollowStore()
    follow = store.load(tracklist_id)
    if follow is None or not _due(follow, at):
        return CheckOutcome(tracklist_id=tracklist_id, outcome="skipped")
    try:
        follow = store.put(follow.model_copy(update={"next_check_at": stamp(at + LEASE)}))
    except FollowChanged:
        return CheckOutcome(tracklist_id=tracklist_id, outcome="skipped")
    try:
        stored = TracklistStore().get(tracklist_id, follow.owner_id)
    except TracklistNotFound:
        _forget(store, follow)  # the tracklist was deleted: nothing left to follow
        return CheckOutcome(tracklist_id=tracklist_id, outcome="gone")
    following_at, interval = cadence.next_check(stored, at)
    try:
        capture, _ = (site or Site()).tracklist(follow.source_url, force_refresh=True)
    except (SourceBusy, SourceBlocked) as exc:
        _failed(store, follow, exc, at, timedelta(seconds=max(60, exc.retry_after or 60)))
        raise
    except TracktionError as exc:
        logger.info("follow check failed", extra={"tracklist_id": tracklist_id, "error_code": exc.error_code})
        _failed(store, follow, exc, at, interval)
        return CheckOutcome(tracklist_id=tracklist_id, outcome="failed", error_code=exc.error_code)
    try:
        saved, changes, base = _save_merged(follow, capture)
    except TracklistNotFound:
        _forget(store, follow)
        return CheckOutcome(tracklist_id=tracklist_id, outcome="gone")
    checked = stamp(at)
    changed = changes.tracklist_changed
    try:
        follow = store.put(
            follow.model_copy(
                update={
                    "base": base,
                    "last_checked_at": checked,
                    "next_check_at": stamp(following_at),
                    "check_interval_seconds": int(interval.total_seconds()),
                    "checks": follow.checks + 1,
                    "changes": follow.changes + (1 if changed else 0),
                    "last_changed_at": checked if changed else follow.last_changed_at,
                    "last_error": None,
                    "consecutive_failures": 0,
                }
            )
        )
    except FollowChanged:
        logger.info("follow stopped during its check", extra={"tracklist_id": tracklist_id})
    if changes.worth_telling:
        event_id = f"{tracklist_id}:v{saved.version}:{EVENT_TYPE}" if changed else None
        _tell(saved, changes, checked, event_id or f"{tracklist_id}:c{follow.checks}:{EVENT_TYPE}")
    return CheckOutcome(
        tracklist_id=tracklist_id, outcome="changed" if changed else "unchanged", changes=changes
    )


def event_data(t: Tracklist, changes: Changes, checked_at: str) -> dict[str, Any]:
    """The `tracklist.changed` event's data (the WebSocket message carries the same)."""
    return {
        "tracklist_id": t.tracklist_id,
        "title": t.title,
        "source_url": t.source_url,
        "version": t.version,
        "checked_at": checked_at,
        "completeness": completeness(t.tracks).model_dump(),
        "summary": {
            "identified": len(changes.identified),
            "times_added": len(changes.times_added),
            "times_changed": len(changes.times_changed),
            "updated": len(changes.updated),
            "rows_added": len(changes.rows_added),
            "rows_removed": len(changes.rows_removed),
            "kept_user_edits": len(changes.kept_user_edits),
        },
        "changes": changes.model_dump(mode="json"),
    }


def _tell(t: Tracklist, changes: Changes, checked_at: str, event_id: str) -> None:
    """Webhook and WebSocket; telling never undoes the check (failures are logged)."""
    data = event_data(t, changes, checked_at)
    try:
        from tracktion.webhooks.delivery import emit

        emit(t.owner_id, EVENT_TYPE, data, event_id=event_id)
    except Exception:
        logger.exception("webhook emission failed", extra={"event_type": EVENT_TYPE})
    try:
        from tracktion.batch.progress import broadcast_to_owner

        broadcast_to_owner(t.owner_id, {"type": EVENT_TYPE, "event_id": event_id, "timestamp": iso(), **data})
    except Exception:
        logger.exception("websocket message failed", extra={"event_type": EVENT_TYPE})


def run_due(*, at: datetime | None = None, remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """The scheduled run: check what is due, within the run's limits; a summary of what it did."""
    cfg = get(FollowSettings)
    source = get(SourceSettings)
    # A check may wait for the politeness budget, then fetch: it starts only if both fit.
    reserve = source.max_wait_seconds + source.deadline_seconds + CHECK_MARGIN_SECONDS
    started = time.monotonic()
    due = FollowStore().due(stamp(at), cfg.max_checks_per_run)
    summary: dict[str, Any] = {
        "due": len(due),
        "changed": 0,
        "unchanged": 0,
        "failed": 0,
        "gone": 0,
        "skipped": 0,
    }
    summary["stopped_early"] = None
    site = Site()
    for tracklist_id in due:
        spent = time.monotonic() - started
        left = remaining_ms() / 1000 if remaining_ms else float("inf")
        if spent > cfg.run_budget_seconds or left < reserve:
            summary["stopped_early"] = "time"
            break
        try:
            outcome = check(tracklist_id, site=site, at=at)
        except (SourceBusy, SourceBlocked) as exc:
            summary["failed"] += 1
            summary["stopped_early"] = exc.error_code
            break
        except Exception:
            # One tracklist's failure must not stop the others (its lease makes it due again).
            logger.exception("follow check crashed", extra={"tracklist_id": tracklist_id})
            summary["failed"] += 1
            continue
        summary[outcome.outcome] += 1
    logger.info("follow run", extra=summary)
    return summary
