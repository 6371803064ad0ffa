"""HTTP for registries on the standard library: timeouts, bounded retries, redirects.

A request is retried with exponential backoff when the connection fails, times out, or
the server answers 429 or a 5xx that is worth retrying (``Retry-After`` honoured, within
the cap). The sleep function is passed in, so tests run without waiting. Redirects are
followed by hand (blob GETs of S3-backed registries redirect to the storage), and the
``Authorization`` header is dropped when a redirect leaves the original host, since the
storage would refuse a second credential.

A body is bytes or a :class:`Body`: a function that opens the content afresh and its
length, so that a retry sends it again from the start; it is streamed from its file in
:data:`BLOCK` writes, never held in memory whole. Messages name URLs with their query
redacted (:func:`imagekit.registry.errors.redact`).

Connections are kept alive (:mod:`imagekit.registry.pool`, per scheme, host and port, so a
redirect to the storage uses the storage's): a response read to its end, or closed with
at most :data:`DRAIN` bytes of body left (read and dropped), gives its connection back;
one closed earlier (a streamed blob given up on) or that says ``Connection: close``
closes it. A request sent on a reused connection that fails before any answer arrives
(the server closed it while idle: RemoteDisconnected, BrokenPipe, ConnectionReset) is
sent once more on a fresh connection, which is not counted as a retry: every request the
registry API makes is safe to repeat that way (an upload session that got part of a blob
refuses a second PUT, BLOB_UPLOAD_INVALID, and the blob is sent again whole from a new
session, see :mod:`imagekit.registry.upload`). A fresh connection's failure is retried by
the policy. An answer the connection cut short is an error, never taken for a whole one:
a head ended before its blank line (:class:`TruncatedHead`, retried like a dropped
connection), a ``Content-Length`` body ended early (http.client returns such a body
quietly).
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import BinaryIO

from imagekit.errors import RegistryError
from imagekit.registry.errors import RegistryUnreachable, redact
from imagekit.registry.pool import ConnectionPool, Origin, nodelay

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
#: Bytes per socket write of a streamed body (http.client's default is 8 KiB).
BLOCK = 1 << 20
#: Body bytes left unread that closing a response reads and drops to keep its connection.
DRAIN = 64 << 10
#: Failures of a request on a reused connection that mean the server had closed it.
STALE = (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError)  # RemoteDisconnected too


@dataclass(frozen=True, slots=True)
class Body:
    """A request body read from a stream: ``open()`` gives it from its start, ``length`` long.

    The stream is closed after each attempt. Content-Length is set from ``length``.
    """

    open: Callable[[], BinaryIO]
    length: int


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` in all (1 = no retry); delays ``backoff * 2**n`` capped at ``max_delay``."""

    attempts: int = 4
    backoff: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after is not None and retry_after.strip().isdigit():
            return min(float(retry_after.strip()), self.max_delay)
        return float(min(self.backoff * (2**attempt), self.max_delay))


class TruncatedHead(http.client.HTTPException):
    """The connection ended inside a response's head (before its blank line)."""


class _LastLine:
    """A response's file, remembering the last line read (what ``begin`` reads by)."""

    def __init__(self, fp: BinaryIO) -> None:
        self.fp = fp
        self.last = b""

    def readline(self, limit: int = -1) -> bytes:
        self.last = self.fp.readline(limit)
        return self.last

    def close(self) -> None:
        self.fp.close()


