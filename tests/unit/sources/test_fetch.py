"""The guarded fetcher: only the site, only public addresses, every redirect re-checked, capped."""

from __future__ import annotations

import socket
import threading

import pytest

from local.source_site import OWN_PAGES, start_source_site
from tracktion.errors import UpstreamError
from tracktion.sources.fetch import DestinationRefused, SourceFetcher, is_public_address
from tracktion.sources.politeness import PolitenessBucket

KOLSCH = "/tracklist/2k7xq9tb/kolsch-ann-clue-sonar-festival-fira-montjuic-spain-2025-06-14.html"


@pytest.fixture
def site():
    server, base = start_source_site(OWN_PAGES)
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def bucket():
    """The real budget; refused fetches must never reach it (no AWS behind this one)."""
    return PolitenessBucket(interval_seconds=0)


@pytest.fixture
def budget(aws):
    """The real budget on moto, for fetches that do take a turn."""
    return PolitenessBucket(interval_seconds=0)


def test_configured_local_copy_serves_pages_and_same_origin_redirects(site, budget):
    fetcher = SourceFetcher(site, bucket=budget)

    page = fetcher.get(KOLSCH)
    moved = fetcher.get("/tracklist/rdr0ok01/moved.html")

    assert page.status == 200 and 'data-id="2k7xq9tb"' in page.text
    assert moved.url == site + KOLSCH


@pytest.mark.parametrize(
    "path",
    [
        "/tracklist/rdr0meta/redirect-to-metadata.html",  # http://169.254.169.254/latest/meta-data/
        "/tracklist/rdr0loop/redirect-to-loopback.html",  # http://127.0.0.1:1/admin (another origin)
        "/tracklist/rdr0priv/redirect-to-private-https.html",  # https://10.0.0.5/...
    ],
)
def test_redirects_off_the_site_are_refused(site, budget, path):
    with pytest.raises(DestinationRefused) as caught:
        SourceFetcher(site, bucket=budget).get(path)

    assert caught.value.error_code == "DESTINATION_REFUSED"


def test_redirect_loops_stop_after_five(site, budget):
    with pytest.raises(DestinationRefused) as caught:
        SourceFetcher(site, bucket=budget).get("/tracklist/rdr0lp01/loop.html")

    assert caught.value.details["max_redirects"] == 5


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["10.1.2.3"],
        ["192.168.1.10"],
        ["100.64.0.1"],
        ["::1"],
        ["fe80::1"],
        ["fd00:ec2::254"],
        ["::ffff:169.254.169.254"],
        ["0.0.0.0"],
        ["104.21.0.1", "10.0.0.1"],  # one private answer among public ones is enough to refuse
    ],
)
def test_site_host_resolving_to_a_non_public_address_is_refused_before_connecting(bucket, addresses):
    asked = []

    def resolver(host, port):
        asked.append((host, port))
        return addresses

    fetcher = SourceFetcher("https://www.1001tracklists.com", resolver=resolver, bucket=bucket)

    with pytest.raises(DestinationRefused):
        fetcher.get(KOLSCH)

    assert asked == [("www.1001tracklists.com", 443)]


def test_public_address_rules():
    assert is_public_address("104.21.64.1")
    assert is_public_address("2606:4700::6812:1")
    for address in [
        "127.0.0.1",
        "169.254.169.254",
        "10.0.0.1",
        "172.16.0.1",
        "::1",
        "fc00::1",
        "224.0.0.1",
        "x",
    ]:
        assert not is_public_address(address), address


def test_response_larger_than_the_cap_is_refused(site, budget):
    with pytest.raises(UpstreamError) as caught:
        SourceFetcher(site, bucket=budget, max_bytes=2000).get(KOLSCH)

    assert caught.value.details["max_bytes"] == 2000


def test_a_silent_server_times_out(budget):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    host, port = listener.getsockname()

    try:
        with pytest.raises(UpstreamError) as caught:
            SourceFetcher(f"http://{host}:{port}", bucket=budget, read_timeout=0.3).get("/x")
        assert caught.value.error_code == "UPSTREAM_TIMEOUT"
    finally:
        for conn, _ in accepted:
            conn.close()
        listener.close()
