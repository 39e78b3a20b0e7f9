"""The published Python clients (../shared/spec/python-client-examples.md), run as published.

`load()` executes the class and function definitions of the document's code blocks (each block
up to its "# Example usage", which would call the real service) and returns them by name:
`TracktionClient`, `RateLimitError`, `JWTAuthClient`, `generate_hmac_signature`,
`SecureTracktionClient`, ... Nothing of them is changed; a test only chooses where their
`requests.Session` goes: the local runtime (base_url) or, with `HandlerAdapter` mounted on the
session, the Lambda handlers themselves, each request run as API Gateway runs it (authorizer
first unless the route is public, then the function the template routes it to).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests import gateway
from tests.conftest import ROOT

SPEC = Path(ROOT).parent / "shared" / "spec" / "python-client-examples.md"
BASE_URL = "https://api.tracktion.com"  # the published clients' default


def load() -> dict[str, Any]:
    """The published definitions, executed in one namespace as a user would paste them."""
    import pytest

    if not SPEC.exists():
        pytest.skip(f"{SPEC} is absent")
    text = SPEC.read_text(encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": "published_clients"}
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        code = block.split("# Example usage")[0]
        if "def main()" in code or "def install_requirements" in code:
            continue  # the example application and the setup script run things at import
        exec(compile(code, str(SPEC), "exec"), namespace)  # noqa: S102 - the published text, as users run it
    return namespace


def route_for(method: str, path: str) -> tuple[bool, str]:
    """(public, handler module) of the route the gateway picks for `method path`."""
    found = gateway.route(method, path)
    if found is None:
        raise AssertionError(f"no route for {method} {path}")
    return found[0].authorizer is None, gateway.module_of(found[0].function)


def invoke(method: str, path: str, query: str, headers: dict[str, str], body: str | None) -> dict[str, Any]:
    """One request through the template's route table: the authorizer (unless the route is
    public), then the function the template routes it to; the function's result."""
    return gateway.invoke(
        method, path, body=body, headers=headers, query=dict(parse_qsl(query)), raw_query=query
    ).result


class HandlerAdapter:
    """A `requests` transport that answers from the handlers (mount it on a client's session)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, request: Any, **_: Any) -> Any:
        import requests
        from requests.structures import CaseInsensitiveDict

        self.sent.append(request)
        url = urlsplit(request.url)
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        res = invoke(request.method, url.path, url.query, dict(request.headers), body)
        response = requests.Response()
        response.status_code = res["statusCode"]
        response.headers = CaseInsensitiveDict(res.get("headers") or {})
        raw = res.get("body") or ""
        response._content = raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def on_handlers(client: Any) -> HandlerAdapter:
    """Route a published client's session to the handlers; returns the adapter (it keeps what was sent)."""
    adapter = HandlerAdapter()
    client.session.mount(BASE_URL, adapter)
    return adapter
