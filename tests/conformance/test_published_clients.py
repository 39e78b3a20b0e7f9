"""The Python clients we published (../shared/spec/python-client-examples.md), run as published.

The ```python blocks are read in place; their imports, classes and functions are executed as
written (module-level "Example usage" statements that would call the service with placeholder
credentials are left out: every top-level statement that uses a name the examples define).
Only the base URL and credentials are passed, as arguments; the one value changed is the
example's past `expires_at`, replaced by a future date. Where the examples and the reference
disagree (the key list: an array in the reference, `{"keys": [...]}` in the example), the
reference wins and the test says so.
"""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conformance.conftest import PASSWORD, SERVED_QUERY, World, expect, require_spec

require_spec()

from tests.contract.reference import python_blocks, reference  # noqa: E402

pytestmark = pytest.mark.integration

PUBLISHED_NAMES = (
    "TracktionClient",
    "RateLimitError",
    "JWTAuthClient",
    "generate_hmac_signature",
    "SecureTracktionClient",
    "retry_with_backoff",
    "RobustTracktionClient",
    "APIKeyManager",
    "TracktionAPIError",
    "RobustAPIHandler",
)


def _bound(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def published_code() -> str:
    """The published definitions, verbatim and in document order, without their example usage."""
    blocks = [(code, ast.parse(code)) for _heading, code in python_blocks()]
    defined = set().union(*(_bound(tree) for _code, tree in blocks))
    kept: list[str] = []
    for code, tree in blocks:
        lines = code.splitlines()
        for node in tree.body:
            keep = isinstance(node, ast.Import | ast.ImportFrom | ast.ClassDef | ast.FunctionDef)
            if isinstance(node, ast.Assign):
                used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
                keep = not used & defined  # e.g. `logger = logging.getLogger(__name__)`
            if keep:
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                kept.append("\n".join(lines[first - 1 : node.end_lineno]))
    return "\n\n".join(kept) + "\n"


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "tracktion_published_examples"}
    exec(compile(published_code(), "python-client-examples.md", "exec"), namespace)  # noqa: S102
    missing = [name for name in PUBLISHED_NAMES if name not in namespace]
    assert not missing, f"the published examples no longer define {missing}"
    return namespace


def _status(error: Any) -> int:
    """The status of the answer a `requests.HTTPError` was raised for."""
    assert error.response is not None, error
    return int(error.response.status_code)


def _future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(world: World, **body: Any) -> dict[str, Any]:
    with world.client() as client:
        return expect(client.post("/api/v1/developer/keys", json={"name": "published-client", **body}), 201)


def _manual_body(world: World) -> dict[str, Any]:
    body = dict(reference().named("Create Manual Tracklist").request_body)
    return {**body, "audio_file_id": world.audio_file_id}


def test_the_examples_define_every_published_class_and_function(published: dict[str, Any]) -> None:
    assert all(callable(published[name]) for name in PUBLISHED_NAMES)


def test_api_key_client_searches_tracks(published: dict[str, Any], world: World) -> None:
    client = published["TracktionClient"](api_key=world.user.api_key, base_url=world.runtime.gateway_url)

    tracks = client.get("/api/v1/search/tracks", params={"q": "electronic music", "limit": 5})["tracks"]

    assert isinstance(tracks, list) and 0 < len(tracks) <= 5, tracks
    for track in tracks:  # what the example prints
        assert isinstance(track["title"], str) and isinstance(track["artist"], str), track
    # The example's own function, which reads the module-level `client` the example sets.
    published["client"] = client
    try:
        found = published["search_tracks"]("electronic music", limit=5)
    finally:
        del published["client"]
    assert found is not None and len(found) == len(tracks)


