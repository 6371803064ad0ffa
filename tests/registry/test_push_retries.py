"""Upload retries, error types, tag pages and redaction, against a scripted registry.

The real registry neither drops connections mid-blob nor answers 500, 503 or 429 on cue,
so a scripted server plays those parts; the tests check what our client sends (a new
session per attempt, the whole blob again, the waits the policy and Retry-After give).
Sleeping goes through an injected function: nothing waits for real. (The fault-injecting
proxy in front of the real registry, tests/registry/test_push_faults.py, does the same
with the real thing, many times over.)
"""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from collections.abc import Callable

import pytest

from imagekit.errors import ImageError, RegistryError
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import (
    Denied,
    DigestMismatch,
    NameUnknown,
    RegistryUnreachable,
    ServerFailed,
    TooManyRequests,
    Unauthorized,
    redact,
)
from imagekit.registry.pool import ConnectionPool
from imagekit.registry.transport import RetryPolicy, Transport
from imagekit.registry.upload import BlobToSend, send_blob, upload
from tests.registry.double import DROP, Answer, Seen, serve

DATA = os.urandom(3 << 20)
DIGEST = Digest.of_bytes(DATA)
BLOB = BlobToSend(DIGEST, len(DATA), "application/octet-stream", lambda: io.BytesIO(DATA))


def client_for(
    address: str, attempts: int = 4, keep_alive: bool = True
) -> tuple[RegistryClient, list[float]]:
    slept: list[float] = []
    transport = Transport(
        timeout=5,
        retry=RetryPolicy(attempts=attempts, backoff=0.5, max_delay=4.0),
        sleep=slept.append,
        pool=ConnectionPool() if keep_alive else ConnectionPool(max_idle=0),
    )
    return RegistryClient(address, transport=transport), slept


class Script:
    """A registry that takes uploads; ``failures`` answer the next PUTs (or drop them)."""

    def __init__(self, failures: list[Answer], absolute: bool = False) -> None:
        self.failures = failures
        self.absolute = absolute
        self.sessions = 0
        self.stored: dict[str, bytes] = {}
        self.address = ""
        #: Sessions that got part of a blob: distribution refuses to go on with them.
        self.partial: set[str] = set()

    def route(self, seen: Seen) -> Answer:
        path = urllib.parse.urlsplit(seen.path)
        if seen.method == "HEAD":
            return 404, {}, b""
        if seen.method == "POST":
            self.sessions += 1
            location = f"/v2/team/app/blobs/uploads/s{self.sessions}?_state=SECRETSTATE"
            if self.absolute:
                location = f"http://{self.address}{location}"
            return 202, {"Location": location}, b""
        if seen.method == "PUT" and "/blobs/uploads/" in path.path:
            if path.path in self.partial:
                return 400, {}, b'{"errors":[{"code":"BLOB_UPLOAD_INVALID"}]}'
            if self.failures:
                return self.failures.pop(0)
            digest = urllib.parse.parse_qs(path.query)["digest"][0]
            assert "_state=SECRETSTATE" in path.query  # the session's own query is kept
            self.stored[digest] = seen.body
            return 201, {"Docker-Content-Digest": digest}, b""
        if seen.method == "DELETE":
            return 204, {}, b""
        return 404, {}, b""


def puts(double_seen: list[Seen]) -> list[Seen]:
    return [s for s in double_seen if s.method == "PUT"]


