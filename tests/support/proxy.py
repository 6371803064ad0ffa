"""An HTTP/1.1 proxy in front of a registry: records requests, counts bytes, injects faults.

Each client connection gets its own connection to the upstream registry and everything
is forwarded unchanged, but the proxy follows the HTTP framing both ways (request and
response heads, ``Content-Length`` and chunked bodies, HEAD and 1xx/204/304 answers
without one), so that with keep-alive it knows every request a connection carries:
:meth:`FaultProxy.requests` lists them in the order their heads arrived, each with its
connection number, method and path, body bytes, the answer's status and when it came.

A :data:`Policy` picks, per request, what happens to it:

- ``ok``: forwarded untouched;
- ``drop-upload``: the connection is cut after a random part of the request's body has
  gone upstream (right after the head for a request without a body);
- ``status-500`` / ``status-503``: the request never reaches the registry; its body is
  read and dropped and the proxy answers that status itself (the connection stays open);
- ``slow``: the answer is held back ``slow_delay`` before its head and every 64 KiB;
- ``stall``: the answer is held back ``stall_delay`` (longer than a client's timeout);
- ``truncate``: the connection is cut after a random part of the answer (head or body).

Bodies are moved with ``os.splice`` through a pipe (socket to socket, no copy through
Python) in blocks of up to 1 MiB, so the proxy costs little time in benchmarks.
``http=False`` makes a plain TCP tunnel (for TLS), counting bytes and connections only.
Only 127.0.0.1 is listened on and only the given upstream is connected to.
"""

from __future__ import annotations

import collections
import contextlib
import random
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from tests.support.httpstream import Cut, Ended, Stream, framing, parse_head

FAULTS = ("drop-upload", "status-500", "status-503", "slow", "truncate")
_REASONS = {500: "Internal Server Error", 503: "Service Unavailable"}
_CODES = {500: "UNKNOWN", 503: "UNAVAILABLE"}


@dataclass
class Request:
    """One request a client connection carried, and what became of it."""

    connection: int
    line: str
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body_bytes: int = 0
    fault: str = "ok"
    status: int | None = None  # the final answer's status (None: no answer got through)
    started: float = 0.0  # time.monotonic() when its head arrived
    answered: float | None = None  # when its answer's head was passed on (or injected)
    done: float | None = None  # when its answer's body ended

    @property
    def method(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def path(self) -> str:
        parts = self.line.split(" ")
        return parts[1] if len(parts) > 1 else ""


Policy = Callable[[random.Random, Request], str]


def no_faults(rng: random.Random, request: Request) -> str:
    return "ok"


def faulty(
    rate: float,
    faults: tuple[str, ...] = FAULTS,
    where: Callable[[Request], bool] = lambda request: True,
) -> Policy:
    """A request ``where`` accepts is faulty with probability ``rate``, one of ``faults``."""

    def choose(rng: random.Random, request: Request) -> str:
        return rng.choice(faults) if where(request) and rng.random() < rate else "ok"

    return choose


@dataclass
class Stats:
    sent_up: int = 0
    """Bytes clients sent that reached the registry (request heads and bodies)."""
    sent_down: int = 0
    connections: int = 0
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)


