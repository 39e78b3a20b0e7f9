"""What a request costs in tokens: the named weights routes declare (docs/security.md).

health 0, reads 1, other writes 1, search 2, CUE generation 5, import 10, and 10 per URL of a
batch, which the batch code charges itself through `ratelimit.charge_tokens` once it knows the
URL count (the submission request itself costs nothing more). Which route costs what is
declared at the route (`tracktion.api.rules`), not here.
"""

from __future__ import annotations

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
# A public route that is neither limited nor counted (the documentation).
UNCOUNTED = Weight("uncounted", 0)
