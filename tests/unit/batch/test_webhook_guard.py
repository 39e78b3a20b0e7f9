"""Webhook URLs: public HTTPS only, unless a host is allowed by configuration."""

from __future__ import annotations

import pytest

from tracktion.webhooks.guard import UnsafeWebhookUrl, check_webhook_url


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.5/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://localhost/x",
        "https://metadata.internal/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com:22/x",
        "ftp://hooks.example.com/x",
        "https:///nohost",
    ],
)
def test_private_plain_or_odd_webhook_urls_are_refused(url, monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS", raising=False)

    with pytest.raises(UnsafeWebhookUrl) as refused:
        check_webhook_url(url, resolve=False)

    assert refused.value.status == 400
    assert refused.value.error_code == "INVALID_WEBHOOK_URL"


def test_public_https_url_is_accepted(monkeypatch):
    monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS", raising=False)

    assert check_webhook_url("https://93.184.215.14/hooks", resolve=False) == "https://93.184.215.14/hooks"


def test_a_host_resolving_to_a_private_address_is_refused(monkeypatch):
    import socket

    monkeypatch.delenv("WEBHOOK_ALLOWED_HOSTS", raising=False)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )

    with pytest.raises(UnsafeWebhookUrl):
        check_webhook_url("https://innocent.example.com/hook")


def test_configured_local_receiver_is_allowed_even_over_http(monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")

    assert check_webhook_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
    with pytest.raises(UnsafeWebhookUrl):
        check_webhook_url("http://10.0.0.1/hook", resolve=False)
