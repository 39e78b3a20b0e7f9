"""Where a webhook may point: public HTTPS endpoints only, so a subscription cannot make our
functions call into the cloud's or a user's private network (SSRF).

Checked when a webhook is created and again before every delivery (DNS may have changed).
A host listed in WEBHOOK_ALLOWED_HOSTS (comma-separated `host` or `host:port`) skips the
address checks and may use plain http: that is how tests let a local receiver through, and
it is empty in every deployed stage.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from tracktion.config import WebhookSettings, get
from tracktion.errors import InvalidUrl

MAX_URL_LENGTH = 2048


class UnsafeWebhookUrl(InvalidUrl):
    error_code = "INVALID_WEBHOOK_URL"


def _allowed_hosts() -> set[str]:
    return {h.strip().lower() for h in get(WebhookSettings).allowed_hosts.split(",") if h.strip()}


def _is_public(address: str) -> bool:
    """The import fetcher's own test (globally routable; mapped and 6to4 IPv6 unwrapped)."""
    from tracktion.sources.fetch import is_public_address

    return is_public_address(address)


def check_webhook_url(url: str, *, resolve: bool = True) -> str:
    """The URL, if deliveries to it are allowed; UnsafeWebhookUrl (400) otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeWebhookUrl("Webhook URL is too long")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookUrl("Webhook URL is not a valid URL") from exc
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise UnsafeWebhookUrl("Webhook URL needs a host and no credentials")
    allowed = _allowed_hosts()
    if host in allowed or (port is not None and f"{host}:{port}" in allowed):
        if parts.scheme not in ("https", "http"):
            raise UnsafeWebhookUrl("Webhook URL must be http(s)")
        return url
    if parts.scheme != "https":
        raise UnsafeWebhookUrl("Webhook URL must use https")
    if port not in (None, 443, 8443):
        raise UnsafeWebhookUrl("Webhook URL must use port 443 or 8443")
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        if not _is_public(str(literal)):
            raise UnsafeWebhookUrl("Webhook URL points at a private or reserved address")
        return url
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise UnsafeWebhookUrl("Webhook URL points at a private host")
    if resolve:
        try:
            infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise UnsafeWebhookUrl("Webhook host does not resolve", details={"host": host}) from exc
        if not infos or not all(_is_public(str(info[4][0])) for info in infos):
            raise UnsafeWebhookUrl("Webhook host resolves to a private or reserved address")
    return url