def test_robust_client_searches_with_retry_and_in_batches(published: dict[str, Any], world: World) -> None:
    client = published["RobustTracktionClient"](
        api_key=world.user.api_key, base_url=world.runtime.gateway_url
    )

    tracks = client.search_tracks_with_retry("electronic", limit=5)
    results = client.batch_search_tracks(["house", "techno"])

    assert isinstance(tracks, list) and tracks
    assert [r["query"] for r in results] == ["house", "techno"]
    assert all("tracks" in r for r in results), results


def test_jwt_client_logs_in_reads_the_profile_and_refreshes_again_and_again(
    published: dict[str, Any], world: World
) -> None:
    email = f"published-jwt-{uuid.uuid4().hex[:8]}@example.com"
    with world.runtime.client() as plain:
        expect(plain.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 201)
    client = published["JWTAuthClient"](base_url=world.runtime.gateway_url)

    assert client.login(email, PASSWORD) is True
    assert client.is_token_expired() is False
    assert client.make_authenticated_request("GET", "/api/v1/user/profile").json()["email"] == email
    first_refresh_token = client.refresh_token
    for attempt in range(3):
        # The published client keeps sending the refresh token of its login.
        assert client.refresh_access_token() is True, f"refresh number {attempt + 1} was refused"
        assert client.refresh_token == first_refresh_token
        profile = client.make_authenticated_request("GET", "/api/v1/user/profile")
        assert profile.status_code == 200 and profile.json()["email"] == email


@pytest.fixture(scope="module")
def signed_key(world: World) -> dict[str, Any]:
    """A key that must sign every request; its signing secret is shown once, at creation."""
    created = _key(world, permissions=["read", "write"], signature_required=True)
    assert created.get("signing_secret"), f"no signing_secret in the key's creation answer: {created}"
    return created


def _signed_requests(world: World) -> list[tuple[str, str, Any]]:
    validate = dict(reference().named("Validate Tracklist for CUE").request_body)
    validate["tracklist_id"] = world.imported_tracklist_id()
    return [
        ("POST", "/api/v1/tracklists/manual", _manual_body(world)),
        ("POST", "/api/v1/cue/validate", validate),
        ("GET", "/api/v1/developer/keys", None),
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["POST manual", "POST cue-validate", "GET keys"])
def test_hmac_client_signs_requests_a_signing_key_requires(
    published: dict[str, Any], world: World, signed_key: dict[str, Any], which: int
) -> None:
    import requests

    method, path, data = _signed_requests(world)[which]
    secure = published["SecureTracktionClient"](
        api_key=signed_key["api_key"],
        hmac_secret=signed_key["signing_secret"],
        base_url=world.runtime.gateway_url,
    )
    answer = secure.make_secure_request(method, path, data)
    assert isinstance(answer, dict | list), answer

    # The signature is checked, not just present: unsigned, or signed with another secret, is refused.
    unsigned = published["TracktionClient"](api_key=signed_key["api_key"], base_url=world.runtime.gateway_url)
    with pytest.raises(requests.exceptions.HTTPError) as refused:
        unsigned._make_request(method, path, **({"json": data} if data is not None else {}))
    assert _status(refused.value) == 401
    forged = published["SecureTracktionClient"](
        api_key=signed_key["api_key"], hmac_secret="tks_not-the-secret", base_url=world.runtime.gateway_url
    )
    with pytest.raises(requests.exceptions.HTTPError) as wrong:
        forged.make_secure_request(method, path, data)
    assert _status(wrong.value) == 401


