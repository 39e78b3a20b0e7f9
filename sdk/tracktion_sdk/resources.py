"""Every route of the API as one declaration on its resource: `list = Op("GET", "/api/v1/tracklists")`.

An `Op` is a method on both clients: `client.tracklists.list(limit=5)` on `Tracktion` returns
the answer, on `AsyncTracktion` a coroutine of it. Path parameters are positional (or by name);
keyword arguments the route takes in its query string go there, the others make the JSON body
(`body=` gives it whole); `None` means "not given". Answers are the generated models
(`tracktion_sdk.models`) named by docs/openapi.json for the answer's status. A list's `.iter()`
walks every page (`for t in client.tracklists.list.iter(): ...`).

Adding a route is one line on its resource (tests/sdk/test_route_coverage.py lists the routes
of template.yaml that have none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

API = "/api/v1"


@dataclass(frozen=True)
class Op:
    """One route: method, path template, and how to read its answer.

    `items`: the key holding a list answer's items ("" when the answer is the list itself);
    such an op gets `.iter()`. `creates`: a POST that makes something (sent with an
    `Idempotency-Key`). `download`: the answer is a file: its bytes, or with `path=` (a file or
    folder) written there atomically and a `Downloaded` returned; `progress=callback(done,
    total)`; the bytes are checked against the answer's `X-Checksum-SHA256` and against
    `sha256=` when given (`ChecksumMismatch`, nothing written).
    `public`: sent without credentials. `args`: names of positional arguments after the
    path's parameters (`client.search("Kolsch")` is `query="Kolsch"`). `query`: names sent in the
    query string even on a POST (beside those docs/openapi.json lists for the route).
    """

    method: str
    path: str
    items: str | None = None
    creates: bool = False
    download: bool = False
    public: bool = False
    args: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    doc: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def __get__(self, resource: Resource | None, owner: type | None = None) -> Any:
        if resource is None:
            return self
        return Bound(self, resource._client)


class Bound:
    """An `Op` on a client: call it for one answer, `.iter()` for every item of every page."""

    def __init__(self, op: Op, client: Any) -> None:
        self.op = op
        self._client = client
        self.__doc__ = op.doc or f"{op.method} {op.path}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._client._call(self.op, args, kwargs)

    def iter(self, *args: Any, **kwargs: Any) -> Any:
        if self.op.items is None:
            raise TypeError(f"{self.op.method} {self.op.path} is not a list")
        return self._client._iterate(self.op, args, kwargs)

    def __repr__(self) -> str:
        return f"<{self.op.method} {self.op.path}>"


class Resource:
    """A group of routes; sub-groups are `Sub(ResourceClass)` attributes."""

    def __init__(self, client: Any) -> None:
        self._client = client


R = TypeVar("R", bound=Resource)


class Sub(Generic[R]):
    """A sub-resource: `client.cue.files` is `CueFiles` on the same client."""

    def __init__(self, cls: type[R]) -> None:
        self.cls = cls

    @overload
    def __get__(self, resource: None, owner: type | None = None) -> Sub[R]: ...
    @overload
    def __get__(self, resource: Resource, owner: type | None = None) -> R: ...
    def __get__(self, resource: Resource | None, owner: type | None = None) -> Sub[R] | R:
        if resource is None:
            return self
        return self.cls(resource._client)


def operations(resource: type[Resource]) -> list[Op]:
    """Every `Op` of a resource class and its sub-resources."""
    found: list[Op] = []
    for value in vars(resource).values():
        if isinstance(value, Op):
            found.append(value)
        elif isinstance(value, Sub):
            found.extend(operations(value.cls))
    return found


# --------------------------------------------------------------------------- the API


class Auth(Resource):
    register = Op("POST", f"{API}/auth/register", public=True, creates=True)
    token = Op("POST", f"{API}/auth/token", public=True, doc="Exchange email/password for tokens")
    refresh = Op("POST", f"{API}/auth/refresh", public=True)
    revoke = Op("POST", f"{API}/auth/logout", public=True, doc="Revoke a refresh token's session")
    oauth_login = Op("GET", f"{API}/auth/{{provider}}/login", public=True)
    oauth_callback = Op("GET", f"{API}/auth/{{provider}}/callback", public=True)
    profile = Op("GET", f"{API}/user/profile")


class Users(Resource):
    list = Op("GET", f"{API}/users", items="data")
    get = Op("GET", f"{API}/users/{{user_id}}")
    update = Op("PATCH", f"{API}/users/{{user_id}}")
    delete = Op("DELETE", f"{API}/users/{{user_id}}")


class Search(Resource):
    __call__ = Op("GET", f"{API}/search", items="results", args=("query",), doc="Search 1001tracklists")
    query = Op("GET", f"{API}/search", items="results", args=("query",))
    dj = Op("GET", f"{API}/search/dj/{{dj_slug}}", items="results")
    event = Op("GET", f"{API}/search/event/{{event_slug}}", items="results")
    tracks = Op("GET", f"{API}/search/tracks", items="tracks", args=("q",))
    advanced = Op("GET", f"{API}/tracklists/search/1001tracklists", items="results")


class Tracks(Resource):
    add = Op("POST", f"{API}/tracklists/{{tracklist_id}}/tracks")
    update = Op("PUT", f"{API}/tracklists/{{tracklist_id}}/tracks/{{position}}")
    delete = Op("DELETE", f"{API}/tracklists/{{tracklist_id}}/tracks/{{position}}")
    set_timing = Op("PUT", f"{API}/tracklists/{{tracklist_id}}/tracks/{{position}}/timing")
    bulk_update = Op("PUT", f"{API}/tracklists/{{tracklist_id}}/tracks/bulk")
    reorder = Op("POST", f"{API}/tracklists/{{tracklist_id}}/tracks/reorder")
    auto_end_times = Op("POST", f"{API}/tracklists/{{tracklist_id}}/tracks/auto-calculate-end-times")
    timing_suggestions = Op("GET", f"{API}/tracklists/{{tracklist_id}}/tracks/timing-suggestions")
    validate_timing = Op("POST", f"{API}/tracklists/{{tracklist_id}}/tracks/validate-timing")
    match_to_catalog = Op("POST", f"{API}/tracklists/{{tracklist_id}}/tracks/match-to-catalog")


class Imports(Resource):
    url = Op("POST", f"{API}/tracklists/import/1001tracklists", creates=True)
    html = Op("POST", f"{API}/tracklists/import/html", creates=True)
    text = Op("POST", f"{API}/tracklists/import/text", creates=True)
    file = Op("POST", f"{API}/tracklists/import/file", creates=True, doc="A CUE sheet or DJ history file")
    status = Op("GET", f"{API}/tracklists/import/status/{{correlation_id}}")
    by_url = Op("POST", f"{API}/tracklist", creates=True, doc="The reference's import by URL")


class Tracklists(Resource):
    tracks = Sub(Tracks)
    list = Op("GET", f"{API}/tracklists", items="tracklists")
    get = Op("GET", f"{API}/tracklists/{{tracklist_id}}")
    update = Op("PATCH", f"{API}/tracklists/{{tracklist_id}}")
    delete = Op("DELETE", f"{API}/tracklists/{{tracklist_id}}")
    create = Op("POST", f"{API}/tracklists/manual", creates=True, doc="A manual tracklist (a draft)")
    drafts = Op("GET", f"{API}/tracklists/{{tracklist_id}}/drafts", items="")
    publish = Op("POST", f"{API}/tracklists/{{tracklist_id}}/publish")
    generate_cue = Op("POST", f"{API}/tracklists/{{tracklist_id}}/generate-cue", creates=True)
    imported = Op("GET", f"{API}/tracklist/{{tracklist_id}}", doc="An imported tracklist (reference)")
    clear_cache = Op("DELETE", f"{API}/tracklist/cache")
    export = Op("GET", f"{API}/tracklists/{{tracklist_id}}/export/{{target}}", doc="youtube, mixcloud, ...")
    save_export = Op(
        "POST",
        f"{API}/tracklists/{{tracklist_id}}/export/{{target}}",
        creates=True,
        query=("short_chapters", "hours", "style", "template", "max_title", "unidentified"),
        doc="Store an export like a CUE file (then cue.download)",
    )
    mixcloud_check = Op("GET", f"{API}/tracklists/{{tracklist_id}}/export/mixcloud/check")
    at = Op("GET", f"{API}/tracklists/{{tracklist_id}}/at", args=("t",), doc="What plays at t seconds")
    follow = Op("POST", f"{API}/tracklists/{{tracklist_id}}/follow", creates=True, doc="Re-check the source")
    following = Op("GET", f"{API}/tracklists/{{tracklist_id}}/follow")
    unfollow = Op("DELETE", f"{API}/tracklists/{{tracklist_id}}/follow")


class CueFiles(Resource):
    list = Op("GET", f"{API}/cue/files", items="files")
    get = Op("GET", f"{API}/cue/files/{{cue_file_id}}")
    delete = Op("DELETE", f"{API}/cue/files/{{cue_file_id}}")
    regenerate = Op("POST", f"{API}/cue/files/{{cue_file_id}}/regenerate")
    validate = Op("POST", f"{API}/cue/files/{{cue_file_id}}/validate")
    convert = Op("POST", f"{API}/cue/files/{{cue_file_id}}/convert", creates=True)


class CueCache(Resource):
    stats = Op("GET", f"{API}/cue/cache/stats")
    warm = Op("POST", f"{API}/cue/cache/warm")
    clear = Op("DELETE", f"{API}/cue/cache/clear")


class Cue(Resource):
    files = Sub(CueFiles)
    cache = Sub(CueCache)
    generate = Op("POST", f"{API}/cue/generate", creates=True, doc="A CUE sheet from a tracklist body")
    generate_batch = Op("POST", f"{API}/cue/generate/batch", creates=True)
    generate_stored = Op("POST", f"{API}/cue/generate/{{tracklist_id}}", creates=True)
    formats = Op("GET", f"{API}/cue/formats")
    capabilities = Op("GET", f"{API}/cue/formats/{{format_name}}/capabilities")
    conversion_preview = Op("GET", f"{API}/cue/formats/conversion-preview")
    job_status = Op("GET", f"{API}/cue/jobs/{{job_id}}/status")
    download = Op("GET", f"{API}/cue/download/{{cue_file_id}}", download=True)
    download_companion = Op("GET", f"{API}/cue/download/{{cue_file_id}}/companions/{{name}}", download=True)
    validate = Op("POST", f"{API}/cue/validate")
    upload = Op("POST", f"{API}/cue/uploads", creates=True, doc="A presigned upload for an audio file")


class Beatport(Resource):
    """Beatport's catalog: `client.catalog.beatport.top_100(genre_id=6)`."""

    search = Op("GET", f"{API}/catalog/beatport/search", items="results", args=("q",))
    top_100 = Op("GET", f"{API}/catalog/beatport/charts/top-100", items="results")
    hype = Op("GET", f"{API}/catalog/beatport/charts/hype", items="results")
    chart = Op("GET", f"{API}/catalog/beatport/charts/{{chart_id}}")
    chart_tracks = Op("GET", f"{API}/catalog/beatport/charts/{{chart_id}}/tracks", items="results")
    genres = Op("GET", f"{API}/catalog/beatport/genres", items="results")
    genre = Op("GET", f"{API}/catalog/beatport/genres/{{genre_id}}")
    track = Op("GET", f"{API}/catalog/beatport/tracks/{{track_id}}")
    release = Op("GET", f"{API}/catalog/beatport/releases/{{release_id}}")
    release_tracks = Op("GET", f"{API}/catalog/beatport/releases/{{release_id}}/tracks", items="results")
    artist = Op("GET", f"{API}/catalog/beatport/artists/{{artist_id}}")
    artist_tracks = Op("GET", f"{API}/catalog/beatport/artists/{{artist_id}}/tracks", items="results")
    label = Op("GET", f"{API}/catalog/beatport/labels/{{label_id}}")
    label_tracks = Op("GET", f"{API}/catalog/beatport/labels/{{label_id}}/tracks", items="results")
    label_releases = Op("GET", f"{API}/catalog/beatport/labels/{{label_id}}/releases", items="results")


