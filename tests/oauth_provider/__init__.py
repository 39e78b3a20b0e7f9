"""A small local OAuth2 / OIDC provider for the tests: Google- and GitHub-shaped.

It does what the real providers do in the authorization-code flow with PKCE, strictly:
`/authorize` checks the client id and the *exact* registered redirect URI and redirects back
with a one-time code and the caller's `state` (the "user" approves at once); `/token` accepts a
code once, only with the same client, secret and redirect URI and a `code_verifier` whose S256
hash matches the challenge; the user endpoints answer the documented shapes (Google's OIDC
userinfo; GitHub's /user and /user/emails) for the issued bearer token. Binds 127.0.0.1:0.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Person:
    subject: str
    email: str
    verified: bool = True
    name: str = "Test User"
    login: str = "testuser"


@dataclass
class LocalOAuthProvider:
    flavour: str  # "google" or "github"
    client_id: str = "local-client"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    redirect_uri: str = "http://127.0.0.1/api/v1/auth/google/callback"
    person: Person = field(default_factory=lambda: Person("10769150350006150715113082367", "dj@example.com"))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, Person] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    return provider._authorize(self, query)
                person = provider.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                if person is None:
                    return self._json(401, {"message": "Bad credentials"})
                if url.path == "/userinfo":  # Google OIDC userinfo
                    return self._json(
                        200,
                        {
                            "sub": person.subject,
                            "name": person.name,
                            "given_name": person.name.split()[0],
                            "picture": "https://lh3.googleusercontent.com/a/default-user",
                            "email": person.email,
                            "email_verified": person.verified,
                        },
                    )
                if url.path == "/user":  # GitHub REST: the authenticated user
                    return self._json(
                        200,
                        {
                            "login": person.login,
                            "id": int(person.subject),
                            "type": "User",
                            "name": person.name,
                            "email": None,
                        },
                    )
                if url.path == "/user/emails":
                    return self._json(
                        200,
                        [
                            {
                                "email": person.email,
                                "primary": True,
                                "verified": person.verified,
                                "visibility": "private",
                            }
                        ],
                    )
                return self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                provider.token_requests.append(form)
                status, body = provider._token(form)
                return self._json(status, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def registration(self) -> dict[str, str]:
        """What goes into the OAuth clients secret for this provider."""
        reg = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
            "authorize_url": f"{self.url}/authorize",
            "token_url": f"{self.url}/token",
            "userinfo_url": f"{self.url}/userinfo" if self.flavour == "google" else f"{self.url}/user",
        }
        if self.flavour == "github":
            reg["emails_url"] = f"{self.url}/user/emails"
        return reg

    def __enter__(self) -> LocalOAuthProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _authorize(self, handler: Any, query: dict[str, str]) -> None:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return handler._json(400, {"error": "unauthorized_client"})
        if query.get("redirect_uri") != self.redirect_uri:
            return handler._json(400, {"error": "redirect_uri_mismatch"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return handler._json(400, {"error": "invalid_request", "error_description": "PKCE required"})
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"]}
        handler.send_response(302)
        handler.send_header(
            "Location", f"{self.redirect_uri}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        )
        handler.end_headers()

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client"}
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self.person
        if self.flavour == "github":
            return 200, {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}
        return 200, {
            "access_token": token,
            "expires_in": 3599,
            "scope": "openid email profile",
            "token_type": "Bearer",
        }
