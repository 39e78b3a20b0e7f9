"""What identifies a request under an Idempotency-Key (tracktion.api.idempotency), on any input
a client can send: the key is accepted or refused with the documented 400, never a crash; the
body's fingerprint ignores what a client may change between retries (JSON key order and
spacing, a multipart boundary) and nothing else."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion.api.idempotency import InvalidIdempotencyKey, _body_digest, key_of


def _event(body: str | None, headers: dict[str, str], b64: bool = False) -> dict:
    return {"headers": headers, "body": body, "isBase64Encoded": b64}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_header_value_is_a_key_or_the_documented_refusal(value):
    try:
        key = key_of(_event(None, {"idempotency-key": value}))
    except InvalidIdempotencyKey as exc:
        assert exc.status == 400 and exc.error_code == "INVALID_IDEMPOTENCY_KEY"
    else:
        assert key == value and 1 <= len(value) <= 255 and all("!" <= c <= "~" for c in value)


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(
        st.none(), st.text(max_size=500), st.binary(max_size=500).map(lambda b: b.decode("latin-1"))
    ),
    content_type=st.one_of(
        st.just(""),
        st.just("application/json"),
        st.text(max_size=80).map(lambda t: "multipart/form-data; " + t),
        st.text(max_size=80),
    ),
    b64=st.booleans(),
)
def test_the_fingerprint_of_any_body_is_computed(body, content_type, b64):
    digest = _body_digest(_event(body, {"Content-Type": content_type}, b64))
    assert len(digest) == 64


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=6))
def test_json_key_order_and_spacing_do_not_matter_but_values_do(doc):
    compact = json.dumps(doc, separators=(",", ":"))
    spaced = json.dumps(dict(reversed(list(doc.items()))), indent=3)
    headers = {"content-type": "application/json"}
    assert _body_digest(_event(compact, headers)) == _body_digest(_event(spaced, headers))
    changed = json.dumps({**doc, "not-a-generated-key": 1})  # longer than any generated key
    assert _body_digest(_event(changed, headers)) != _body_digest(_event(compact, headers))


@pytest.mark.parametrize("b64", [False, True])
def test_a_new_multipart_boundary_is_the_same_request_but_new_content_is_not(b64):
    def form(boundary: str, content: str) -> str:
        text = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n{content}\r\n--{boundary}--\r\n'
        return base64.b64encode(text.encode()).decode() if b64 else text

    def digest(boundary: str, content: str) -> str:
        headers = {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}
        return _body_digest(_event(form(boundary, content), headers, b64))

    assert digest("abc123", "rows") == digest("zzz999", "rows")
    assert digest("abc123", "rows") != digest("abc123", "other rows")