def dropping(script: Script) -> Callable[[Seen], int | None]:
    """Cut the first PUT after a third of the blob; the session has that part then."""
    cuts = [len(DATA) // 3]

    def cut(seen: Seen) -> int | None:
        if seen.method == "PUT" and cuts:
            script.partial.add(urllib.parse.urlsplit(seen.path).path)
            return cuts.pop(0)
        return None

    return cut


@pytest.mark.parametrize("absolute", [False, True])
def test_a_connection_dropped_mid_blob_restarts_the_blob_in_a_new_session(
    absolute: bool,
) -> None:
    script = Script([], absolute)
    with serve(script.route, dropping(script)) as double:
        script.address = double.address
        client, slept = client_for(double.address, keep_alive=False)
        sent = upload(client, "team/app", BLOB)
        seen = list(double.seen)
    assert script.stored == {str(DIGEST): DATA}
    put_paths = [urllib.parse.urlsplit(s.path).path for s in puts(seen)]
    assert put_paths == ["/v2/team/app/blobs/uploads/s1", "/v2/team/app/blobs/uploads/s2"]
    assert [s.method for s in seen if s.method in ("POST", "DELETE")] == ["POST", "DELETE", "POST"]
    assert slept == [0.5]
    assert len(DATA) < sent <= 2 * len(DATA)  # the first attempt's bytes count too
    assert len({s.peer for s in seen}) == len(seen)  # no connection was kept


def test_a_drop_on_a_kept_alive_connection_is_sent_once_more_then_the_blob_restarts() -> None:
    """The PUT goes on the connection the POST used; cut there, it looks like a server that
    closed an idle connection, so it is sent again at once on a new one (no backoff); the
    session holds part of the blob and is refused, and the blob starts over."""
    script = Script([])
    with serve(script.route, dropping(script)) as double:
        client, slept = client_for(double.address)
        sent = upload(client, "team/app", BLOB)
        seen = list(double.seen)
    assert script.stored == {str(DIGEST): DATA}
    post, *put_seen = [s for s in seen if s.method in ("POST", "PUT")][:3]
    assert post.method == "POST" and put_seen[0].peer == post.peer  # kept alive
    assert put_seen[1].peer != post.peer  # sent again on a fresh connection
    put_paths = [urllib.parse.urlsplit(s.path).path for s in puts(seen)]
    assert put_paths == [
        "/v2/team/app/blobs/uploads/s1",
        "/v2/team/app/blobs/uploads/s1",
        "/v2/team/app/blobs/uploads/s2",
    ]
    assert [s.method for s in seen if s.method in ("POST", "DELETE")] == ["POST", "DELETE", "POST"]
    assert slept == [0.5]  # the backoff before the new session; none for the second send
    assert 2 * len(DATA) < sent <= 3 * len(DATA)


def test_500_503_and_429_are_retried_with_backoff_and_retry_after() -> None:
    failures: list[Answer] = [
        (500, {}, b""),
        (503, {}, b'{"errors":[{"code":"UNAVAILABLE"}]}'),
        (429, {"Retry-After": "3"}, b'{"errors":[{"code":"TOOMANYREQUESTS"}]}'),
    ]
    script = Script(failures)
    with serve(script.route) as double:
        client, slept = client_for(double.address)
        sent = send_blob(client, "team/app", DIGEST, len(DATA), lambda: BLOB)
        seen = list(double.seen)
    assert sent.action == "uploaded"
    assert script.stored == {str(DIGEST): DATA}
    assert slept == [0.5, 1.0, 3.0]
    assert script.sessions == 4
    assert all(len(s.body) == len(DATA) for s in puts(seen))  # each PUT sent the whole blob


def test_retries_are_bounded_and_the_last_failure_is_typed() -> None:
    script = Script([(503, {}, b"")] * 10)
    with serve(script.route) as double:
        client, slept = client_for(double.address, attempts=3)
        with pytest.raises(ServerFailed) as caught:
            upload(client, "team/app", BLOB)
    assert slept == [0.5, 1.0]
    assert caught.value.status == 503 and caught.value.exit_code == 3
    assert "SECRETSTATE" not in caught.value.format()


def test_dropped_connections_are_retried_then_reported_as_unreachable() -> None:
    script = Script([(DROP, {}, b"")] * 10)
    with serve(script.route) as double:
        client, slept = client_for(double.address, attempts=2)
        with pytest.raises(RegistryUnreachable) as caught:
            upload(client, "team/app", BLOB)
    assert slept == [0.5]
    assert "SECRETSTATE" not in caught.value.format()
    assert "_state=[redacted]" in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            401,
            b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
            Unauthorized,
        ),
        (403, b'{"errors":[{"code":"DENIED","message":"requested access is denied"}]}', Denied),
        (
            404,
            b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}',
            NameUnknown,
        ),
        (429, b"", TooManyRequests),
    ],
)
def test_refusals_are_typed_one_line_errors_and_not_retried_unless_429(
    status: int, body: bytes, cls: type[RegistryError]
) -> None:
    def route(seen: Seen) -> Answer:
        headers = {"WWW-Authenticate": 'Basic realm="x"'} if status == 401 else {}
        return status, headers, body

    with serve(route) as double:
        client, slept = client_for(double.address)
        with pytest.raises(RegistryError) as caught:
            send_blob(client, "team/app", DIGEST, len(DATA), lambda: BLOB)
    error = caught.value
    assert isinstance(error, cls if status != 401 else RegistryError)
    text = error.format()
    assert "\n" not in text and error.exit_code == 3 and error.hint
    assert f"{double.address}/team/app" in text
    assert slept == ([0.5, 1.0, 2.0] if status == 429 else [])


