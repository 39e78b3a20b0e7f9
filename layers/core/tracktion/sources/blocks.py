"""Is this page the content we asked for, the site's "does not exist" page, or a block?

The site answers challenges with HTTP 200 (a JavaScript "Please wait" interstitial, a
Cloudflare Turnstile page, "IP limited due to overuse" with an image captcha) and those pages
still carry the real tracklist's title in <title> and og: tags. A successful page may also
contain Turnstile markup. So a page is judged by the presence of the real content for its
kind (the tracklist table, the search result list...), never by one marker; the markers only
name the reason in the error. Anything that is not real content is a block: nothing derived
from it may be stored or cached.
"""

from __future__ import annotations

from typing import Any

from tracktion.errors import NotFound, ServiceUnavailable, SourceBlocked, UpstreamError
from tracktion.sources.urls import PageKind

DEFAULT_BLOCK_RETRY_AFTER = 60


class SourcePageNotFound(NotFound):
    """The site's own "Sorry, that page does not exist" (or HTTP 404)."""

    error_code = "SOURCE_PAGE_NOT_FOUND"


class EmptyTracklist(UpstreamError):
    """A real tracklist page with zero track rows: never stored or cached as "no tracklist"."""

    error_code = "EMPTY_TRACKLIST"


class SourceBusy(ServiceUnavailable):
    """Our shared politeness budget towards the site is spent for longer than a request may wait."""

    error_code = "SOURCE_BUSY"


def _text(tree: Any, selector: str) -> str:
    node = tree.css_first(selector)
    return " ".join(node.text().split()) if node is not None else ""


def _headings(tree: Any) -> str:
    return " ".join(" ".join(h.text().split()) for h in tree.css("h1")).lower()


def has_content(tree: Any, kind: PageKind) -> bool:
    """True when the page holds the real content of its kind (rows may still be zero)."""
    if kind is PageKind.TRACKLIST:
        return tree.css_first("#tlTab") is not None
    if kind is PageKind.SEARCH:
        if tree.css_first("div.bItm.oItm") is not None:
            return True
        title = _text(tree, "title").lower()
        heads = _headings(tree)
        return title.startswith("tracklists search result for") and (
            "welcome to 1001tracklists search" in heads or tree.css_first("div.sDiv") is not None
        )
    # DJ and event pages: a page title plus their list of tracklists (possibly empty).
    return tree.css_first("#pageTitle") is not None or tree.css_first("div.bItm.oItm") is not None


def block_reason(tree: Any, html: str) -> str:
    """A name for what stood in the way, for the error's details and the logs."""
    heads = _headings(tree)
    lowered = html.lower()
    if "limited due to overuse" in heads or "unblock_ip" in lowered:
        return "ip_limited"
    if tree.css_first("input[name=captcha]") is not None or "please wait" in heads:
        return "js_challenge"
    if "cf-turnstile" in lowered or "challenges.cloudflare.com" in lowered or "just a moment" in lowered:
        return "turnstile"
    return "unrecognised_page"


def is_not_found_page(tree: Any) -> bool:
    return "that page does not exist" in _headings(tree)


def ensure_content(tree: Any, html: str, kind: PageKind, *, retry_after: int | None = None) -> None:
    """Raise unless `tree` holds real content of `kind`: 404 for the site's missing page, else blocked."""
    if has_content(tree, kind):
        return
    if is_not_found_page(tree):
        raise SourcePageNotFound("The page does not exist on 1001tracklists")
    reason = block_reason(tree, html)
    raise SourceBlocked(
        "1001tracklists answered with a challenge instead of the page; try again later, "
        "or import the page's HTML or a plain-text tracklist",
        details={"reason": reason, "kind": kind.value},
        retry_after=retry_after or DEFAULT_BLOCK_RETRY_AFTER,
    )