class _Link:
    """One client connection and its upstream connection, a thread each way."""

    def __init__(self, proxy: FaultProxy, number: int, client: socket.socket) -> None:
        self.proxy, self.number, self.client = proxy, number, client
        self.upstream: socket.socket | None = None
        self.pending: collections.deque[Request] = collections.deque()
        self.ready = threading.Condition()
        self.client_lock = threading.Lock()

    def run(self) -> None:
        proxy = self.proxy
        try:
            self.upstream = socket.create_connection(proxy.upstream, timeout=30)
        except OSError:
            self.client.close()
            return
        for sock in (self.client, self.upstream):
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        proxy.track(self.client, self.upstream)
        up = Stream(self.client, self.upstream, lambda n: proxy.count(up=n))
        down = Stream(self.upstream, self.client, lambda n: proxy.count(down=n))
        backward = threading.Thread(target=self._guard, args=(self._answers, down), daemon=True)
        backward.start()
        self._guard(self._requests, up)
        backward.join()
        for stream in (up, down):
            stream.close()
        for sock in (self.client, self.upstream):
            sock.close()
        proxy.untrack(self.client, self.upstream)

    def _guard(self, loop: Callable[[Stream], None], stream: Stream) -> None:
        try:
            loop(stream)
            with contextlib.suppress(OSError):
                stream.sink.shutdown(socket.SHUT_WR)
        except (OSError, Cut, Ended, ValueError):
            self.hang_up()
        finally:
            self._no_more_requests()  # wakes the other side when it waits

    def _no_more_requests(self) -> None:
        with self.ready:
            self.pending.append(Request(-1, ""))
            self.ready.notify_all()

    def hang_up(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _requests(self, stream: Stream) -> None:
        if not self.proxy.http:
            stream.forward(None)
            return
        rng = self.proxy.rng
        if not stream.looks_like_http():  # a client trying TLS first (Go's do): tunnel it
            self._no_more_requests()
            stream.forward(None)
            return
        while (head := stream.head()) is not None:
            line, headers = parse_head(head)
            request = Request(self.number, line, headers, started=time.monotonic())
            request.fault = self.proxy.admit(request)
            length = framing(headers)
            if request.fault.startswith("status-"):
                request.body_bytes = (
                    stream.chunked(discard=True)
                    if length == -1
                    else stream.forward(length or 0, discard=True)
                )
                self._inject(request, int(request.fault.removeprefix("status-")))
                continue
            with self.ready:
                self.pending.append(request)
                self.ready.notify_all()
            cut = None
            if request.fault == "drop-upload":
                with self.proxy.lock:
                    cut = rng.randint(0, max(0, (length if length and length > 0 else 1) - 1))
            stream.send(head, None)
            if length == -1:
                request.body_bytes = stream.chunked()
            elif length:
                request.body_bytes = stream.forward(length, cut=cut)
            if cut is not None:
                raise Cut

    def _inject(self, request: Request, status: int) -> None:
        body = (
            f'{{"errors":[{{"code":"{_CODES.get(status, "UNKNOWN")}",'
            '"message":"injected by the test proxy"}]}'
        ).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        with self.client_lock:
            self.client.sendall(head if request.method == "HEAD" else head + body)
        request.status, request.answered = status, time.monotonic()
        request.done = request.answered

    def _next(self, stream: Stream) -> Request | None:
        """The request the next answer is for; None when the registry closed the idle
        connection first (the client is then told by an end of stream)."""
        while True:
            with self.ready:
                if self.pending or (self.ready.wait(0.05) and self.pending):
                    return self.pending[0]
            readable = not stream.buffer and select.select([stream.source], [], [], 0)[0]
            if readable and not stream.source.recv(1, socket.MSG_PEEK):
                return None

    def _answers(self, stream: Stream) -> None:
        if not self.proxy.http:
            stream.forward(None)
            return
        while True:
            request = self._next(stream)
            if request is None:
                return
            if request.connection < 0:  # no (more) HTTP requests: pass on whatever comes
                stream.forward(None, lock=self.client_lock)
                return
            head = stream.head()
            if head is None:
                return
            status_line, headers = parse_head(head)
            status = int(status_line.split(" ")[1])
            interim = 100 <= status < 200
            if interim or status in (204, 304) or request.method == "HEAD":
                length: int | None = 0
            else:
                length = framing(headers)
            delay = self.proxy.slow_delay if request.fault == "slow" else 0.0
            if request.fault == "stall":
                time.sleep(self.proxy.stall_delay)
            if delay:
                time.sleep(delay)
            cut = None
            if request.fault == "truncate":
                with self.proxy.lock:
                    cut = self.proxy.rng.randint(0, len(head) + max(length or 0, 0))
                if cut < len(head):
                    stream.send(head[:cut], self.client_lock)
                    raise Cut
                cut -= len(head)
            stream.send(head, self.client_lock)
            if not interim:
                request.status, request.answered = status, time.monotonic()
            if length == -1:
                stream.chunked(lock=self.client_lock)
            elif length is None:
                stream.forward(None, lock=self.client_lock, cut=cut, delay=delay)
            elif length:
                stream.forward(length, lock=self.client_lock, cut=cut, delay=delay)
            if cut is not None:
                raise Cut
            if not interim:
                request.done = time.monotonic()
                with self.ready:
                    self.pending.popleft()


class FaultProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to ``upstream`` (``HOST:PORT``)."""

    def __init__(
        self,
        upstream: str,
        policy: Policy = no_faults,
        seed: int = 0,
        *,
        http: bool = True,
        slow_delay: float = 0.02,
        stall_delay: float = 3.0,
    ) -> None:
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        self.policy = policy
        self.http = http
        self.slow_delay = slow_delay
        self.stall_delay = stall_delay
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stats = Stats()
        self._requests: list[Request] = []
        self._sockets: set[socket.socket] = set()
        self._links = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    # -- what was seen -------------------------------------------------------------------

    def requests(self) -> list[Request]:
        """Every request so far, in the order their heads arrived."""
        with self.lock:
            return list(self._requests)

    def lines(self) -> list[str]:
        return [r.line for r in self.requests()]

    def body_bytes(self) -> int:
        """Request body bytes clients sent so far (payload, without chunk framing)."""
        return sum(r.body_bytes for r in self.requests())

    def connections(self) -> int:
        with self.lock:
            return self.stats.connections

    def reset(self) -> Stats:
        """The counts so far, and start counting afresh (requests are kept)."""
        with self.lock:
            stats, self.stats = self.stats, Stats()
        return stats

    # -- running -------------------------------------------------------------------------

    def admit(self, request: Request) -> str:
        """Record ``request`` and choose its fault."""
        with self.lock:
            fault = self.policy(self.rng, request)
            self._requests.append(request)
            self.stats.requests += 1
            self.stats.faults[fault] += 1
        return fault

    def count(self, up: int = 0, down: int = 0) -> None:
        with self.lock:
            self.stats.sent_up += up
            self.stats.sent_down += down

    def track(self, *sockets: socket.socket) -> None:
        with self.lock:
            self._sockets.update(sockets)
        if self._closed.is_set():
            self._shut(sockets)

    def untrack(self, *sockets: socket.socket) -> None:
        with self.lock:
            self._sockets.difference_update(sockets)

    @staticmethod
    def _shut(sockets: Iterable[socket.socket]) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop listening and cut every connection still open."""
        self._closed.set()
        self._accept.join(5)
        self._listener.close()
        with self.lock:
            live = list(self._sockets)
        self._shut(live)
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
            with self.lock:
                self.stats.connections += 1
                number, self._links = self._links, self._links + 1
            link = _Link(self, number, client)
            thread = threading.Thread(target=link.run, daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()


@contextlib.contextmanager
def proxy(upstream: str, policy: Policy = no_faults, seed: int = 0) -> Iterator[FaultProxy]:
    running = FaultProxy(upstream, policy, seed)
    try:
        yield running
    finally:
        running.close()
