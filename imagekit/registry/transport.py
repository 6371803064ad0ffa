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

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
#: Bytes per socket write of a streamed body (http.client's default is 8 KiB).
BLOCK = 1 << 20


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


class Response:
    """A response whose body is read (``read()``) or streamed (``stream``); close it."""

    def __init__(self, url: str, raw: http.client.HTTPResponse, conn: http.client.HTTPConnection):
        self.url = url
        self.status = raw.status
        self.reason = raw.reason
        self.headers: Message = raw.headers
        self._raw = raw
        self._conn = conn

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
            return b"".join(parts)
        except (OSError, http.client.HTTPException) as exc:
            raise RegistryUnreachable(
                f"reading the response from {redact(self.url)} failed: {exc}"
            ) from None
        finally:
            if limit is None:
                self.close()

    def close(self) -> None:
        self._raw.close()
        self._conn.close()


@dataclass(frozen=True)
class Transport:
    """Sends requests; one connection per request (no pooling: registries are few)."""

    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    ssl_context: ssl.SSLContext | None = None

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

    def _once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | Body | None
    ) -> Response:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"unsupported URL {redact(url)!r}")
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            context = self.ssl_context or ssl.create_default_context()
            conn = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=self.timeout, context=context, blocksize=BLOCK
            )
        else:
            conn = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.timeout, blocksize=BLOCK
            )
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        sent = dict(headers)
        stream: BinaryIO | None = None
        try:
            if isinstance(body, Body):
                stream = body.open()
                sent["Content-Length"] = str(body.length)
                conn.request(method, target, body=stream, headers=sent)
            else:
                conn.request(method, target, body=body, headers=sent)
            raw = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        finally:
            if stream is not None:
                stream.close()
        return Response(url, raw, conn)
