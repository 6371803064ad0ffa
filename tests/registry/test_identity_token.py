"""Identity tokens: a stored OAuth2 refresh token is exchanged by POST for an access token.

The token service is a third party's, so a scripted server stands in for it and for the
registry in front of it; it checks the method, path, headers and form of each request.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from imagekit.errors import RegistryError
from imagekit.registry.auth import OAUTH_CLIENT_ID, Credentials, CredentialsRefused
from imagekit.registry.client import RegistryClient
from imagekit.registry.credentials import CredentialStore
from imagekit.registry.login import check_credentials
from imagekit.registry.transport import RetryPolicy, Transport

REFRESH = "refresh-token-9f2c"
SERVICE = "oauth.example.com"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class OAuthRegistry:
    """/v2/ wants ``Bearer access-1``; POST /token trades :data:`REFRESH` for it."""

    address: str = ""
    seen: list[Request] = field(default_factory=list)
    basic_only: bool = False

    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/token":
            form = urllib.parse.parse_qs(request.body.decode())
            if form.get("refresh_token") != [REFRESH]:
                return 401, {}, b'{"error":"invalid_grant"}'
            body = {"access_token": "access-1", "expires_in": 300, "scope": ""}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        if request.headers.get("authorization") == "Bearer access-1":
            return 200, {"Content-Type": "application/json"}, b"{}"
        if self.basic_only:
            challenge = 'Basic realm="test"'
        else:
            challenge = f'Bearer realm="http://{self.address}/token",service="{SERVICE}"'
        return 401, {"WWW-Authenticate": challenge}, b'{"errors":[{"code":"UNAUTHORIZED"}]}'


@contextmanager
def serve(script: OAuthRegistry) -> Iterator[OAuthRegistry]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, self.path, headers, body)
            script.seen.append(request)
            status, extra, payload = script.answer(request)
            self.send_response(status)
            for key, value in {"Content-Length": str(len(payload)), **extra}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    script.address = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def quick() -> Transport:
    return Transport(timeout=5, retry=RetryPolicy(attempts=1), sleep=lambda _: None)


def test_stored_identity_token_is_sent_as_a_refresh_token_grant(tmp_path: Path) -> None:
    with serve(OAuthRegistry()) as script:
        (tmp_path / "config.json").write_text(
            json.dumps({"auths": {script.address: {"identitytoken": REFRESH}}})
        )
        credentials = CredentialStore(tmp_path, path="").get(script.address)
        assert credentials == Credentials("<token>", REFRESH)
        assert credentials is not None
        check_credentials(script.address, credentials, transport=quick())
    first, grant, retry = script.seen
    assert (first.method, first.path, first.headers.get("authorization")) == ("GET", "/v2/", None)
    assert (grant.method, grant.path) == ("POST", "/token")
    assert grant.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in grant.headers
    assert urllib.parse.parse_qs(grant.body.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH],
        "service": [SERVICE],
        "client_id": [OAUTH_CLIENT_ID],
    }
    assert (retry.path, retry.headers["authorization"]) == ("/v2/", "Bearer access-1")


def test_scope_goes_into_the_grant(tmp_path: Path) -> None:
    with serve(OAuthRegistry()) as script:
        client = RegistryClient(
            script.address, credentials=Credentials("<token>", REFRESH), transport=quick()
        )
        assert client.tags("a/b") == []
    form = urllib.parse.parse_qs(script.seen[1].body.decode())
    assert form["scope"] == ["repository:a/b:pull"]
    assert script.seen[2].path == "/v2/a/b/tags/list"


def test_a_refused_refresh_token(tmp_path: Path) -> None:
    with serve(OAuthRegistry()) as script:
        client = RegistryClient(
            script.address, credentials=Credentials("<token>", "stale-token"), transport=quick()
        )
        with pytest.raises(CredentialsRefused) as caught:
            client.tags("a/b")
    assert "401" in caught.value.format() and "stale-token" not in caught.value.format()


def test_identity_token_cannot_answer_basic(tmp_path: Path) -> None:
    with serve(OAuthRegistry(basic_only=True)) as script:
        client = RegistryClient(
            script.address, credentials=Credentials("<token>", REFRESH), transport=quick()
        )
        with pytest.raises(RegistryError) as caught:
            client.tags("a/b")
    assert "identity token" in caught.value.format()
    assert len(script.seen) == 1  # nothing sent with the token as a password
    assert base64.b64encode(f"<token>:{REFRESH}".encode()).decode() not in str(script.seen)
