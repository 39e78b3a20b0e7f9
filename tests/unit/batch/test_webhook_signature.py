"""Webhook signatures: HMAC-SHA256 over "{timestamp}.{body}", checked with a freshness window."""

from __future__ import annotations

import hashlib
import hmac

from tracktion.clock import epoch
from tracktion.webhooks.delivery import sign, verify


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"type":"batch.completed"}'

    signature = sign("whsec_x", 1795334400, body)

    expected = hmac.new(b"whsec_x", b"1795334400." + body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"


def test_receiver_accepts_a_fresh_signature_and_rejects_tampering_or_staleness():
    body = b'{"a":1}'
    now = epoch()

    assert verify("s", str(now), body, sign("s", now, body))
    assert not verify("s", str(now), b'{"a":2}', sign("s", now, body))
    assert not verify("other", str(now), body, sign("s", now, body))
    assert not verify("s", str(now - 3600), body, sign("s", now - 3600, body))
    assert not verify("s", "not-a-time", body, sign("s", now, body))
