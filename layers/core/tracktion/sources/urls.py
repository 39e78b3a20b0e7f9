"""Which 1001tracklists URLs we accept, and their one canonical spelling.

Only https URLs on `www.1001tracklists.com` or the bare domain, and only page kinds we can
parse, are accepted from users. Everything else is a 400 INVALID_URL before any network I/O.
The canonical form (https, www host, no query/fragment) is what caches and idempotency key on;
the tracklist's own page id (`/tracklist/<id>/...`) tells same-titled sets apart.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

from tracktion.errors import InvalidUrl
from tracktion.models import Model

SITE = "https://www.1001tracklists.com"
ALLOWED_HOSTS = frozenset({"www.1001tracklists.com", "1001tracklists.com"})
MAX_URL_LENGTH = 2048

_ID = r"[0-9a-z]{4,12}"
_SLUG = r"[0-9a-z][0-9a-z._\-]{0,200}"
# The site's own links end in `.html`; the reference's examples (and people) leave it out.
_TRACKLIST = re.compile(rf"^/tracklist/(?P<id>{_ID})(?:/(?P<slug>{_SLUG}?)(?:\.html)?|/?)$")
_DJ = re.compile(rf"^/dj/(?P<slug>{_SLUG})(?:/(?:index\.html|tracklists\.html)?)?$")
_SOURCE = re.compile(rf"^/source/(?P<id>{_ID})(?:/(?P<slug>{_SLUG}))?(?:/(?:index\.html)?)?$")

# The same rules as JSON Schema patterns (ECMA-262 and Python alike), for request schemas (as
# schema only: the checks above stay the code's, with their INVALID_URL): every string they match
# is accepted here (tracklist_page, event_page). Narrower where a regex says it poorly: lower case
# only (scheme, host and path are read case-insensitively).
TRACKLIST_URL_PATTERN = (
    r"^https://(?:www\.)?1001tracklists\.com(?::443)?"
    r"/tracklist/[0-9a-z]{4,12}(?:/[0-9a-z][0-9a-z._-]{0,200}|/)?(?:[?#][^\s]*)?$"
)
# `<id>`, `<id>-<slug>`, `<id>_<slug>` or `<id>--<slug>` ("--" stands for "/"); a slug holds no "--".
EVENT_SLUG_PATTERN = r"^[0-9A-Za-z]{4,12}(?:(?:-|_|--)[0-9A-Za-z](?:-?[0-9A-Za-z._])*-?)?$"


class PageKind(StrEnum):
    TRACKLIST = "tracklist"
    DJ = "dj"
    EVENT = "event"  # the site calls events, venues, shows and stations "sources"
    SEARCH = "search"


class SourcePage(Model):
    """A page of the site: its kind, canonical URL and path (the part fetched from the base URL)."""

    kind: PageKind
    url: str
    path: str
    page_id: str | None = None
    slug: str | None = None

    @property
    def source_key(self) -> str:
        """The idempotency key of an import: the page id, not the title or slug."""
        return f"1001tl:{self.page_id}"


def parse_page_url(url: str) -> SourcePage:
    """Classify a user-supplied URL; InvalidUrl for any other scheme, host or page kind."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidUrl("A 1001tracklists URL is required")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl("URL is too long", details={"max_length": MAX_URL_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl("Malformed URL") from exc
    if parts.scheme.lower() != "https":
        raise InvalidUrl("Only https 1001tracklists.com URLs are accepted", details={"url": url[:200]})
    host = (parts.hostname or "").lower().rstrip(".")
    if host not in ALLOWED_HOSTS or parts.username or parts.password or port not in (None, 443):
        raise InvalidUrl("Only 1001tracklists.com URLs are accepted", details={"url": url[:200]})
    path = parts.path.lower() if parts.path else "/"
    if m := _TRACKLIST.match(path):
        page_id, slug = m["id"], m["slug"]
        canonical = f"/tracklist/{page_id}/{slug}.html" if slug else f"/tracklist/{page_id}/"
        return SourcePage(
            kind=PageKind.TRACKLIST, url=SITE + canonical, path=canonical, page_id=page_id, slug=slug
        )
    if m := _DJ.match(path):
        return dj_page(m["slug"])
    if m := _SOURCE.match(path):
        canonical = f"/source/{m['id']}/{m['slug']}/index.html" if m["slug"] else f"/source/{m['id']}/"
        return SourcePage(kind=PageKind.EVENT, url=SITE + canonical, path=canonical, page_id=m["id"])
    raise InvalidUrl("Not a 1001tracklists page we can read", details={"url": url[:200]})


def canonical_tracklist_url(url: str) -> str:
    """The canonical URL of a tracklist page; InvalidUrl for anything else."""
    page = parse_page_url(url)
    if page.kind is not PageKind.TRACKLIST:
        raise InvalidUrl("Not a 1001tracklists tracklist page", details={"kind": page.kind.value})
    return page.url


def tracklist_page(url: str) -> SourcePage:
    page = parse_page_url(url)
    if page.kind is not PageKind.TRACKLIST:
        raise InvalidUrl("Not a 1001tracklists tracklist page", details={"kind": page.kind.value})
    return page


def dj_page(slug: str) -> SourcePage:
    slug = slug.strip().lower()
    if not re.fullmatch(_SLUG, slug):
        raise InvalidUrl("Invalid DJ slug", details={"dj_slug": slug[:100]})
    path = f"/dj/{slug}/index.html"
    return SourcePage(kind=PageKind.DJ, url=SITE + path, path=path, slug=slug)


def event_page(event_slug: str) -> SourcePage:
    """An event (the site's "source") by `<id>` or `<id>/<slug>` or `<id>-<slug>`."""
    value = event_slug.strip().lower().replace("--", "/")
    m = re.fullmatch(rf"(?P<id>{_ID})(?:[/\-_](?P<slug>{_SLUG}))?", value)
    if not m:
        raise InvalidUrl(
            "Invalid event slug (expected the site's source id)", details={"event_slug": value[:100]}
        )
    path = f"/source/{m['id']}/{m['slug']}/index.html" if m["slug"] else f"/source/{m['id']}/index.html"
    return SourcePage(kind=PageKind.EVENT, url=SITE + path, path=path, page_id=m["id"], slug=m["slug"])


SEARCH_PATH = "/search/result.php"
