"""The only way our code fetches 1001tracklists pages: a guarded httpx client.

Guards (docs/security.md): only https on the two site hosts, port 443; the host is resolved
once and every address must be public (no private, loopback, link-local, metadata, CGNAT,
multicast or reserved ranges, IPv4 or IPv6), and the connection goes to that checked address
(TLS still verifies the site's name), so DNS cannot be rebound between check and use;
redirects are followed by hand, at most five, each re-checked the same way; connect/read
timeouts and an overall deadline; the body is streamed and cut at a size cap.

The configured SOURCE_BASE_URL is the one exception: it is deployment configuration (tests
and the local runtime point it at a local copy of the site), never user input, and only its
exact origin is trusted. Every request spends the shared politeness budget first.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from tracktion.config import SourceSettings, get
from tracktion.errors import SourceBlocked, UpstreamError
from tracktion.models import Model
from tracktion.sources.blocks import DEFAULT_BLOCK_RETRY_AFTER, SourcePageNotFound
from tracktion.sources.politeness import PolitenessBucket
from tracktion.sources.urls import ALLOWED_HOSTS

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
# Every page of the site ends with </html> (scripts or a comment may follow): a page whose last
# characters hold none was cut off on the way.
COMPLETE_TAIL = 4096
USER_AGENT = "Tracktion/0.1 (tracklist import; polite: one request every few seconds)"

Resolver = Callable[[str, int], list[str]]


class DestinationRefused(UpstreamError):
    """A fetch (or a redirect) would leave the site or reach a non-public address."""

    error_code = "DESTINATION_REFUSED"


class FetchedPage(Model):
    url: str  # the final URL, after redirects
    status: int
    text: str


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the host resolves to (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UpstreamError("Could not resolve the source host", details={"host": host}) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def base_url() -> str:
    """Where the site is fetched from: the real site, or a local copy set by configuration."""
    return get(SourceSettings).base_url.rstrip("/")


class SourceFetcher:
    def __init__(
        self,
        base: str | None = None,
        *,
        resolver: Resolver = resolve_host,
        bucket: PolitenessBucket | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        deadline_seconds: float | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.base = (base or base_url()).rstrip("/")
        self._resolver = resolver
        self._bucket = bucket if bucket is not None else PolitenessBucket()
        configured = get(SourceSettings)
        self._connect_timeout = connect_timeout or configured.connect_timeout_seconds
        self._read_timeout = read_timeout or configured.read_timeout_seconds
        self._deadline = deadline_seconds or configured.deadline_seconds
        self._max_bytes = max_bytes or configured.max_response_bytes
        base_origin = _origin(self.base)
        # The real site is never trusted by name: it is resolved and checked like any redirect.
        self._trusted = base_origin if base_origin[1] not in ALLOWED_HOSTS else None

    def get(self, path: str, params: dict[str, str] | None = None) -> FetchedPage:
        url = self.base + path
        if params:
            url += "?" + urlencode(params)
        return self._fetch("GET", url, None)

    def post_form(self, path: str, data: dict[str, str]) -> FetchedPage:
        return self._fetch("POST", self.base + path, data)

    def _target(self, url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The URL to connect to (a checked IP for the real site), Host header and TLS name."""
        parts = urlsplit(url)
        origin = _origin(url)
        if self._trusted is not None and origin == self._trusted:
            return url, {}, {}
        scheme, host, port = origin
        if scheme != "https" or host not in ALLOWED_HOSTS or port != 443 or parts.username:
            raise DestinationRefused(
                "Refused to fetch outside 1001tracklists.com", details={"url": url[:200]}
            )
        addresses = self._resolver(host, port)
        if not addresses or not all(is_public_address(a) for a in addresses):
            raise DestinationRefused(
                "Refused a non-public address for the source host", details={"host": host}
            )
        address = addresses[0]
        netloc = f"[{address}]" if ":" in address else address
        pinned = urlunsplit(("https", netloc, parts.path or "/", parts.query, ""))
        return pinned, {"Host": host}, {"sni_hostname": host}

    def _fetch(self, method: str, url: str, data: dict[str, str] | None) -> FetchedPage:
        import httpx  # ~150 ms of import: paid only by requests that fetch

        started = time.monotonic()
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"}
        timeout = httpx.Timeout(connect=self._connect_timeout, read=self._read_timeout, write=10.0, pool=5.0)
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                target, extra_headers, extensions = self._target(url)
                self._bucket.acquire()
                try:
                    with client.stream(
                        method,
                        target,
                        data=data,
                        headers={**headers, **extra_headers},
                        extensions=extensions,
                    ) as response:
                        if response.is_redirect:
                            location = response.headers.get("location", "")
                            if not location:
                                raise UpstreamError("Redirect without a location from the source")
                            url = urljoin(url, location)
                            if response.status_code in (301, 302, 303) and method == "POST":
                                method, data = "GET", None
                            continue
                        body = self._read_capped(response, started)
                        status = response.status_code
                        encoding = response.encoding or "utf-8"
                except httpx.TimeoutException as exc:
                    raise UpstreamError(
                        "The source did not answer in time", error_code="UPSTREAM_TIMEOUT"
                    ) from exc
                except httpx.HTTPError as exc:
                    raise UpstreamError(
                        "Could not reach the source", details={"error": type(exc).__name__}
                    ) from exc
                return self._judge(FetchedPage(url=url, status=status, text=body.decode(encoding, "replace")))
        raise DestinationRefused(
            "Too many redirects from the source", details={"max_redirects": MAX_REDIRECTS}
        )

    def _read_capped(self, response: httpx.Response, started: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise UpstreamError("The source page is too large", details={"max_bytes": self._max_bytes})
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise UpstreamError("The source page is too large", details={"max_bytes": self._max_bytes})
            if time.monotonic() - started > self._deadline:
                raise UpstreamError("The source did not answer in time", error_code="UPSTREAM_TIMEOUT")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _judge(page: FetchedPage) -> FetchedPage:
        if page.status == 404:
            raise SourcePageNotFound("The page does not exist on 1001tracklists")
        if page.status in (403, 429, 503):
            raise SourceBlocked(
                "1001tracklists refused the request; try again later",
                details={"reason": f"http_{page.status}"},
                retry_after=DEFAULT_BLOCK_RETRY_AFTER,
            )
        if page.status >= 400:
            raise UpstreamError("The source answered with an error", details={"status": page.status})
        if "</html>" not in page.text[-COMPLETE_TAIL:].lower():
            # A page cut off on its way (a proxy or the site dropping the rest with a well-formed
            # answer) parses as a shorter tracklist: it would be stored as half of itself.
            raise UpstreamError(
                "The source page was cut off before its end",
                details={"reason": "truncated", "received_chars": len(page.text)},
            )
        return page
