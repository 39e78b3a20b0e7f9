"""The local Beatport v4 + MusicBrainz stand-in, for tests: it lives in local/catalog_site.py
(`make run` serves it too); this name is kept for the tests that import it from here.

The provider code under test is the real httpx code; only its base URL points here
(`server.beatport_url` = http://127.0.0.1:<port>/v4, `server.musicbrainz_url` = .../ws/2).
"""

from local.catalog_site import (
    ACCOUNT_PASSWORD,
    ACCOUNT_USERNAME,
    CLIENT_ID,
    CLIENT_SECRET,
    DOCS_CLIENT_ID,
    CatalogSite,
)
from local.catalog_site import main as serve_forever

CatalogServer = CatalogSite

__all__ = [
    "ACCOUNT_PASSWORD",
    "ACCOUNT_USERNAME",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DOCS_CLIENT_ID",
    "CatalogServer",
    "CatalogSite",
    "serve_forever",
]
