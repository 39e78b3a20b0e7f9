"""Every SDK method, called once as a customer would, in an order where each call has what it
needs (an import before its CUE sheet, a draft before its edits, deletes last).

`STEPS` is shared by the sync and async tests: each step is (what, call, keep) where `call(client,
world)` returns the answer or, on `AsyncTracktion`, an awaitable of it (`.iter()`: an iterator
or async iterator); `keep` names the answer in `world` for later steps. A step whose call must
fail names the exception instead (`Expect`).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracktion_sdk import Conflict, NotFound, Tracktion

KOLSCH = (
    "https://www.1001tracklists.com/tracklist/2k7xq9tb/"
    "kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"
)
EMPTY_SET = "https://www.1001tracklists.com/tracklist/0empty0/nobody-nowhere-2025-01-01.html"
PASSWORD = "sdk-plan-password-1"
TRACKS = [
    {"artist": "Bicep", "title": "Glue", "start_time": "0:00"},
    {"artist": "Four Tet", "title": "Baby", "start_time": "4:10"},
    {"artist": "Caribou", "title": "Sun", "start_time": "9:30"},
]
INLINE = [
    {"position": 1, "artist": "Bicep", "title": "Glue", "start_time": 0},
    {"position": 2, "artist": "Four Tet", "title": "Baby", "start_time": 250},
]
SHEET = (
    'PERFORMER "Tester"\nTITLE "Plan"\nFILE "mix.wav" WAVE\n'
    '  TRACK 01 AUDIO\n    TITLE "Glue"\n    PERFORMER "Bicep"\n    INDEX 01 00:00:00\n'
    '  TRACK 02 AUDIO\n    TITLE "Baby"\n    PERFORMER "Four Tet"\n    INDEX 01 04:10:00\n'
)


@dataclass(frozen=True)
class Expect:
    """The call must raise `error` with `code` (or, with `or_success`, may also succeed: a race
    the test does not control, or data only ../shared's recordings hold)."""

    error: type[Exception]
    code: str
    or_success: bool = False


Step = tuple[str, Callable[[Any, dict[str, Any]], Any], str | Expect | None]


def _id(answer: Any, *names: str) -> str:
    for name in names:
        value = answer.get(name) if isinstance(answer, dict) else getattr(answer, name, None)
        if value:
            return str(value)
    raise AssertionError(f"none of {names} in {answer!r}")


def _email() -> str:
    return f"plan-{uuid.uuid4().hex[:10]}@example.com"


# The recorded chart is one of ../shared's Beatport recordings; without them no chart exists.
CHART_MAY_BE_MISSING = Expect(NotFound, "RESOURCE_NOT_FOUND", or_success=True)

STEPS: list[Step] = [
    ("service.health", lambda c, w: c.service.health(), None),
    ("service.openapi", lambda c, w: c.service.openapi(), None),
    ("service.docs", lambda c, w: c.service.docs(), None),
    ("service.docs_asset", lambda c, w: c.service.docs_asset("swagger-ui.css"), None),
    (
        "auth.register",
        lambda c, w: c.auth.register(email=w.setdefault("email", _email()), password=PASSWORD),
        "user",
    ),
    ("auth.token", lambda c, w: c.auth.token(email=w["email"], password=PASSWORD), "session"),
    ("auth.refresh", lambda c, w: c.auth.refresh(refresh_token=w["session"].refresh_token), "session2"),
    ("auth.revoke", lambda c, w: c.auth.revoke(refresh_token=w["session2"].refresh_token), None),
    (
        "auth.oauth_login",
        lambda c, w: c.auth.oauth_login("google"),
        Expect(NotFound, "OAUTH_PROVIDER_NOT_CONFIGURED"),
    ),
    (
        "auth.oauth_callback",
        lambda c, w: c.auth.oauth_callback("google", state="s", code="c"),
        Expect(NotFound, "OAUTH_PROVIDER_NOT_CONFIGURED"),
    ),
    ("auth.profile", lambda c, w: c.auth.profile(), None),
    ("users.list", lambda c, w: c.users.list(per_page=5), None),
    ("users.list.iter", lambda c, w: c.users.list.iter(per_page=50, email=w["email"]), None),
    ("users.get", lambda c, w: c.users.get(w["user"].user_id), None),
    ("users.update", lambda c, w: c.users.update(w["user"].user_id, name="Plan User"), None),
    ("search", lambda c, w: c.search("Kolsch Sonar", limit=3), None),
    ("search.query", lambda c, w: c.search.query("Kolsch Sonar", limit=3), None),
    ("search.query.iter", lambda c, w: c.search.query.iter("Kolsch Sonar", limit=5), None),
    ("search.dj", lambda c, w: c.search.dj("kolsch"), None),
    ("search.event", lambda c, w: c.search.event("8f2k1c-sonar-festival"), None),
    ("search.tracks", lambda c, w: c.search.tracks("Glue"), None),
    ("search.advanced", lambda c, w: c.search.advanced(query="Kolsch Sonar"), None),
    ("imports.url", lambda c, w: c.imports.url(url=KOLSCH), "imported"),
    ("imports.by_url", lambda c, w: c.imports.by_url(url=KOLSCH), None),
    ("imports.html", lambda c, w: c.imports.html(url=KOLSCH, html=w["page"]), None),
    (
        "imports.text",
        lambda c, w: c.imports.text(title="Plan text", text="1. Bicep - Glue\n2. Four Tet - Baby"),
        None,
    ),
    ("imports.file", lambda c, w: c.imports.file(filename="plan.cue", text=SHEET, title="Plan sheet"), None),
    ("imports.url async", lambda c, w: c.imports.url(url=KOLSCH, async_processing=True), "queued"),
    ("imports.status", lambda c, w: c.imports.status(_id(w["queued"], "correlation_id")), None),
    ("tracklists.imported", lambda c, w: c.tracklists.imported(w["imported"].tracklist_id), None),
    ("tracklists.clear_cache", lambda c, w: c.tracklists.clear_cache(url=KOLSCH), None),
    ("tracklists.export", lambda c, w: c.tracklists.export(w["imported"].tracklist_id, "youtube"), None),
    (
        "tracklists.save_export",
        lambda c, w: c.tracklists.save_export(w["imported"].tracklist_id, "youtube", style="plain"),
        None,
    ),
    ("tracklists.mixcloud_check", lambda c, w: c.tracklists.mixcloud_check(w["imported"].tracklist_id), None),
    ("tracklists.at", lambda c, w: c.tracklists.at(w["imported"].tracklist_id, 300), None),
    ("tracklists.follow", lambda c, w: c.tracklists.follow(w["imported"].tracklist_id), None),
    ("tracklists.following", lambda c, w: c.tracklists.following(w["imported"].tracklist_id), None),
    ("tracklists.unfollow", lambda c, w: c.tracklists.unfollow(w["imported"].tracklist_id), None),
    ("tracklists.create", lambda c, w: c.tracklists.create(title="Plan mix", tracks=TRACKS), "draft"),
    ("tracklists.list", lambda c, w: c.tracklists.list(limit=2), None),
    ("tracklists.list.iter", lambda c, w: c.tracklists.list.iter(limit=1), None),
    ("tracklists.get", lambda c, w: c.tracklists.get(w["draft"].tracklist_id), None),
    (
        "tracklists.update",
        lambda c, w: c.tracklists.update(w["draft"].tracklist_id, title="Plan mix (edit)"),
        None,
    ),
    (
        "tracks.add",
        lambda c, w: c.tracklists.tracks.add(
            w["draft"].tracklist_id, artist="Floating Points", title="LesAlpx"
        ),
        None,
    ),
    (
        "tracks.update",
        lambda c, w: c.tracklists.tracks.update(w["draft"].tracklist_id, 1, title="Glue (edit)"),
        None,
    ),
    (
        "tracks.set_timing",
        lambda c, w: c.tracklists.tracks.set_timing(w["draft"].tracklist_id, 4, start_time="14:00"),
        None,
    ),
    (
        "tracks.bulk_update",
        lambda c, w: c.tracklists.tracks.bulk_update(
            w["draft"].tracklist_id, updates=[{"position": 2, "label": "Text"}]
        ),
        None,
    ),
    (
        "tracks.reorder",
        lambda c, w: c.tracklists.tracks.reorder(w["draft"].tracklist_id, from_position=4, to_position=3),
        None,
    ),
    (
        "tracks.auto_end_times",
        lambda c, w: c.tracklists.tracks.auto_end_times(w["draft"].tracklist_id, audio_duration="00:20:00"),
        None,
    ),
    (
        "tracks.timing_suggestions",
        lambda c, w: c.tracklists.tracks.timing_suggestions(
            w["draft"].tracklist_id, target_duration="00:20:00"
        ),
        None,
    ),
    (
        "tracks.validate_timing",
        lambda c, w: c.tracklists.tracks.validate_timing(w["draft"].tracklist_id, audio_duration="00:20:00"),
        None,
    ),
    (
        "tracks.match_to_catalog",
        lambda c, w: c.tracklists.tracks.match_to_catalog(w["draft"].tracklist_id),
        None,
    ),
    ("tracks.delete", lambda c, w: c.tracklists.tracks.delete(w["draft"].tracklist_id, 4), None),
    ("tracklists.drafts", lambda c, w: c.tracklists.drafts(w["draft"].tracklist_id), None),
    ("tracklists.publish", lambda c, w: c.tracklists.publish(w["draft"].tracklist_id), None),
    (
        "tracklists.generate_cue",
        lambda c, w: c.tracklists.generate_cue(w["draft"].tracklist_id, cue_format="standard"),
        None,
    ),
    ("catalog.search", lambda c, w: c.catalog.search("Bicep Glue", limit=3), None),
    ("catalog.match", lambda c, w: c.catalog.match(tracks=[{"artist": "Bicep", "title": "Glue"}]), None),
    ("beatport.top_100", lambda c, w: c.catalog.beatport.top_100(per_page=2), "top"),
    ("beatport.top_100.iter", lambda c, w: c.catalog.beatport.top_100.iter(genre_id=6, per_page=20), None),
    ("beatport.hype", lambda c, w: c.catalog.beatport.hype(genre_id=6, per_page=2), None),
    ("beatport.search", lambda c, w: c.catalog.beatport.search("Night Drive", per_page=2), None),
    ("beatport.genres", lambda c, w: c.catalog.beatport.genres(), None),
    ("beatport.genre", lambda c, w: c.catalog.beatport.genre(6), None),
    ("beatport.chart", lambda c, w: c.catalog.beatport.chart(770001), CHART_MAY_BE_MISSING),
    (
        "beatport.chart_tracks",
        lambda c, w: c.catalog.beatport.chart_tracks(770001),
        CHART_MAY_BE_MISSING,
    ),
    ("beatport.track", lambda c, w: c.catalog.beatport.track(w["top"].results[0].id), None),
    ("beatport.release", lambda c, w: c.catalog.beatport.release(w["top"].results[0].release.id), None),
    (
        "beatport.release_tracks",
        lambda c, w: c.catalog.beatport.release_tracks(w["top"].results[0].release.id),
        None,
    ),
    ("beatport.artist", lambda c, w: c.catalog.beatport.artist(w["top"].results[0].artists[0].id), None),
    (
        "beatport.artist_tracks",
        lambda c, w: c.catalog.beatport.artist_tracks(w["top"].results[0].artists[0].id),
        None,
    ),
    ("beatport.label", lambda c, w: c.catalog.beatport.label(w["top"].results[0].release.label.id), None),
    (
        "beatport.label_tracks",
        lambda c, w: c.catalog.beatport.label_tracks(w["top"].results[0].release.label.id),
        None,
    ),
    (
        "beatport.label_releases",
        lambda c, w: c.catalog.beatport.label_releases(w["top"].results[0].release.label.id),
        None,
    ),
    (
        "cue.generate_stored",
        lambda c, w: c.cue.generate_stored(
            w["imported"].tracklist_id, format="standard", options={"gap_handling": "estimate"}
        ),
        "made",
    ),
    (
        "cue.generate",
        lambda c, w: c.cue.generate(tracklist={"title": "Inline", "tracks": INLINE}),
        None,
    ),
    (
        "cue.generate_batch",
        lambda c, w: c.cue.generate_batch(tracklist_id=w["draft"].tracklist_id, formats=["standard", "cdj"]),
        None,
    ),
    ("cue.formats", lambda c, w: c.cue.formats(), None),
    ("cue.capabilities", lambda c, w: c.cue.capabilities("cdj"), None),
    (
        "cue.conversion_preview",
        lambda c, w: c.cue.conversion_preview(source_format="standard", target_format="cdj"),
        None,
    ),
    ("cue.job_status", lambda c, w: c.cue.job_status("no-such-job"), Expect(NotFound, "RESOURCE_NOT_FOUND")),
    ("cue.download", lambda c, w: c.cue.download(w["made"].cue_files[0].cue_file_id), None),
    (
        "cue.download_companion",
        lambda c, w: c.cue.download_companion(w["made"].cue_files[0].cue_file_id, "missing.txt"),
        Expect(NotFound, "RESOURCE_NOT_FOUND"),
    ),
    (
        "cue.validate",
        lambda c, w: c.cue.validate(tracklist_id=w["imported"].tracklist_id, format="standard"),
        None,
    ),
    ("cue.upload", lambda c, w: c.cue.upload(filename="mix.cue", content_type="text/plain"), None),
    ("cue.files.list", lambda c, w: c.cue.files.list(limit=2), None),
    (
        "cue.files.list.iter",
        lambda c, w: c.cue.files.list.iter(limit=1, tracklist_id=w["imported"].tracklist_id),
        None,
    ),
    ("cue.files.get", lambda c, w: c.cue.files.get(w["made"].cue_files[0].cue_file_id), None),
    ("cue.files.regenerate", lambda c, w: c.cue.files.regenerate(w["made"].cue_files[0].cue_file_id), None),
    ("cue.files.validate", lambda c, w: c.cue.files.validate(w["made"].cue_files[0].cue_file_id), None),
    (
        "cue.files.convert",
        lambda c, w: c.cue.files.convert(w["made"].cue_files[0].cue_file_id, target_format="cdj"),
        None,
    ),
    ("cue.cache.stats", lambda c, w: c.cue.cache.stats(), None),
    ("cue.cache.warm", lambda c, w: c.cue.cache.warm(tracklist_ids=[w["imported"].tracklist_id]), None),
    ("cue.cache.clear", lambda c, w: c.cue.cache.clear(), None),
    ("batches.create", lambda c, w: c.batches.create(urls=[KOLSCH, EMPTY_SET], priority="high"), "batch"),
    ("batches.wait", lambda c, w: c.batches.wait(w["batch"].batch_id, timeout=120), None),
    ("batches.status", lambda c, w: c.batches.status(w["batch"].batch_id), None),
    (
        "batches.status.iter",
        lambda c, w: c.batches.status.iter(w["batch"].batch_id, include_items=True, limit=1),
        None,
    ),
    ("batches.watch", lambda c, w: c.batches.watch(w["batch"].batch_id, timeout=60), None),
    ("batches.list", lambda c, w: c.batches.list(limit=2), None),
    ("batches.list.iter", lambda c, w: c.batches.list.iter(limit=1), None),
    (
        "batches.cancel",
        lambda c, w: c.batches.cancel(w["batch"].batch_id),
        Expect(Conflict, "BATCH_NOT_ACTIVE", or_success=True),
    ),
    (
        "schedules.create",
        lambda c, w: c.batches.schedules.create(
            urls=[KOLSCH], name="Plan weekly", cron_expression="0 2 * * 1"
        ),
        "schedule",
    ),
    ("schedules.list", lambda c, w: c.batches.schedules.list(), None),
    ("schedules.list.iter", lambda c, w: c.batches.schedules.list.iter(limit=1), None),
    ("schedules.delete", lambda c, w: c.batches.schedules.delete(w["schedule"].schedule_id), None),
    (
        "webhooks.create",
        lambda c, w: c.webhooks.create(url="https://93.184.215.14/plan-hook", events=["batch.completed"]),
        "webhook",
    ),
    ("webhooks.list", lambda c, w: c.webhooks.list(), None),
    ("webhooks.list.iter", lambda c, w: c.webhooks.list.iter(limit=1), None),
    ("webhooks.deliveries", lambda c, w: c.webhooks.deliveries(w["webhook"].webhook_id), None),
    ("webhooks.ping", lambda c, w: c.webhooks.ping(w["webhook"].webhook_id), None),
    ("webhooks.rotate_secret", lambda c, w: c.webhooks.rotate_secret(w["webhook"].webhook_id), None),
    ("webhooks.delete", lambda c, w: c.webhooks.delete(w["webhook"].webhook_id), None),
    ("keys.create", lambda c, w: c.keys.create(name="plan key", permissions=["read"]), "key"),
    ("keys.list", lambda c, w: c.keys.list(), None),
    ("keys.list.iter", lambda c, w: c.keys.list.iter(limit=1), None),
    ("keys.get", lambda c, w: c.keys.get(w["key"].key_id), None),
    ("keys.usage", lambda c, w: c.keys.usage(w["key"].key_id), None),
    ("keys.rotate", lambda c, w: c.keys.rotate(w["key"].key_id), "rotated"),
    ("keys.revoke", lambda c, w: c.keys.revoke(w["rotated"].key_id), None),
    ("usage.summary", lambda c, w: c.usage.summary(), None),
    ("cue.files.delete", lambda c, w: c.cue.files.delete(w["made"].cue_files[0].cue_file_id), None),
    ("tracklists.delete", lambda c, w: c.tracklists.delete(w["draft"].tracklist_id), None),
    ("users.delete", lambda c, w: c.users.delete(w["user"].user_id), None),
]


def recording(base: type) -> type:
    """`base` (Tracktion or AsyncTracktion) that also notes every route it called."""

    class Recording(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.called: set[tuple[str, str]] = set()
            self.called_last: set[tuple[str, str]] = set()

        def _call(self, op: Any, args: Any, kwargs: Any) -> Any:
            self.called.add((op.method, op.path))
            self.called_last = {(op.method, op.path)}
            return super()._call(op, args, kwargs)

        def _iterate(self, op: Any, args: Any, kwargs: Any) -> Any:
            self.called.add((op.method, op.path))
            return super()._iterate(op, args, kwargs)

    return Recording


def every_route(client: Tracktion | Any) -> set[tuple[str, str]]:
    from tracktion_sdk.resources import Resource, operations

    return {
        (op.method, op.path)
        for value in vars(client).values()
        if isinstance(value, Resource)
        for op in operations(type(value))
    }


def outcome(result: Any) -> Any:
    """Sync: the answer itself (an iterator drained to a list)."""
    if inspect.isgenerator(result):
        return list(result)
    return result


async def outcome_async(result: Any) -> Any:
    if inspect.isawaitable(result):
        return await result
    if hasattr(result, "__aiter__"):
        return [item async for item in result]
    return result
