"""Retries, redirects, error bodies and digest checks, against a scripted server.

A real registry neither fails on cue nor redirects blob GETs when it stores blobs on
disk, so a scripted server plays those parts; what it checks is what our client sends.
"""

from __future__ import annotations

import hashlib

import pytest

from imagekit.errors import ImageError, RegistryError
from imagekit.oci.digest import Digest
from imagekit.registry.client import RegistryClient, RegistryResponseError, is_loopback
from imagekit.registry.transport import RetryPolicy, Transport
from tests.registry.double import Answer, Route, Seen, free_port, serve

BLOB = b"layer bytes " * 1000
BLOB_DIGEST = Digest("sha256", hashlib.sha256(BLOB).hexdigest())


def recording(attempts: int = 4) -> tuple[Transport, list[float]]:
    slept: list[float] = []
    policy = RetryPolicy(attempts=attempts, backoff=0.5, max_delay=4.0)
    return Transport(timeout=5, retry=policy, sleep=slept.append), slept


def flaky(failures: list[Answer]) -> Route:
    def route(seen: Seen) -> Answer:
        if failures:
            return failures.pop(0)
        return 200, {"Docker-Content-Digest": str(BLOB_DIGEST)}, BLOB

    return route


def test_5xx_is_retried_with_backoff() -> None:
    transport, slept = recording()
    failures: list[Answer] = [(503, {}, b""), (502, {}, b"")]
    with serve(flaky(failures)) as double:
        client = RegistryClient(double.address, transport=transport)
        with client.open_blob("team/app", BLOB_DIGEST, len(BLOB)) as stream:
            assert stream.read() == BLOB
        assert len(double.seen) == 3
    assert slept == [0.5, 1.0]


def test_429_waits_as_retry_after_says_within_the_cap() -> None:
    transport, slept = recording()
    failures: list[Answer] = [(429, {"Retry-After": "3"}, b""), (429, {"Retry-After": "60"}, b"")]
    with serve(flaky(failures)) as double:
        client = RegistryClient(double.address, transport=transport)
        assert client.read_blob("team/app", BLOB_DIGEST, len(BLOB)) == BLOB
    assert slept == [3.0, 4.0]


def test_retries_are_bounded_and_the_error_carries_the_registry_codes() -> None:
    transport, slept = recording(attempts=3)
    body = b'{"errors":[{"code":"UNAVAILABLE","message":"backend down"}]}'
    with serve(lambda seen: (503, {"Content-Type": "application/json"}, body)) as double:
        client = RegistryClient(double.address, transport=transport)
        with pytest.raises(RegistryResponseError) as caught:
            client.get_manifest("team/app", "v1")
        assert len(double.seen) == 3
    assert slept == [0.5, 1.0]
    error = caught.value
    assert error.status == 503
    assert error.codes == ("UNAVAILABLE",)
    assert f"{double.address}/team/app:v1" in error.message
    assert "UNAVAILABLE: backend down" in error.message
    assert error.exit_code == 3


def test_4xx_is_not_retried() -> None:
    transport, slept = recording()
    body = b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'
    with serve(lambda seen: (403, {}, body)) as double:
        client = RegistryClient(double.address, transport=transport)
        with pytest.raises(RegistryResponseError) as caught:
            client.get_manifest("team/app", "v1")
        assert len(double.seen) == 1
    assert slept == []
    assert caught.value.codes == ("DENIED",)
    assert caught.value.hint is not None


def test_unreachable_registry() -> None:
    transport, slept = recording(attempts=3)
    address = f"127.0.0.1:{free_port()}"
    client = RegistryClient(address, transport=transport)
    with pytest.raises(RegistryError) as caught:
        client.get_manifest("team/app", "v1")
    assert address in caught.value.message
    assert "unreachable" in caught.value.message
    assert caught.value.hint is not None and "insecure" in caught.value.hint
    assert slept == [0.5, 1.0]


