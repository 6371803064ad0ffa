"""One direction of an HTTP/1.1 connection as the test proxy (tests/support/proxy.py)
moves it: message heads read and parsed, bodies passed on by count.

A body (``Content-Length``, chunked, or up to the end of the stream) goes from socket to
socket with ``os.splice`` through a pipe (no copy through Python) in blocks of up to
1 MiB, unless it is to be slowed, cut or dropped; then it goes through a buffer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable

BLOCK = 1 << 20
SLOW_BLOCK = 64 << 10
_MAX_HEAD = 64 << 10


class Cut(Exception):
    """The proxy cuts this connection (a fault)."""


class Ended(Exception):
    """The peer closed the connection in the middle of a message."""


class Stream:
    """Reads one direction of a connection: heads parsed here, bodies forwarded by count."""

    def __init__(self, source: socket.socket, sink: socket.socket, count: Callable[[int], None]):
        self.source, self.sink, self._count = source, sink, count
        self.buffer = bytearray()
        self._pipe: tuple[int, int] | None = None

    def _fill(self) -> bool:
        data = self.source.recv(BLOCK)
        self.buffer += data
        return bool(data)

    def looks_like_http(self) -> bool:
        """Whether the stream starts as an HTTP request does (a TLS hello does not)."""
        while not self.buffer:
            if not self._fill():
                return True  # nothing came: an empty stream ends like an HTTP one
        return 65 <= self.buffer[0] <= 90  # a method's first letter

    def head(self) -> bytes | None:
        """The next message head (with its blank line); None at a clean end of stream."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if len(self.buffer) > _MAX_HEAD:
                raise Ended("head too long")
            if not self._fill():
                if self.buffer:
                    raise Ended("ended inside a head")
                return None
        head = bytes(self.buffer[: end + 4])
        del self.buffer[: end + 4]
        return head

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if not self._fill():
                raise Ended("ended inside a chunk header")
        line = bytes(self.buffer[: end + 2])
        del self.buffer[: end + 2]
        return line

    def send(self, data: bytes | bytearray | memoryview, lock: threading.Lock | None) -> None:
        if lock is None:
            self.sink.sendall(data)
        else:
            with lock:
                self.sink.sendall(data)
        self._count(len(data))

    def forward(
        self,
        amount: int | None,
        *,
        lock: threading.Lock | None = None,
        cut: int | None = None,
        delay: float = 0.0,
        discard: bool = False,
    ) -> int:
        """Pass ``amount`` bytes on (None: until the end of stream); the bytes moved.

        ``cut`` raises _Cut after that many bytes; ``delay`` waits before every 64 KiB;
        ``discard`` reads without passing on.
        """
        moved = 0
        while amount is None or moved < amount:
            left = BLOCK if amount is None else amount - moved
            if cut is not None and moved >= cut:
                raise Cut
            step = min(left, BLOCK if not delay else SLOW_BLOCK)
            if cut is not None:
                step = min(step, cut - moved)
            if not self.buffer and not delay and not discard and step > 4096:
                n = self._splice(step, lock)
            else:
                if not self.buffer and not self._fill():
                    n = 0
                else:
                    n = min(step, len(self.buffer))
                    if delay:
                        time.sleep(delay)
                    if not discard:
                        self.send(memoryview(self.buffer)[:n], lock)
                    del self.buffer[:n]
            if n == 0:
                if amount is None:
                    return moved
                raise Ended("ended inside a body")
            moved += n
        return moved

    def _splice(self, step: int, lock: threading.Lock | None) -> int:
        """Up to ``step`` bytes from source to sink through a pipe, never through Python."""
        if self._pipe is None:
            self._pipe = os.pipe()
            with contextlib.suppress(OSError):
                fcntl.fcntl(self._pipe[1], fcntl.F_SETPIPE_SZ, BLOCK)
        read_end, write_end = self._pipe
        n = os.splice(self.source.fileno(), write_end, step)
        with lock or contextlib.nullcontext():
            passed = 0
            while passed < n:
                passed += os.splice(read_end, self.sink.fileno(), n - passed)
        self._count(n)
        return n

    def chunked(self, *, lock: threading.Lock | None = None, discard: bool = False) -> int:
        """Pass a chunked body on; its payload bytes."""
        payload = 0
        while True:
            line = self.line()
            if not discard:
                self.send(line, lock)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (trailer := self.line()) != b"\r\n":
                    if not discard:
                        self.send(trailer, lock)
                if not discard:
                    self.send(b"\r\n", lock)
                return payload
            self.forward(size + 2, lock=lock, discard=discard)
            payload += size

    def close(self) -> None:
        if self._pipe is not None:
            for fd in self._pipe:
                os.close(fd)
            self._pipe = None


def parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    first, *rest = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in rest:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return first, headers


def framing(headers: dict[str, str]) -> int | None:
    """A body's length: -1 chunked, None not given."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return -1
    length = headers.get("content-length")
    return int(length) if length is not None and length.isdigit() else None