class Catalog(Resource):
    beatport = Sub(Beatport)
    search = Op("GET", f"{API}/tracklists/catalog/search", items="results", args=("query",))
    match = Op("POST", f"{API}/tracklists/catalog/match")


class Schedules(Resource):
    create = Op("POST", f"{API}/batch/schedule", creates=True)
    list = Op("GET", f"{API}/batch/schedules", items="schedules")
    delete = Op("DELETE", f"{API}/batch/schedules/{{schedule_id}}")


class Batches(Resource):
    schedules = Sub(Schedules)
    create = Op("POST", f"{API}/batch", creates=True)
    list = Op("GET", f"{API}/batch", items="batches")
    status = Op("GET", f"{API}/batch/{{batch_id}}/status", items="items")
    cancel = Op("POST", f"{API}/batch/{{batch_id}}/cancel")

    def wait(self, batch_id: str, *, timeout: float = 600.0, interval: float = 2.0) -> Any:
        """The batch's status once it is terminal (completed, partially_failed, failed or
        cancelled); `WaitTimeout` if it is still running after `timeout` seconds."""
        return self._client._wait_batch(batch_id, timeout, interval)

    def watch(self, batch_id: str, *, timeout: float = 600.0, ws_url: str | None = None) -> Any:
        """Progress messages until the batch is terminal: from the WebSocket when the client
        knows its URL (`ws_url` or TRACKTION_WS_URL, and `websockets` is installed), else by
        polling the status. Each is a dict with the documented fields (`status`, `progress`,
        `jobs_status`, ...); `item` is an item's outcome when the WebSocket names one."""
        return self._client._watch_batch(batch_id, timeout, ws_url)