def test_redirect_to_another_host_drops_the_authorization() -> None:
    with serve(lambda seen: (200, {}, BLOB)) as storage:
        target = f"http://localhost:{storage.port}/bucket/blob?signature=x"

        def registry(seen: Seen) -> Answer:
            if seen.path.startswith("/v2/team/app/blobs/"):
                return 307, {"Location": target}, b""
            return 404, {}, b""

        with serve(registry) as double:
            transport, _ = recording()
            headers = {"Authorization": "Bearer tok"}
            response = transport.request(
                "GET", f"http://{double.address}/v2/team/app/blobs/x", headers
            )
            assert response.read() == BLOB
            assert double.seen[0].header("Authorization") == "Bearer tok"
    assert storage.seen[0].path == "/bucket/blob?signature=x"
    assert storage.seen[0].header("Authorization") is None


def test_redirect_on_the_same_host_keeps_the_authorization() -> None:
    def route(seen: Seen) -> Answer:
        if seen.path == "/first":
            return 302, {"Location": "/second"}, b""
        return 200, {}, b"ok"

    with serve(route) as double:
        transport, _ = recording()
        response = transport.request(
            "GET", f"http://{double.address}/first", {"Authorization": "Basic x"}
        )
        assert response.read() == b"ok"
        assert [s.path for s in double.seen] == ["/first", "/second"]
        assert double.seen[1].header("Authorization") == "Basic x"


def test_redirect_loops_end() -> None:
    with serve(lambda seen: (302, {"Location": "/again"}, b"")) as double:
        transport, _ = recording()
        with pytest.raises(RegistryError, match="redirects"):
            transport.request("GET", f"http://{double.address}/again")


def test_blob_with_the_wrong_content_is_refused() -> None:
    other = Digest("sha256", "0" * 64)
    with serve(lambda seen: (200, {}, BLOB)) as double:
        client = RegistryClient(double.address, transport=recording()[0])
        with (
            pytest.raises(ImageError, match="digest is"),
            client.open_blob("team/app", other, len(BLOB)) as stream,
        ):
            stream.read()
        with pytest.raises(ImageError, match="ended after"):
            client.read_blob("team/app", BLOB_DIGEST, len(BLOB) + 10)
        with (
            pytest.raises(ImageError, match="larger than"),
            client.open_blob("team/app", BLOB_DIGEST, len(BLOB) - 10) as stream,
        ):
            stream.read()


MANIFEST = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'


def test_manifest_by_digest_is_verified() -> None:
    good = Digest.of_bytes(MANIFEST)
    with serve(lambda seen: (200, {}, MANIFEST)) as double:
        client = RegistryClient(double.address, transport=recording()[0])
        assert client.get_manifest("team/app", str(good)).digest == good
        wrong = Digest("sha256", "f" * 64)
        with pytest.raises(ImageError) as caught:
            client.get_manifest("team/app", str(wrong))
    assert str(wrong) in caught.value.message and str(good) in caught.value.message


def test_manifest_disagreeing_with_its_content_digest_header() -> None:
    header = {"Docker-Content-Digest": f"sha256:{'e' * 64}"}
    with serve(lambda seen: (200, header, MANIFEST)) as double:
        client = RegistryClient(double.address, transport=recording()[0])
        with pytest.raises(ImageError, match="manifest's digest"):
            client.get_manifest("team/app", "v1")


@pytest.mark.parametrize(
    ("registry", "loopback"),
    [
        ("localhost", True),
        ("localhost:5000", True),
        ("127.0.0.1:5555", True),
        ("127.1.2.3", True),
        ("[::1]:5000", True),
        ("registry.example.com", False),
        ("registry.example.com:443", False),
        ("10.0.0.1:5000", False),
        ("localhost.example.com", False),
    ],
)
def test_plain_http_only_for_loopback_or_insecure(registry: str, loopback: bool) -> None:
    assert is_loopback(registry) is loopback
    expected = "http" if loopback else "https"
    assert RegistryClient(registry).base == f"{expected}://{registry}"
    assert RegistryClient(registry, insecure=True).base == f"http://{registry}"
