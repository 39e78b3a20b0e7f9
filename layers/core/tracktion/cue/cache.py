"""The rendered-sheet cache: DynamoDB items with a TTL, keyed by tracklist version, content,
format and options, with real hit/miss counters per owner.

Items (CACHE_TABLE):
- entry:    pk=CUECACHE#{owner} sk={tracklist_id}#v{version}#{content}#{format}#{options}
            `body` = the RenderedCue as JSON, `expires_at` (TTL; reads also check it, since
            DynamoDB deletes expired items lazily).
- counters: pk=CUESTATS#{owner} sk=COUNTERS, atomic ADD of `hits` / `misses`.
A sheet too large for one item (> ~350 KB) is rendered every time and never cached.
"""

from __future__ import annotations

import fnmatch
import hashlib
from typing import Any

from tracktion.clock import epoch, iso
from tracktion.config import env, settings
from tracktion.cue.options import CueOptions
from tracktion.cue.render import RenderedCue, render
from tracktion.storage.aws import table
from tracktion.tracklists.model import Tracklist

MAX_BODY = 350_000
MAX_CLEAR = 1000


def ttl_seconds() -> int:
    return int(env("CUE_CACHE_TTL_SECONDS", "86400"))


def content_fingerprint(tracklist: Tracklist) -> str:
    """What the sheet depends on: a tracklist sent in a request body has no stored version."""
    body = tracklist.model_dump_json(exclude={"created_at", "updated_at", "status"})
    return hashlib.sha256(body.encode()).hexdigest()[:12]


def cache_key(tracklist: Tracklist, fmt: str, options: CueOptions) -> str:
    return (
        f"{tracklist.tracklist_id}#v{tracklist.version}#{content_fingerprint(tracklist)}"
        f"#{fmt}#{options.fingerprint()}"
    )


def _table() -> Any:
    return table(settings().cache_table)


def _count(owner_id: str, field: str) -> None:
    _table().update_item(
        Key={"pk": f"CUESTATS#{owner_id}", "sk": "COUNTERS"},
        UpdateExpression="ADD #f :one",
        ExpressionAttributeNames={"#f": field},
        ExpressionAttributeValues={":one": 1},
    )


def _put(owner_id: str, key: str, rendered: RenderedCue) -> bool:
    body = rendered.model_dump_json()
    if len(body.encode()) > MAX_BODY:
        return False
    _table().put_item(
        Item={
            "pk": f"CUECACHE#{owner_id}",
            "sk": key,
            "format": rendered.format,
            "body": body,
            "created_at": iso(),
            "expires_at": epoch() + ttl_seconds(),
        }
    )
    return True


def rendered_sheet(tracklist: Tracklist, fmt: str, options: CueOptions | None = None) -> RenderedCue:
    """The sheet from the cache when a live entry exists, else rendered and cached."""
    options = options or CueOptions()
    key = cache_key(tracklist, fmt.lower(), options)
    owner = tracklist.owner_id
    item = _table().get_item(Key={"pk": f"CUECACHE#{owner}", "sk": key}).get("Item")
    if item and int(item.get("expires_at", 0)) > epoch():
        _count(owner, "hits")
        return RenderedCue.model_validate_json(item["body"])
    rendered = render(tracklist, fmt, options)
    _count(owner, "misses")
    _put(owner, key, rendered)
    return rendered


def warm(tracklist: Tracklist, formats: list[str], options: CueOptions | None = None) -> list[str]:
    """Render and store `formats` ahead of use (no hit/miss counted); returns the keys."""
    options = options or CueOptions()
    keys = []
    for fmt in formats:
        key = cache_key(tracklist, fmt.lower(), options)
        if _put(tracklist.owner_id, key, render(tracklist, fmt, options)):
            keys.append(key)
    return keys


def _entries(owner_id: str, limit: int = MAX_CLEAR) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": f"CUECACHE#{owner_id}"},
        "ProjectionExpression": "pk, sk, expires_at, #f",
        "ExpressionAttributeNames": {"#f": "format"},
    }
    while len(items) < limit:
        page = _table().query(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return items[:limit]


def clear(owner_id: str, pattern: str | None = None) -> int:
    """Drop the owner's entries whose key matches the glob `pattern` (all when None).

    Keys read `<tracklist_id>#v<version>#<content>#<format>#<options>`, so `<id>*` clears one
    tracklist and `*#cdj#*` one format.
    """
    removed = 0
    with _table().batch_writer() as batch:
        for item in _entries(owner_id):
            if pattern is None or fnmatch.fnmatchcase(str(item["sk"]), pattern):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                removed += 1
    return removed


def stats(owner_id: str) -> dict[str, Any]:
    counters = _table().get_item(Key={"pk": f"CUESTATS#{owner_id}", "sk": "COUNTERS"}).get("Item") or {}
    hits, misses = int(counters.get("hits", 0)), int(counters.get("misses", 0))
    now = epoch()
    live = [i for i in _entries(owner_id) if int(i.get("expires_at", 0)) > now]
    by_format: dict[str, int] = {}
    for item in live:
        by_format[str(item.get("format", "?"))] = by_format.get(str(item.get("format", "?")), 0) + 1
    return {
        "hits": hits,
        "misses": misses,
        "hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
        "entries": len(live),
        "entries_by_format": by_format,
        "ttl_seconds": ttl_seconds(),
        "backend": "dynamodb",
    }
