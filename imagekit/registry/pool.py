"""Idle keep-alive connections, a few per origin (scheme, host, port), shared by threads.

The :class:`~imagekit.registry.transport.Transport` takes a connection from here before
it opens one, and gives it back when a response's body has been read to its end (and the
server did not say ``Connection: close``). A connection that sat idle is checked before
it is handed out: one the server has closed (or that holds bytes nobody asked for) is
thrown away, and so is one idle longer than ``max_age``. Servers may still close an idle
connection the moment a request is sent on it; the transport re-sends such a request
once on a fresh connection.

``opened`` and ``reused`` count connections made and idle ones handed out again, ``stale``
the reused ones that failed before an answer (the request was sent again), for
measurements and tests.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Idle connections kept per origin: a push sends 4 blobs at once by default.
MAX_IDLE = 8
#: Seconds an idle connection is kept (load balancers commonly drop them after 60).
MAX_AGE = 30.0


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int


def is_alive(conn: http.client.HTTPConnection) -> bool:
    """Whether an idle connection is still open and quiet (nothing to read, no EOF)."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    if not readable:
        return True
    # readable while idle: EOF, unsolicited bytes, or (TLS 1.3) a session ticket
    if not isinstance(sock, ssl.SSLSocket):
        return False
    try:
        sock.setblocking(False)
        try:
            data = sock.recv(1)
        finally:
            sock.settimeout(conn.timeout if isinstance(conn.timeout, float | int) else None)
    except ssl.SSLWantReadError:
        return True  # only TLS records (tickets) were there: still usable
    except (OSError, ValueError):
        return False
    del data  # EOF (b"") or bytes nobody asked for: either way not reusable
    return False


class ConnectionPool:
    """Idle connections per :class:`Origin`, at most ``max_idle`` each (thread-safe)."""

    def __init__(
        self,
        max_idle: int = MAX_IDLE,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_idle = max_idle
        self.max_age = max_age
        self._clock = clock
        self._idle: dict[Origin, list[tuple[http.client.HTTPConnection, float]]] = {}
        self._lock = threading.Lock()
        self.opened = 0
        self.reused = 0
        self.stale = 0

    def take(self, origin: Origin) -> http.client.HTTPConnection | None:
        """An idle connection to ``origin`` that is still good, or None."""
        stale: list[http.client.HTTPConnection] = []
        found = None
        with self._lock:
            idle = self._idle.get(origin, [])
            while idle:
                conn, since = idle.pop()  # the most recently used first
                if self._clock() - since <= self.max_age and is_alive(conn):
                    found = conn
                    self.reused += 1
                    break
                stale.append(conn)
        for conn in stale:
            conn.close()
        return found

    def opening(self) -> None:
        """Count a new connection."""
        with self._lock:
            self.opened += 1

    def failed_stale(self) -> None:
        """Count a reused connection that failed before an answer."""
        with self._lock:
            self.stale += 1

    def give(self, origin: Origin, conn: http.client.HTTPConnection) -> None:
        """Keep ``conn`` for the next request to ``origin`` (the oldest goes beyond the bound)."""
        dropped: list[http.client.HTTPConnection] = []
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            idle.append((conn, self._clock()))
            while len(idle) > self.max_idle:
                dropped.append(idle.pop(0)[0])
        for old in dropped:
            old.close()

    def idle(self, origin: Origin | None = None) -> int:
        with self._lock:
            if origin is not None:
                return len(self._idle.get(origin, []))
            return sum(len(v) for v in self._idle.values())

    def clear(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for entries in idle.values():
            for conn, _ in entries:
                conn.close()


def nodelay(conn: http.client.HTTPConnection) -> None:
    """Small writes (request heads) go out at once, not held for an ACK (Nagle)."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
