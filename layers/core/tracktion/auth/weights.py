"""What a request costs in tokens, by endpoint. The one table of weights (docs/security.md).

health 0, reads 1, search 2, CUE generation 5, import 10, and 10 per URL of a batch, which
the batch code charges itself through `ratelimit.charge_tokens` once it knows the URL count
(the submission request itself costs nothing more).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Weight:
    category: str
    tokens: int


HEALTH = Weight("health", 0)
READ = Weight("read", 1)
WRITE = Weight("write", 1)
SEARCH = Weight("search", 2)
CUE = Weight("cue_generation", 5)
IMPORT = Weight("import", 10)
BATCH = Weight("batch", 0)

# (methods or None for any, path regex under the API, weight); first match wins.
_TABLE: tuple[tuple[frozenset[str] | None, re.Pattern[str], Weight], ...] = tuple(
    (frozenset(m) if m else None, re.compile(p), w)
    for m, p, w in (
        (None, r"^/health$", HEALTH),
        (("POST",), r"^/api/v1/batch/?$", BATCH),
        (("POST",), r"^/api/v1/tracklists/import(/|$)", IMPORT),
        (("POST",), r"^/api/v1/tracklist/?$", IMPORT),
        (("POST",), r"^/api/v1/cue/generate(/|$)", CUE),
        (("POST",), r"^/api/v1/cue/files/[^/]+/(regenerate|convert)$", CUE),
        (("POST",), r"^/api/v1/tracklists/[^/]+/generate-cue$", CUE),
        (("GET",), r"^/api/v1/search(/|$)", SEARCH),
        (("GET",), r"^/api/v1/tracklists/search(/|$)", SEARCH),
        (("GET",), r"^/api/v1/tracklists/catalog/search$", SEARCH),
        # POSTs that only read (a body too large or structured for a query string): they
        # cost what a read or a search costs and a read-only key may make them.
        (("POST",), r"^/api/v1/tracklists/catalog/match$", SEARCH),
        (("POST",), r"^/api/v1/tracklists/[^/]+/tracks/validate-timing$", READ),
        (("POST",), r"^/api/v1/cue/validate$", READ),
        (("POST",), r"^/api/v1/cue/files/[^/]+/validate$", READ),
        (("GET", "HEAD", "OPTIONS"), r".*", READ),
        (None, r".*", WRITE),
    )
)


READ_ONLY_WEIGHTS = frozenset({HEALTH.category, READ.category, SEARCH.category})


def is_read_only(method: str, path: str) -> bool:
    """Whether a read-only key may make this call (GETs, and the POSTs that only read)."""
    return weight_of(method, path).category in READ_ONLY_WEIGHTS


def weight_of(method: str, path: str) -> Weight:
    method = method.upper()
    for methods, pattern, weight in _TABLE:
        if (methods is None or method in methods) and pattern.search(path):
            return weight
    return WRITE