def test_a_manifest_stored_under_another_digest_is_an_error() -> None:
    def route(seen: Seen) -> Answer:
        return 201, {"Docker-Content-Digest": str(Digest.of_bytes(b"other"))}, b""

    with serve(route) as double:
        client, _ = client_for(double.address)
        with pytest.raises(DigestMismatch):
            client.put_manifest("team/app", "v1", b"{}", "application/json")
        assert double.seen[0].header("Content-Type") == "application/json"
        assert double.seen[0].body == b"{}"


def test_tags_follow_link_pages() -> None:
    pages = {
        "/v2/team/app/tags/list?n=2": (
            ["a", "b"],
            '</v2/team/app/tags/list?n=2&last=b>; rel="next"',
        ),
        "/v2/team/app/tags/list?n=2&last=b": (["c", "d"], None),
    }

    def route(seen: Seen) -> Answer:
        tags, link = pages[seen.path]
        headers = {"Link": link} if link else {}
        return (
            200,
            headers,
            json.dumps({"name": "team/app", "tags": tags}).encode(),
        )

    with serve(route) as double:
        client, _ = client_for(double.address)
        assert client.tags("team/app", page_size=2) == ["a", "b", "c", "d"]
        assert [s.path for s in double.seen] == list(pages)


def test_content_that_is_not_the_digest_claimed_is_not_retried() -> None:
    script = Script([])
    lying = BlobToSend(Digest.of_bytes(b"x"), len(DATA), "x", lambda: io.BytesIO(DATA))
    with serve(script.route) as double:
        client, slept = client_for(double.address)
        with pytest.raises(ImageError, match="hashes to"):
            upload(client, "team/app", lying)
    assert slept == [] and script.stored == {}


def test_redact_hides_signatures_but_keeps_what_helps() -> None:
    url = (
        "https://bucket.s3.amazonaws.com/docker/blobs/data?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=abcdef&digest=sha256:1"
    )
    shown = redact(url)
    assert "AKIAEXAMPLE" not in shown and "abcdef" not in shown
    assert "X-Amz-Signature=[redacted]" in shown and "digest=sha256:1" in shown
    assert redact("http://h/v2/x/tags/list") == "http://h/v2/x/tags/list"


def test_a_mount_asks_the_token_service_for_push_here_and_pull_there() -> None:
    tokens: list[list[tuple[str, str]]] = []

    def route(seen: Seen) -> Answer:
        path = urllib.parse.urlsplit(seen.path)
        if path.path == "/token":
            tokens.append(urllib.parse.parse_qsl(path.query))
            return 200, {}, b'{"token":"T0KEN","expires_in":300}'
        if seen.header("Authorization") != "Bearer T0KEN":
            realm = f'Bearer realm="http://{double.address}/token",service="reg"'
            return 401, {"WWW-Authenticate": realm}, b""
        if seen.method == "HEAD":
            return 404, {}, b""
        return 201, {"Location": f"/v2/team/app/blobs/{DIGEST}"}, b""

    with serve(route) as double:
        client, _ = client_for(double.address)
        sent = send_blob(
            client, "team/app", DIGEST, len(DATA), lambda: BLOB, candidates=["team/base"]
        )
    assert sent.action == "mounted"
    assert tokens[-1] == [
        ("service", "reg"),
        ("scope", "repository:team/app:pull,push"),
        ("scope", "repository:team/base:pull"),
    ]
