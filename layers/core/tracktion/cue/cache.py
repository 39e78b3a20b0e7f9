"""The rendered-sheet cache: DynamoDB items with a TTL, keyed by tracklist version, content,
format and options, with real hit/miss counters per owner.

Items (CACHE_TABLE):
- entry:    pk=CUECACHE#{owner} sk={tracklist_id}#v{version}#{content}#{format}#{options}
            `body` = the RenderedCue as JSON, `expires_at` (TTL; reads also check it, since
            DynamoDB deletes expired items lazily).
            `size` = the bytes of `body` (entries written before it have none and count 0).
- counters: pk=CUESTATS#{owner} sk=COUNTERS, atomic ADD of `hits` / `misses` and of
            `fmt_<format>` (the requests per format, the stats' `popular_formats`).
A sheet too large for one item (> ~350 KB) is rendered every time and never cached.

There is no memory here: the reference's `memory_usage` reports the DynamoDB storage of the
caller's live entries against a per-caller budget (CUE_CACHE_BUDGET_MB, default 100 MB). The
budget is a yardstick for `utilization`; nothing is evicted for it (entries expire by TTL).
"""

from __future__ import annotations

import fnmatch
import hashlib
from typing import Any

from tracktion.clock import epoch, iso
from tracktion.config import CueSettings, get, settings
from tracktion.cue.options import CueOptions
from tracktion.cue.render import RenderedCue, render
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table
from tracktion.tracklists.model import Tracklist

MAX_BODY = 350_000
MAX_CLEAR = 1000


def ttl_seconds() -> int:
    return get(CueSettings).cache_ttl_seconds


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


def budget_mb() -> float:
    return get(CueSettings).cache_budget_mb


def _count(owner_id: str, field: str, fmt: str) -> None:
    _table().update_item(
        Key={"pk": f"CUESTATS#{owner_id}", "sk": "COUNTERS"},
        UpdateExpression="ADD #f :one, #g :one",
        ExpressionAttributeNames={"#f": field, "#g": f"fmt_{fmt}"},
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
            "size": len(body.encode()),
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
        _count(owner, "hits", fmt.lower())
        return RenderedCue.model_validate_json(item["body"])
    rendered = render(tracklist, fmt, options)
    _count(owner, "misses", rendered.format)
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
    return ddb.items(
        _table().query,
        max_items=limit,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": f"CUECACHE#{owner_id}"},
        ProjectionExpression="pk, sk, expires_at, #f, #s",
        ExpressionAttributeNames={"#f": "format", "#s": "size"},
    )


def key_pattern(pattern: str | None) -> str | None:
    """Our glob for a caller's pattern: the reference's Redis-style `cue:*` names every CUE
    entry, so a leading `cue:` is dropped (`cue:*` is everything, `cue:<id>*` one tracklist)."""
    if pattern is None:
        return None
    return pattern[4:] if pattern.lower().startswith("cue:") else pattern


def clear(owner_id: str, pattern: str | None = None) -> int:
    """Drop the owner's entries whose key matches the glob `pattern` (all when None).

    Keys read `<tracklist_id>#v<version>#<content>#<format>#<options>`, so `<id>*` clears one
    tracklist and `*#cdj#*` one format; `cue:` in front is the reference's namespace.
    """
    pattern = key_pattern(pattern)
    removed = 0
    with _table().batch_writer() as batch:
        for item in _entries(owner_id):
            if pattern is None or fnmatch.fnmatchcase(str(item["sk"]), pattern):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                removed += 1
    return removed


def stats(owner_id: str) -> dict[str, Any]:
    """The caller's cache in the reference's figures, with our own beside them."""
    counters = _table().get_item(Key={"pk": f"CUESTATS#{owner_id}", "sk": "COUNTERS"}).get("Item") or {}
    hits, misses = int(counters.get("hits", 0)), int(counters.get("misses", 0))
    requested = [(str(k)[4:], int(v)) for k, v in counters.items() if str(k).startswith("fmt_")]
    popular = dict(sorted(requested, key=lambda kv: (-kv[1], kv[0])))
    now = epoch()
    live = [i for i in _entries(owner_id) if int(i.get("expires_at", 0)) > now]
    by_format: dict[str, int] = {}
    for item in live:
        by_format[str(item.get("format", "?"))] = by_format.get(str(item.get("format", "?")), 0) + 1
    used_mb = round(sum(int(i.get("size", 0)) for i in live) / 1_048_576, 4)
    budget = budget_mb()
    rate = round(hits / (hits + misses), 4) if hits + misses else 0.0
    return {
        "hit_rate": rate,
        "total_requests": hits + misses,
        "cache_hits": hits,
        "cache_misses": misses,
        "cached_items": len(live),
        "cache_size_mb": used_mb,
        "memory_usage": {
            "used_mb": used_mb,
            "available_mb": round(max(0.0, budget - used_mb), 4),
            "utilization": round(used_mb / budget, 4) if budget else 0.0,
            "budget_mb": budget,
            "backend": "dynamodb",
        },
        "popular_formats": popular,
        "hits": hits,
        "misses": misses,
        "entries": len(live),
        "entries_by_format": by_format,
        "ttl_seconds": ttl_seconds(),
        "backend": "dynamodb",
    }