class Webhooks(Resource):
    create = Op("POST", f"{API}/webhooks", creates=True)
    list = Op("GET", f"{API}/webhooks", items="webhooks")
    delete = Op("DELETE", f"{API}/webhooks/{{webhook_id}}")
    deliveries = Op("GET", f"{API}/webhooks/{{webhook_id}}/deliveries", items="deliveries")
    ping = Op("POST", f"{API}/webhooks/{{webhook_id}}/ping", doc="Send a test event now")
    rotate_secret = Op("POST", f"{API}/webhooks/{{webhook_id}}/rotate-secret", creates=True)


class Keys(Resource):
    list = Op("GET", f"{API}/developer/keys", items="")
    create = Op("POST", f"{API}/developer/keys", creates=True)
    get = Op("GET", f"{API}/developer/keys/{{key_id}}")
    rotate = Op("POST", f"{API}/developer/keys/{{key_id}}/rotate")
    revoke = Op("DELETE", f"{API}/developer/keys/{{key_id}}")
    usage = Op("GET", f"{API}/developer/keys/{{key_id}}/usage")


class Usage(Resource):
    summary = Op("GET", f"{API}/developer/usage/summary")


class Service(Resource):
    health = Op("GET", "/health", public=True)
    openapi = Op("GET", f"{API}/openapi.json", public=True)
    docs = Op("GET", "/docs", public=True, download=True)
    docs_asset = Op("GET", "/docs/{asset}", public=True, download=True)
