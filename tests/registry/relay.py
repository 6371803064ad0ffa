"""A TCP relay in front of the real registry that records what our client sends.

Our transport opens one connection per request, so the first line of what a connection
carries is its request line. The relay forwards every byte both ways unchanged and keeps,
per connection in the order they were accepted: the request line, and how many bytes the
client sent after the request's head (the body: blob bytes for uploads). Only 127.0.0.1
is listened on, and only the given upstream is connected to.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Request:
    line: str = ""
    body_bytes: int = 0

    @property
    def method(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def path(self) -> str:
        parts = self.line.split(" ")
        return parts[1] if len(parts) > 1 else ""


class Relay:
    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def body_bytes(self) -> int:
        """Bytes of request bodies sent through the relay so far."""
        with self._lock:
            return sum(r.body_bytes for r in self.requests)

    def lines(self) -> list[str]:
        with self._lock:
            return [r.line for r in self.requests]

    def close(self) -> None:
        self._closed.set()
        self._accept.join(5)
        self._listener.close()
        for thread in self._threads:
            thread.join(5)

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            request = Request()
            with self._lock:
                self.requests.append(request)
            thread = threading.Thread(target=self._handle, args=(client, request), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, client: socket.socket, request: Request) -> None:
        try:
            upstream = socket.create_connection(self._upstream, timeout=30)
        except OSError:
            client.close()
            return
        down = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        down.start()
        head = b""
        in_body = False
        try:
            while data := client.recv(1 << 16):
                if not in_body:
                    head += data
                    if b"\r\n\r\n" in head:
                        first, _, rest = head.partition(b"\r\n\r\n")
                        request.line = first.split(b"\r\n", 1)[0].decode("latin-1")
                        request.body_bytes += len(rest)
                        in_body = True
                else:
                    request.body_bytes += len(data)
                upstream.sendall(data)
            upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        down.join(30)
        for sock in (client, upstream):
            sock.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(1 << 16):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def relay(upstream: str) -> Iterator[Relay]:
    running = Relay(upstream)
    try:
        yield running
    finally:
        running.close()