class _CheckedResponse(http.client.HTTPResponse):
    """http.client's response, except that a head the connection cut short is an error
    (http.client takes the headers read so far as all of them)."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        watched = _LastLine(self.fp)
        self.fp = watched
        try:
            super().begin()
        finally:
            if self.fp is watched:
                self.fp = watched.fp
        if watched.last not in (b"\r\n", b"\n"):
            raise TruncatedHead("the connection ended inside the answer's head")


class Response:
    """A response whose body is read (``read()``) or streamed (``stream``); close it.

    Closing gives the connection back to ``release`` when the body was read to its end
    (or little of it is left), and closes it otherwise.
    """

    def __init__(
        self,
        url: str,
        raw: http.client.HTTPResponse,
        conn: http.client.HTTPConnection,
        release: Callable[[http.client.HTTPConnection], None] | None = None,
    ):
        self.url = url
        self.status = raw.status
        self.reason = raw.reason
        self.headers: Message = raw.headers
        self._raw = raw
        self._conn = conn
        self._release = release
        self._closed = False

    @property
    def stream(self) -> BinaryIO:
        return self._raw

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def read(self, limit: int | None = None) -> bytes:
        """The body (at most ``limit`` bytes); reading it all closes the response."""
        try:
            if limit is None:
                return self._raw.read()
            parts: list[bytes] = []
            left = limit
            while left > 0 and (chunk := self._raw.read(left)):
                parts.append(chunk)
                left -= len(chunk)
            if self._raw.isclosed() and self._raw.length:
                # http.client ends a Content-Length body cut short quietly
                raise http.client.IncompleteRead(b"".join(parts), self._raw.length)
            return b"".join(parts)
        except (OSError, http.client.HTTPException) as exc:
            self._release = None  # the connection is in an unknown state
            raise RegistryUnreachable(
                f"reading the response from {redact(self.url)} failed: {exc}"
            ) from None
        finally:
            if limit is None:
                self.close()

    def _complete(self) -> bool:
        """Whether the body has been read to its end (reading and dropping a small rest)."""
        raw = self._raw
        if raw.will_close:
            return False
        if not raw.isclosed():
            if raw.length is not None and raw.length > DRAIN:
                return False
            try:
                left = DRAIN + 1
                while left > 0 and (chunk := raw.read(left)):
                    left -= len(chunk)
            except (OSError, http.client.HTTPException, ValueError):
                return False
            if not raw.isclosed():
                return False
        # http.client also closes a body that ended early; then ``length`` is what is missing
        return not raw.length

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        reusable = self._release is not None and self._complete()
        self._raw.close()
        if reusable and self._release is not None:
            self._release(self._conn)
        else:
            self._conn.close()


@dataclass(frozen=True)
class Transport:
    """Sends requests over kept-alive connections; one Transport is shared by the threads
    of a push (the pool is thread-safe)."""

    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    ssl_context: ssl.SSLContext | None = None
    pool: ConnectionPool = field(default_factory=ConnectionPool, compare=False, repr=False)

    def close(self) -> None:
        """Close the idle connections (a response still open closes its own)."""
        self.pool.clear()

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | Body | None = None,
        *,
        follow: bool = True,
        attempts: int | None = None,
    ) -> Response:
        """The final response (after redirects); RegistryUnreachable when the host is.

        A 408, 429 or 5xx is returned as it is once the attempts are used up; the caller
        says what failed. ``attempts`` overrides the policy's (1: no retry, for requests
        that must not be repeated as they are, such as a PUT into an upload session).
        """
        sent = dict(headers or {})
        origin = urllib.parse.urlsplit(url).netloc
        for _ in range(MAX_REDIRECTS + 1):
            response = self._with_retries(method, url, sent, body, attempts)
            location = response.header("Location")
            if not follow or response.status not in REDIRECT_STATUS or not location:
                return response
            response.close()
            url = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(url).netloc != origin:
                sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
            if response.status == 303:
                method, body = "GET", None
        raise RegistryError(f"{method} {redact(url)}: more than {MAX_REDIRECTS} redirects")

    def _with_retries(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | Body | None,
        attempts: int | None,
    ) -> Response:
        attempts = max(1, self.retry.attempts if attempts is None else attempts)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._once(method, url, headers, body)
            except (OSError, http.client.HTTPException) as exc:
                if last:
                    host = urllib.parse.urlsplit(url).netloc
                    raise RegistryUnreachable(
                        f"{method} {redact(url)}: the registry at {host} is unreachable ({exc})",
                        hint="check the host and port, that the registry runs, and whether "
                        "it speaks HTTPS or plain HTTP (mark it insecure for plain HTTP)",
                    ) from None
                self.sleep(self.retry.delay(attempt))
                continue
            if response.status not in RETRY_STATUS or last:
                return response
            retry_after = response.header("Retry-After")
            response.close()
            self.sleep(self.retry.delay(attempt, retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(self, origin: Origin) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if origin.scheme == "https":
            context = self.ssl_context or ssl.create_default_context()
            conn = http.client.HTTPSConnection(
                origin.host, origin.port, timeout=self.timeout, context=context, blocksize=BLOCK
            )
        else:
            conn = http.client.HTTPConnection(
                origin.host, origin.port, timeout=self.timeout, blocksize=BLOCK
            )
        conn.response_class = _CheckedResponse
        self.pool.opening()
        try:
            conn.connect()
            nodelay(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | Body | None
    ) -> Response:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"unsupported URL {redact(url)!r}")
        default = 443 if parts.scheme == "https" else 80
        origin = Origin(parts.scheme, parts.hostname, parts.port or default)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        conn = self.pool.take(origin)
        if conn is not None:
            try:
                raw = _exchange(conn, method, target, headers, body)
            except STALE:
                conn.close()  # closed by the server while idle: once more on a new one
                self.pool.failed_stale()
            except BaseException:
                conn.close()
                raise
            else:
                return Response(url, raw, conn, lambda c: self.pool.give(origin, c))
        conn = self._connect(origin)
        try:
            raw = _exchange(conn, method, target, headers, body)
        except BaseException:
            conn.close()
            raise
        return Response(url, raw, conn, lambda c: self.pool.give(origin, c))


def _exchange(
    conn: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | Body | None,
) -> http.client.HTTPResponse:
    """Send one request on ``conn`` and read the answer's head."""
    sent = dict(headers)
    stream: BinaryIO | None = None
    try:
        if isinstance(body, Body):
            stream = body.open()
            sent["Content-Length"] = str(body.length)
            conn.request(method, target, body=stream, headers=sent)
        else:
            conn.request(method, target, body=body, headers=sent)
        return conn.getresponse()
    finally:
        if stream is not None:
            stream.close()
