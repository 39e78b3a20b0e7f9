"""TTL cache of what we read from the source: parsed tracklist pages and result lists.

Items live in the CacheTable (pk/sk, TTL on `expires_at`). We cache the parsed JSON, not the
raw page: a page is up to ~350 KB (DynamoDB's item limit is 400 KB) while its parse is a few
KB; it is stored zlib-compressed. DynamoDB deletes expired items lazily, so every read checks
`expires_at` itself. Only successful parses are ever put here: block pages, missing pages and
empty tracklists raise before reaching the cache.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from tracktion.clock import epoch, iso
from tracktion.config import SourceSettings, get, settings
from tracktion.storage import dynamodb as ddb
from tracktion.storage.aws import table

CLEAR_MAX_PAGES = 1000  # "clear all" scans at most this many 1 MB pages


def ttl_seconds() -> int:
    return get(SourceSettings).cache_ttl_seconds


def page_key(kind: str, identity: str) -> str:
    """Key of one parsed page: kind and the page's own id (or canonical path)."""
    return f"SRCPAGE#{kind}#{identity}"


def query_key(kind: str, params: dict[str, Any]) -> str:
    """Key of one result list: a digest of its normalised parameters."""
    canonical = json.dumps({k: v for k, v in sorted(params.items()) if v not in (None, "")}, default=str)
    return f"SRCQUERY#{kind}#{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


class SourceCache:
    def __init__(self, table_name: str | None = None, ttl: int | None = None) -> None:
        self.table_name = table_name or settings().cache_table
        self.ttl = ttl if ttl is not None else ttl_seconds()

    @property
    def _table(self) -> Any:
        return table(self.table_name)

    def get(self, key: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": key, "sk": "v1"}).get("Item")
        if not item or int(item.get("expires_at", 0)) <= epoch():
            return None
        value: dict[str, Any] = json.loads(zlib.decompress(bytes(item["body"].value)))
        return value

    def put(self, key: str, value: dict[str, Any], *, url: str | None = None) -> None:
        body = zlib.compress(json.dumps(value, separators=(",", ":"), default=str).encode(), 6)
        item: dict[str, Any] = {
            "pk": key,
            "sk": "v1",
            "body": body,
            "cached_at": iso(),
            "expires_at": epoch() + self.ttl,
        }
        if url:
            item["url"] = url
        self._table.put_item(Item=item)

    def delete(self, key: str) -> bool:
        """Forget one entry; True when something was there."""
        old = self._table.delete_item(Key={"pk": key, "sk": "v1"}, ReturnValues="ALL_OLD").get("Attributes")
        return bool(old)

    def clear(self, prefix: str) -> int:
        """Forget every entry whose key starts with `prefix`; the number that were still live.

        A scan (keys only), then batched deletes: for the administrator's "clear all", rare and
        bounded by the cache's size, which the TTL keeps small. Expired items that DynamoDB has
        not removed yet are deleted too but not counted (they were no longer answered).
        """
        now = epoch()
        live = 0
        kwargs: dict[str, Any] = {
            "FilterExpression": "begins_with(pk, :p)",
            "ExpressionAttributeValues": {":p": prefix},
            "ProjectionExpression": "pk, sk, expires_at",
        }
        with self._table.batch_writer() as batch:
            for page in ddb.pages(self._table.scan, max_pages=CLEAR_MAX_PAGES, **kwargs):
                for item in page.get("Items", []):
                    batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                    live += int(item.get("expires_at", 0)) > now
        return live
