"""The TTL cache of parsed source pages and result lists (CacheTable, TTL on expires_at)."""

from __future__ import annotations

from tracktion.cache.source_cache import SourceCache, page_key, query_key


def test_cached_value_round_trips_and_can_be_forgotten(aws):
    cache = SourceCache(ttl=3600)
    key = page_key("tracklist", "2k7xq9tb")

    cache.put(
        key, {"title": "Kölsch @ Sónar", "tracks": [{"position": 1}]}, url="https://www.1001tracklists.com/x"
    )

    assert cache.get(key) == {"title": "Kölsch @ Sónar", "tracks": [{"position": 1}]}
    assert cache.delete(key) is True
    assert cache.get(key) is None
    assert cache.delete(key) is False


def test_expired_entry_is_never_served_before_dynamodb_sweeps_it(aws):
    cache = SourceCache(ttl=-1)
    key = page_key("tracklist", "l3uw499")

    cache.put(key, {"title": "stale"})

    assert cache.get(key) is None


def test_result_list_keys_ignore_empty_parameters_and_order():
    assert query_key("search", {"query": "kolsch", "page": "1", "genre": None}) == query_key(
        "search", {"page": "1", "query": "kolsch"}
    )
    assert query_key("search", {"query": "kolsch", "page": "1"}) != query_key(
        "search", {"query": "kolsch", "page": "2"}
    )