def test_key_manager_creates_lists_rotates_and_revokes(published: dict[str, Any], world: World) -> None:
    import requests

    manager = published["APIKeyManager"](
        jwt_token=world.user.access_token, base_url=world.runtime.gateway_url
    )
    tracktion = published["TracktionClient"]

    new_key = manager.create_api_key(
        name="Production Server Key",
        permissions=["read", "write"],
        scopes=["search", "tracklists"],
        expires_at=_future(),  # the example's 2024-12-31T23:59:59Z is past
    )
    assert isinstance(new_key["key"], str)  # what the example prints
    assert new_key.get("api_key") == new_key["key"]  # the reference's name for it
    key_id = new_key["key_id"]
    search = {"query": SERVED_QUERY, "limit": 1}
    assert "results" in tracktion(api_key=new_key["key"], base_url=world.runtime.gateway_url).get(
        "/api/v1/search", params=search
    )

    keys = manager.list_api_keys()
    # The reference (an array) wins over the example's `keys['keys']`.
    assert isinstance(keys, list), f"the reference documents an array, got {str(keys)[:200]}"
    listed = {k["key_id"]: k for k in keys}
    assert key_id in listed and listed[key_id]["is_active"] is True and listed[key_id]["name"]

    rotated = manager.rotate_api_key(key_id)
    assert isinstance(rotated["api_key"], str) and rotated["api_key"] != new_key["key"]

    revoked = manager.revoke_api_key(key_id)
    assert isinstance(revoked, dict) and revoked.get("success") is True, revoked
    with pytest.raises(requests.exceptions.HTTPError) as refused:
        tracktion(api_key=rotated["api_key"], base_url=world.runtime.gateway_url).get(
            "/api/v1/search", params=search
        )
    assert _status(refused.value) == 401


def test_error_handler_maps_401_403_and_404(published: dict[str, Any], world: World) -> None:
    tracktion, handler_class, api_error = (
        published["TracktionClient"],
        published["RobustAPIHandler"],
        published["TracktionAPIError"],
    )
    base = world.runtime.gateway_url

    stranger = tracktion(api_key="tk_live_1234567890abcdef...", base_url=base)  # the example's placeholder
    with pytest.raises(api_error) as unauthenticated:
        handler_class(stranger).handle_api_call(stranger.get, "/api/v1/search/tracks", params={"q": "house"})
    assert unauthenticated.value.status_code == 401, unauthenticated.value.message

    reader = tracktion(api_key=_key(world, permissions=["read"])["api_key"], base_url=base)
    with pytest.raises(api_error) as forbidden:
        handler_class(reader).handle_api_call(reader.post, "/api/v1/tracklists/manual", _manual_body(world))
    assert forbidden.value.status_code == 403, forbidden.value.message

    owner = tracktion(api_key=world.user.api_key, base_url=base)
    with pytest.raises(api_error) as missing:
        handler_class(owner).handle_api_call(owner.get, f"/api/v1/tracklist/{uuid.uuid4()}")
    assert missing.value.status_code == 404, missing.value.message


def test_client_raises_rate_limit_error_when_the_limit_is_reached(
    published: dict[str, Any], world: World
) -> None:
    from tracktion.auth.ratelimit import window

    email = f"published-limit-{uuid.uuid4().hex[:8]}@example.com"
    with world.runtime.client() as plain:
        user_id = expect(
            plain.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 201
        )["user_id"]
        session = expect(
            plain.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD}), 200
        )
        key = expect(
            plain.post(
                "/api/v1/developer/keys",
                headers={"Authorization": f"Bearer {session['access_token']}"},
                json={"name": "limited"},
            ),
            201,
        )["api_key"]
    # The free tier's daily requests, all used (as the identity tests do).
    dynamodb = world.runtime.aws_client("dynamodb")
    counters = next(t for t in dynamodb.list_tables()["TableNames"] if "ounters" in t)
    win = window()
    dynamodb.update_item(
        TableName=counters,
        Key={"pk": {"S": f"RL#{user_id}"}, "sk": {"S": f"M#{win.month}"}},
        UpdateExpression="SET #d = :n",
        ExpressionAttributeNames={"#d": win.day_attr},
        ExpressionAttributeValues={":n": {"N": "1000"}},
    )
    client = published["TracktionClient"](api_key=key, base_url=world.runtime.gateway_url)

    with pytest.raises(published["RateLimitError"]):
        client.get("/api/v1/search/tracks", params={"q": "house", "limit": 1})
