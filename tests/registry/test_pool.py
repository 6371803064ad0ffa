"""Kept-alive connections: reused when a body was read, closed when not, idle ones that the
server closed noticed or sent to once more, redirects on the storage's own pool, threads.

A scripted server (tests/registry/double.py) records each request's connection (the
client's port); the real registry, through the recording proxy, shows what a push opens.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from imagekit.oci.layout import write_layout
from imagekit.oci.transport import open_image
from imagekit.registry.client import RegistryClient
from imagekit.registry.errors import RegistryUnreachable
from imagekit.registry.pool import ConnectionPool
from imagekit.registry.push import push
from imagekit.registry.transport import DRAIN, Body, RetryPolicy, Transport
from tests.registry.double import DROP, HANG_UP, Answer, Seen, serve
from tests.support import registry as support
from tests.support.forges import self_signed
from tests.support.images import MemoryImage, MemoryLayer, file, tar
from tests.support.proxy import proxy

BIG = os.urandom(1 << 20)


def transport(attempts: int = 4) -> tuple[Transport, list[float]]:
    slept: list[float] = []
    policy = RetryPolicy(attempts=attempts, backoff=0.5, max_delay=4.0)
    return Transport(timeout=5, retry=policy, sleep=slept.append), slept


def get(t: Transport, url: str, method: str = "GET", body: bytes | Body | None = None) -> bytes:
    response = t.request(method, url, body=body)
    return response.read()


def peers(seen: list[Seen]) -> list[int]:
    return [s.peer for s in seen]


def test_requests_one_after_another_share_one_connection() -> None:
    with serve(lambda seen: (200, {}, b"ok")) as double:
        t, _ = transport()
        for method in ("GET", "HEAD", "GET", "POST", "PUT"):
            get(t, f"http://{double.address}/v2/", method, b"x" if method == "PUT" else None)
        assert len(set(peers(double.seen))) == 1 and len(double.seen) == 5
    assert (t.pool.opened, t.pool.reused) == (1, 4)
    t.close()
    assert t.pool.idle() == 0


def test_a_body_left_unread_closes_its_connection_unless_it_is_small() -> None:
    small = b"s" * (DRAIN // 2)

    def route(seen: Seen) -> Answer:
        return 200, {}, BIG if seen.path == "/big" else small

    with serve(route) as double:
        t, _ = transport()
        base = f"http://{double.address}"
        response = t.request("GET", f"{base}/small")
        assert response.stream.read(10) == b"s" * 10
        response.close()  # the rest is read and dropped: the connection is kept
        response = t.request("GET", f"{base}/big")
        assert response.stream.read(10) == BIG[:10]
        response.close()  # a streamed blob given up on: its connection goes
        assert get(t, f"{base}/small") == small
        first, second, third = peers(double.seen)
    assert first == second != third
    assert (t.pool.opened, t.pool.reused) == (2, 1)


def test_connection_close_is_honoured() -> None:
    with serve(lambda seen: (200, {"Connection": "close"}, b"bye")) as double:
        t, _ = transport()
        for _ in range(3):
            assert get(t, f"http://{double.address}/v2/") == b"bye"
        assert len(set(peers(double.seen))) == 3
    assert t.pool.idle() == 0 and t.pool.reused == 0


def test_an_idle_connection_the_server_closed_is_not_used_again() -> None:
    with serve(lambda seen: (200, {HANG_UP: "1"}, b"ok")) as double:
        t, slept = transport(attempts=1)
        for _ in range(3):
            assert get(t, f"http://{double.address}/v2/") == b"ok"
            time.sleep(0.05)  # the server's FIN arrives
        assert len(double.seen) == 3 and len(set(peers(double.seen))) == 3
    assert slept == [] and t.pool.reused == 0


def test_a_reused_connection_failing_before_the_answer_is_sent_once_more_not_retried() -> None:
    """The server drops every second request of a connection without answering (as one
    closing an idle connection the moment a request arrives): each is sent again at once,
    body and all, on a fresh connection; no attempt is counted, nothing waits."""
    known: set[int] = set()

    def route(seen: Seen) -> Answer:
        if seen.peer in known:
            return DROP, {}, b""
        known.add(seen.peer)
        return 201, {}, seen.body

    with serve(route) as double:
        t, slept = transport(attempts=1)
        body = Body(lambda: io.BytesIO(b"payload"), 7)
        for _ in range(3):
            assert get(t, f"http://{double.address}/v2/x", "PUT", body) == b"payload"
        seen = list(double.seen)
    assert len(seen) == 5  # first; then (dropped, again) twice
    assert [s.body for s in seen] == [b"payload"] * 5
    assert seen[1].peer == seen[0].peer != seen[2].peer == seen[3].peer != seen[4].peer
    assert slept == []


def test_a_fresh_connection_failing_goes_through_the_retry_policy() -> None:
    drops = [True, True]

    def route(seen: Seen) -> Answer:
        return (DROP, {}, b"") if drops and drops.pop() else (200, {}, b"ok")

    with serve(route) as double:
        t, slept = transport(attempts=3)
        assert get(t, f"http://{double.address}/v2/") == b"ok"
        assert len(double.seen) == 3 and len(set(peers(double.seen))) == 3
    assert slept == [0.5, 1.0]
    with serve(lambda seen: (DROP, {}, b"")) as double:
        t, slept = transport(attempts=2)
        with pytest.raises(RegistryUnreachable, match="unreachable"):
            get(t, f"http://{double.address}/v2/")
    assert slept == [0.5]


def test_redirects_to_the_storage_use_the_storages_own_connections() -> None:
    with serve(lambda seen: (200, {}, BIG)) as storage:

        def registry(seen: Seen) -> Answer:
            location = f"http://localhost:{storage.port}/bucket{seen.path}?X-Amz-Signature=s"
            return 307, {"Location": location}, b""

        with serve(registry) as double:
            t, _ = transport()
            for n in range(3):
                assert get(t, f"http://{double.address}/v2/team/app/blobs/{n}") == BIG
            assert len(double.seen) == 3 and len(set(peers(double.seen))) == 1
        assert len(storage.seen) == 3 and len(set(peers(storage.seen))) == 1
    assert (t.pool.opened, t.pool.reused) == (2, 4)


def test_threads_share_the_pool_and_it_keeps_a_bounded_number_idle() -> None:
    with serve(lambda seen: (200, {}, b"ok" * 100)) as double:
        t = Transport(timeout=5, pool=ConnectionPool(max_idle=3))
        failures: list[BaseException] = []
        barrier = threading.Barrier(8)

        def work() -> None:
            try:
                barrier.wait()
                for _ in range(20):
                    assert get(t, f"http://{double.address}/v2/") == b"ok" * 100
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(double.seen) == 160
        assert len(set(peers(double.seen))) == t.pool.opened < 160
    assert t.pool.idle() <= 3
    assert t.pool.opened + t.pool.reused == 160


def test_https_connections_are_kept_too(tmp_path: Path) -> None:
    """TLS 1.3 servers send session tickets after the handshake, so an idle TLS socket can
    be readable without being closed: it must still be reused."""
    import ssl

    server, ca_file = self_signed(tmp_path)
    with serve(lambda seen: (200, {}, b"secure"), tls=server) as double:
        t = Transport(timeout=5, ssl_context=ssl.create_default_context(cafile=ca_file))
        for _ in range(4):
            assert get(t, f"https://{double.address}/v2/") == b"secure"
            time.sleep(0.02)
        assert len(double.seen) == 4 and len(set(peers(double.seen))) == 1
    assert (t.pool.opened, t.pool.reused) == (1, 3)


def five_layers(tmp_path: Path) -> str:
    layers = [MemoryLayer(tar(file(f"/layer{i}", os.urandom(200_000)))) for i in range(5)]
    write_layout(MemoryImage(layers), tmp_path / "layout", "1")
    return f"oci:{tmp_path / 'layout'}:1"


def test_a_push_opens_at_most_one_connection_per_job(registry: str, tmp_path: Path) -> None:
    """Before keep-alive a push of 5 layers opened 19 connections (HEAD, POST, PUT per blob
    and the manifest's PUT) and its re-push 7; now at most one per job."""
    source = five_layers(tmp_path)
    with proxy(registry) as wire:
        repo = f"{wire.address}/{support.repository('pool')}:v1"
        for n in range(2):  # a push, then a re-push of the unchanged image, each a new client
            client = RegistryClient(wire.address)
            clients = {wire.address: client}
            result = push(
                open_image(source), [repo], client_for=clients.__getitem__, cache_dir=tmp_path
            )
            stats = wire.reset()
            assert stats.connections <= 4 < stats.requests
            assert client.transport.pool.opened == stats.connections
            actions = {b.action for b in result.blobs}
            assert actions == ({"uploaded"} if n == 0 else {"skipped"})
            client.transport.close()
        assert len(wire.requests()) == 19 + 7


def raw_server(answers: list[bytes]) -> tuple[str, threading.Thread]:
    """A server sending each connection the next of ``answers`` as it is, then closing."""
    listener = socket.create_server(("127.0.0.1", 0))

    def run() -> None:
        with listener:
            for answer in answers:
                conn, _ = listener.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(answer)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return f"127.0.0.1:{listener.getsockname()[1]}", thread


def test_an_answer_cut_short_is_never_taken_for_a_whole_one() -> None:
    """http.client takes a head cut before its blank line for all the headers there are,
    and a Content-Length body ended early for the whole body; neither passes here."""
    whole = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    address, thread = raw_server([b"HTTP/1.1 200 OK\r\nContent-Len", whole])
    t, slept = transport(attempts=2)
    assert get(t, f"http://{address}/v2/") == b"ok"  # the cut head was retried
    assert slept == [0.5]
    thread.join(5)
    address, thread = raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"])
    response = t.request("GET", f"http://{address}/v2/")
    with pytest.raises(RegistryUnreachable, match="reading the response"):
        response.read(100)
    thread.join(5)
