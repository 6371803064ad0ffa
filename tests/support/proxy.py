"""A TCP proxy in front of a registry: counts the bytes each way and injects faults.

Every connection is forwarded to the upstream registry as it is. Before forwarding, a
:data:`Policy` picks what happens to that connection:

- ``ok``: forwarded untouched;
- ``drop-upload``: the connection is cut after a random part of what the client sends (a
  connection dropped mid-blob);
- ``status-500`` / ``status-503``: the request never reaches the registry; the client gets
  that status (read after the request's head);
- ``slow``: every chunk of the answer is held back a little;
- ``truncate``: the answer is cut after a random part of it (a truncated body).

Only 127.0.0.1 is listened on and only the given upstream is connected to. The proxy is
for tests and benchmarks: it runs in threads and stops with :meth:`FaultProxy.close`.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

FAULTS = ("drop-upload", "status-500", "status-503", "slow", "truncate")
Policy = Callable[[random.Random], str]
_CHUNK = 1 << 16


def no_faults(_: random.Random) -> str:
    return "ok"


def faulty(rate: float, faults: tuple[str, ...] = FAULTS) -> Policy:
    """A connection is faulty with probability ``rate``, with one of ``faults`` at random."""

    def choose(rng: random.Random) -> str:
        return rng.choice(faults) if rng.random() < rate else "ok"

    return choose


@dataclass
class Stats:
    sent_up: int = 0
    """Bytes clients sent towards the registry (that reached it)."""
    sent_down: int = 0
    connections: int = 0
    faults: Counter[str] = field(default_factory=Counter)


class FaultProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to ``upstream`` (``HOST:PORT``)."""

    def __init__(self, upstream: str, policy: Policy = no_faults, seed: int = 0) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._policy = policy
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.stats = Stats()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def reset(self) -> Stats:
        """The counts so far, and start counting afresh."""
        with self._lock:
            stats, self.stats = self.stats, Stats()
        return stats

    def close(self) -> None:
        self._closed.set()
        self._accept.join(5)
        self._listener.close()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                fault = self._policy(self._rng)
                # a cut inside the first answer's head half the time, else anywhere in a blob
                small = self._rng.random() < 0.5
                cut = self._rng.randint(1, 600) if small else self._rng.randint(1, 4 << 20)
                self.stats.connections += 1
                self.stats.faults[fault] += 1
            thread = threading.Thread(target=self._handle, args=(client, fault, cut), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _count(self, up: int = 0, down: int = 0) -> None:
        with self._lock:
            self.stats.sent_up += up
            self.stats.sent_down += down

    def _handle(self, client: socket.socket, fault: str, cut: int) -> None:
        client.settimeout(30)
        try:
            if fault.startswith("status-"):
                self._answer_status(client, int(fault.removeprefix("status-")))
                return
            upstream = socket.create_connection(self._upstream, timeout=30)
        except OSError:
            client.close()
            return
        up_limit = cut if fault == "drop-upload" else None
        down_limit = cut if fault == "truncate" else None
        delay = 0.02 if fault == "slow" else 0.0
        pumps = [
            threading.Thread(
                target=self._pump, args=(client, upstream, True, up_limit, 0.0), daemon=True
            ),
            threading.Thread(
                target=self._pump, args=(upstream, client, False, down_limit, delay), daemon=True
            ),
        ]
        for pump in pumps:
            pump.start()
        for pump in pumps:
            pump.join()
        for sock in (client, upstream):
            sock.close()

    def _pump(
        self,
        source: socket.socket,
        sink: socket.socket,
        upward: bool,
        limit: int | None,
        delay: float,
    ) -> None:
        passed = 0
        try:
            while not self._closed.is_set():
                data = source.recv(_CHUNK)
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                if limit is not None and passed + len(data) >= limit:
                    data = data[: limit - passed]
                    sink.sendall(data)
                    self._count(*((len(data), 0) if upward else (0, len(data))))
                    raise ConnectionAbortedError("cut by the proxy")
                if delay:
                    time.sleep(delay)
                sink.sendall(data)
                passed += len(data)
                self._count(*((len(data), 0) if upward else (0, len(data))))
        except OSError:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _answer_status(client: socket.socket, status: int) -> None:
        """Read the request's head, answer ``status`` and close (the body is not read)."""
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = client.recv(4096)
                if not data:
                    break
                head += data
            body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected by the test proxy"}]}'
            reason = {500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
            client.sendall(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
        except OSError:
            pass
        finally:
            client.close()
