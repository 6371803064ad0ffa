"""Authentication against a scripted registry and token service: the request shapes.

The token service is a third party's (the registry's auth protocol), so a test double
stands in for it here; it checks what our client sends.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from imagekit.errors import RegistryError
from imagekit.oci import mediatype
from imagekit.oci.digest import Digest
from imagekit.registry.auth import Credentials, parse_challenge
from imagekit.registry.client import RegistryClient
from imagekit.registry.transport import RetryPolicy, Transport
from tests.registry.double import Answer, Seen, serve

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": mediatype.OCI_MANIFEST,
        "config": {"mediaType": mediatype.OCI_CONFIG, "digest": f"sha256:{'1' * 64}", "size": 2},
        "layers": [],
    }
).encode()
USER = Credentials("ci-user", "s3cret:with colon")
BASIC = "Basic " + base64.b64encode(b"ci-user:s3cret:with colon").decode()


def quick() -> Transport:
    return Transport(timeout=5, retry=RetryPolicy(attempts=1), sleep=lambda _: None)


class TokenRegistry:
    """A registry that wants Bearer tokens, and its token service, on one port."""

    def __init__(self, *, want_basic: bool, lifetime: int | None = 300) -> None:
        self.address = ""
        self.want_basic = want_basic
        self.lifetime = lifetime
        self.issued = 0

    def __call__(self, seen: Seen) -> Answer:
        path = urllib.parse.urlsplit(seen.path)
        if path.path == "/token":
            if self.want_basic and seen.header("Authorization") != BASIC:
                return 401, {}, b'{"details":"bad credentials"}'
            self.issued += 1
            body: dict[str, object] = {"token": f"tok-{self.issued}"}
            if self.lifetime is not None:
                body["expires_in"] = self.lifetime
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        if not (seen.header("Authorization") or "").startswith("Bearer tok-"):
            challenge = (
                f'Bearer realm="http://{self.address}/token",service="double.example.com",'
                'scope="repository:team/app:pull"'
            )
            return 401, {"WWW-Authenticate": challenge}, b'{"errors":[{"code":"UNAUTHORIZED"}]}'
        return 200, {"Content-Type": mediatype.OCI_MANIFEST}, MANIFEST


def test_bearer_flow_with_credentials_and_token_reuse() -> None:
    script = TokenRegistry(want_basic=True)
    now = [1000.0]
    with serve(script) as double:
        script.address = double.address
        client = RegistryClient(
            double.address, credentials=USER, transport=quick(), clock=lambda: now[0]
        )
        fetched = client.get_manifest("team/app", "v1")
        assert fetched.raw == MANIFEST
        assert fetched.digest == Digest.of_bytes(MANIFEST)
        first, token, retry = double.seen
        assert (first.method, first.path) == ("GET", "/v2/team/app/manifests/v1")
        assert first.header("Authorization") is None
        assert first.header("Accept") == mediatype.ACCEPT
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(token.path).query)
        assert query == {"service": ["double.example.com"], "scope": ["repository:team/app:pull"]}
        assert token.header("Authorization") == BASIC
        assert retry.header("Authorization") == "Bearer tok-1"

        # The token is reused while it lives, and fetched anew once it has expired.
        client.get_manifest("team/app", "v2")
        assert len(double.seen) == 4
        assert double.seen[-1].header("Authorization") == "Bearer tok-1"
        now[0] += 301
        client.get_manifest("team/app", "v3")
        assert [s.header("Authorization") for s in double.seen[4:]] == [
            None,
            BASIC,
            "Bearer tok-2",
        ]


def test_anonymous_token_sends_no_credentials() -> None:
    script = TokenRegistry(want_basic=False, lifetime=None)
    with serve(script) as double:
        script.address = double.address
        client = RegistryClient(double.address, transport=quick())
        assert client.get_manifest("team/app", "latest").raw == MANIFEST
        assert double.seen[1].path.startswith("/token?")
        assert double.seen[1].header("Authorization") is None


def test_refused_token_is_a_registry_error_with_a_hint() -> None:
    script = TokenRegistry(want_basic=True)
    with serve(script) as double:
        script.address = double.address
        client = RegistryClient(
            double.address, credentials=Credentials("ci-user", "wrong"), transport=quick()
        )
        with pytest.raises(RegistryError) as caught:
            client.get_manifest("team/app", "v1")
    assert "token service" in caught.value.message
    assert "401" in caught.value.message
    assert caught.value.hint is not None and "credentials" in caught.value.hint
    assert caught.value.exit_code == 3


def basic_registry(seen: Seen) -> Answer:
    if seen.header("Authorization") != BASIC:
        return 401, {"WWW-Authenticate": 'Basic realm="double"'}, b""
    return 200, {"Content-Type": mediatype.OCI_MANIFEST}, MANIFEST


def test_basic_challenge_is_answered_and_remembered() -> None:
    with serve(basic_registry) as double:
        client = RegistryClient(double.address, credentials=USER, transport=quick())
        client.get_manifest("team/app", "v1")
        client.get_manifest("team/app", "v2")
        assert [s.header("Authorization") for s in double.seen] == [None, BASIC, BASIC]


def test_basic_challenge_without_credentials() -> None:
    with serve(basic_registry) as double:
        client = RegistryClient(double.address, transport=quick())
        with pytest.raises(RegistryError) as caught:
            client.get_manifest("team/app", "v1")
    assert "user name and password" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize(
    ("header", "scheme", "params"),
    [
        (
            'Bearer realm="https://auth.example.com/token",service="reg.example.com",'
            'scope="repository:a/b:pull,push"',
            "bearer",
            {
                "realm": "https://auth.example.com/token",
                "service": "reg.example.com",
                "scope": "repository:a/b:pull,push",
            },
        ),
        ('Basic realm="Registry Realm"', "basic", {"realm": "Registry Realm"}),
        (
            'bearer realm="x",error="insufficient_scope"',
            "bearer",
            {"realm": "x", "error": "insufficient_scope"},
        ),
        ('Bearer realm="a \\"quoted\\" realm"', "bearer", {"realm": 'a "quoted" realm'}),
        ("Bearer realm=bare,service=svc", "bearer", {"realm": "bare", "service": "svc"}),
    ],
)
def test_parse_challenge(header: str, scheme: str, params: dict[str, str]) -> None:
    challenge = parse_challenge(header)
    assert challenge.scheme == scheme
    assert dict(challenge.params) == params
