"""A scripted HTTP server for the parts of the registry protocol outside our reach.

It stands in for a registry with a token service, or for a flaky or redirecting one:
each request is recorded (method, path with query, headers, body) and answered by a
function the test gives. The real registry covers everything else.

A route answering status :data:`DROP` has the connection closed without an answer; a
``cut`` function given to :func:`serve` can close it after reading only part of a body
(a connection dropped mid-blob). Connections are kept alive (HTTP/1.1); ``Seen.peer`` is
the client's port, so tests tell the requests of one connection; an answer carrying the
header :data:`HANG_UP` (not sent) has the connection closed after it, as a server closes
an idle connection.
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The client's port: one per connection.
    peer: int = 0

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())


Answer = tuple[int, dict[str, str], bytes]
Route = Callable[[Seen], Answer]
#: Bytes of a request's body to read before dropping the connection (None: all of it).
Cut = Callable[[Seen], int | None]
#: The status a route answers to have the connection closed without an answer.
DROP = 0
#: A header of an answer that closes the connection after it (the header is not sent).
HANG_UP = "X-Double-Hang-Up"


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up early (as a failed upload does) is no server error."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class Double:
    def __init__(
        self, route: Route, cut: Cut | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.route = route
        self.cut = cut
        self.seen: list[Seen] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                peer = int(self.client_address[1])
                head = Seen(self.command, self.path, dict(self.headers.items()), peer=peer)
                length = int(self.headers.get("Content-Length") or 0)
                limit = double.cut(head) if double.cut is not None else None
                if limit is not None and limit < length:
                    head = Seen(head.method, head.path, head.headers, self.rfile.read(limit), peer)
                    double.seen.append(head)
                    self.close_connection = True
                    self.connection.close()
                    return
                seen = Seen(head.method, head.path, head.headers, self.rfile.read(length), peer)
                double.seen.append(seen)
                if len(seen.body) < length:  # the client gave up mid-body: nothing to answer
                    self.close_connection = True
                    return
                status, headers, body = double.route(seen)
                if status == DROP:
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(status)
                headers = {"Content-Length": str(len(body)), **headers}
                hang_up = headers.pop(HANG_UP, None) is not None
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                if hang_up:
                    self.wfile.flush()
                    self.close_connection = True

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        self.port = int(self._server.server_address[1])

    def paths(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.seen]


@contextmanager
def serve(
    route: Route, cut: Cut | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[Double]:
    """The double on a free port (HTTPS with a server context ``tls``), until the end."""
    double = Double(route, cut, tls)
    thread = threading.Thread(target=double._server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield double
    finally:
        double._server.shutdown()
        double._server.server_close()
        thread.join(5)


def free_port() -> int:
    """A port nothing listens on (free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
