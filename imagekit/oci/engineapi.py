"""The two calls of the docker engine's API a ``docker-daemon:`` output makes (inspect an
image, load an archive), over the engine's unix socket with the standard library alone.

The docker SDK serves every other engine use. Here it would cost more than the calls: its
import (requests and urllib3 with it) is about 0.15 s of CPU, spent while a Go release
compiles on the same cores. An engine the SDK reaches in other ways (``tcp://`` with or
without TLS, ``ssh://``) is still reached through it: :func:`engine_api` picks, and
:class:`SdkEngine` gives an SDK client the same two calls.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import quote

#: The engine's socket when DOCKER_HOST is unset, as the docker CLI and SDK default.
DEFAULT_SOCKET = "/var/run/docker.sock"
#: Seconds one read or write on the socket may wait (the SDK's default is 60; a load of a
#: large root answers only once the engine has unpacked it).
TIMEOUT = 300.0


class EngineRefused(Exception):
    """The engine answered with an error; ``str()`` is its message."""


class EngineUnreachable(Exception):
    """The engine's socket could not be reached or closed mid-request."""


class EngineApi(Protocol):
    """What a ``docker-daemon:`` output asks of the engine."""

    def inspect_image(self, reference: str) -> dict[str, Any] | None:
        """The engine's description of ``reference``, None when it has no such image."""
        ...

    def load(self, chunks: Iterable[bytes]) -> None:
        """Load a ``docker save`` archive sent as ``chunks``; EngineRefused when refused."""
        ...

    def close(self) -> None: ...


def socket_path(docker_host: str) -> str | None:
    """The unix socket ``docker_host`` (DOCKER_HOST; "" for the default) names, or None
    when it names an engine reached otherwise."""
    if not docker_host:
        return DEFAULT_SOCKET
    if docker_host.startswith("unix://"):
        return docker_host.removeprefix("unix://") or DEFAULT_SOCKET
    return None


def messages(body: bytes) -> list[Any]:
    """The JSON values of a progress stream (the engine writes them one after another,
    each ending in a line break, but a reader must not count on the breaks)."""
    decoder = json.JSONDecoder()
    text = body.decode("utf-8", errors="replace")
    found: list[Any] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return found
        value, at = decoder.raw_decode(text, at)
        found.append(value)


def stream_error(values: Iterable[Any]) -> str | None:
    """The error a progress stream reports (``errorDetail`` or ``error``), if any."""
    for value in values:
        if not isinstance(value, dict):
            continue
        detail = value.get("errorDetail")
        if detail or value.get("error"):
            return str((detail or {}).get("message") or value.get("error"))
    return None


def _answer_error(status: int, body: bytes) -> str:
    try:
        text = json.loads(body).get("message")
    except (ValueError, AttributeError):
        text = None
    return str(text or body.decode("utf-8", errors="replace").strip() or f"HTTP {status}")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class SocketEngine:
    """The engine at a unix socket; one connection, kept alive between calls."""

    def __init__(self, path: str = DEFAULT_SOCKET, timeout: float = TIMEOUT) -> None:
        self.path = path
        self._connection = _UnixConnection(path, timeout)

    def connect(self) -> None:
        """Open the connection now (the calls open it when it is not open)."""
        try:
            if self._connection.sock is None:
                self._connection.connect()
        except OSError as exc:
            raise EngineUnreachable(f"{self.path}: {exc.strerror or exc}") from None

    def _call(
        self, method: str, path: str, body: Iterable[bytes] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/x-tar"} if body is not None else {}
        failed: list[BaseException] = []

        def source(chunks: Iterable[bytes]) -> Iterator[bytes]:
            try:
                yield from chunks
            except GeneratorExit:  # the send stopped taking it (a broken connection)
                raise
            except BaseException as exc:
                failed.append(exc)  # the body's own failure, raised as it is
                raise

        connection = self._connection
        try:
            # the engine may answer (and close) before it has taken the whole body
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(
                    method, path, body=None if body is None else source(body), headers=headers
                )
            response = connection.getresponse()
            data = response.read()
        except BaseException as exc:
            connection.close()  # a request cut short leaves the connection unusable
            if failed or not isinstance(exc, OSError | http.client.HTTPException):
                raise
            reason = getattr(exc, "strerror", None) or exc
            raise EngineUnreachable(f"{self.path}: {reason}") from None
        if response.will_close:
            connection.close()
        return response.status, data

    def inspect_image(self, reference: str) -> dict[str, Any] | None:
        status, body = self._call("GET", f"/images/{quote(reference, safe='/:@')}/json")
        if status == 404:
            return None
        if status != 200:
            raise EngineRefused(_answer_error(status, body))
        found = json.loads(body)
        return found if isinstance(found, dict) else None

    def load(self, chunks: Iterable[bytes]) -> None:
        status, body = self._call("POST", "/images/load?quiet=1", chunks)
        if status != 200:
            raise EngineRefused(_answer_error(status, body))
        error = stream_error(messages(body))
        if error is not None:
            raise EngineRefused(error)

    def close(self) -> None:
        self._connection.close()


class SdkEngine:
    """The same two calls through a docker SDK client (which the caller keeps and closes)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def inspect_image(self, reference: str) -> dict[str, Any] | None:
        import docker.errors
        import requests.exceptions

        try:
            found = self.client.api.inspect_image(reference)
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise EngineRefused(str(exc.explanation)) from None
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
            raise EngineUnreachable(str(exc)) from None
        return found if isinstance(found, dict) else None

    def load(self, chunks: Iterable[bytes]) -> None:
        import docker.errors
        import requests.exceptions

        try:
            error = stream_error(self.client.api.load_image(chunks, quiet=True))
        except docker.errors.APIError as exc:
            raise EngineRefused(str(exc.explanation)) from None
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
            raise EngineUnreachable(str(exc)) from None
        if error is not None:
            raise EngineRefused(error)

    def close(self) -> None:
        """Nothing: the SDK client is the caller's."""


def engine_api(docker_host: str | None = None, *, client: Any = None) -> EngineApi:
    """The engine ``client`` is (an :class:`EngineApi` as it is, a docker SDK client
    wrapped), else the one ``docker_host`` names (DOCKER_HOST as the configuration has it,
    "" for the default socket): its unix socket directly, any other through a docker SDK
    client made for it. None leaves the choice to the SDK (its reading of the
    environment). InputError when the SDK client cannot be made."""
    if client is not None:
        return client if isinstance(client, SocketEngine | SdkEngine) else SdkEngine(client)
    path = socket_path(docker_host) if docker_host is not None else None
    if path is not None:
        return SocketEngine(path)
    from imagekit.oci.engine import client_from

    return _OwnedSdkEngine(client_from(docker_host or None))


class _OwnedSdkEngine(SdkEngine):
    """An SDK engine whose client was made here, and so is closed here."""

    def close(self) -> None:
        self.client.close()
