"""Loopback ports and readiness: is a port free, pick free ones, wait until a service
answers over HTTP.

Our own HTTP checks never go through a proxy from the environment: every service here is
on this machine.
"""

from __future__ import annotations

import errno
import random
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable

from imagekit.errors import ServiceError, UsageError
from imagekit.services.processes import Clock, Process, Sleep, cmdline, is_running, log_tail

#: weed listens for gRPC on its HTTP port plus this offset; its embedded worker dials the
#: admin server there whatever -admin.port.grpc says, so we keep to it for every listener.
GRPC_OFFSET = 10000
#: Where free ports are picked: both P and P + GRPC_OFFSET stay below Linux's ephemeral
#: range (32768 and up), where outgoing connections take their local ports.
PICK_RANGE = (10000, 22000)


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise UsageError(f"port {port} is not between 1 and 65535")
    return port


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``host:port`` (we can bind it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise UsageError(f"{host} is not an address of this machine") from None
            return False
    return True


def require_free(host: str, port: int, what: str) -> None:
    if not port_free(host, port):
        raise ServiceError(
            f"port {port} on {host} is already in use ({what})",
            hint="stop what listens there, or choose another port with --port",
        )


def pick_ports(
    host: str, count: int, *, avoid: Iterable[int] = (), rng: random.Random | None = None
) -> list[int]:
    """``count`` distinct ports P on ``host`` with P and P + GRPC_OFFSET both free."""
    chooser = rng or random.Random()
    taken = set(avoid)
    found: list[int] = []
    for _ in range(2000):
        port = chooser.randrange(*PICK_RANGE)
        pair = {port, port + GRPC_OFFSET}
        if pair & taken:
            continue
        if port_free(host, port) and port_free(host, port + GRPC_OFFSET):
            found.append(port)
            taken |= pair
            if len(found) == count:
                return found
    raise ServiceError(f"found no {count} free port pairs on {host} in {PICK_RANGE}")


def http_status(
    url: str, *, timeout: float = 2.0, context: ssl.SSLContext | None = None
) -> int | None:
    """The HTTP status ``url`` answers a GET with; None when nothing answers."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError, ssl.SSLError):
        return None


def wait_until(
    ready: Callable[[], bool],
    *,
    process: Process,
    what: str,
    timeout: float,
    secrets: Iterable[str] = (),
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> None:
    """Poll ``ready`` until it is true; a ServiceError when ``process`` exits first or
    ``timeout`` seconds pass (naming the last line of its log, secrets masked)."""
    deadline = clock() + timeout
    while not ready():
        if not is_running(process):
            # what runs there may be an interpreter running a script of that name: let
            # it finish writing its last words before they are read
            linger = clock() + 2.0
            while cmdline(process.pid) is not None and clock() < linger:
                sleep(0.05)
            raise ServiceError(
                f"{what} (pid {process.pid}) exited before it answered: "
                f"{_last_words(process, secrets)}",
                hint=f"see {process.log}",
            )
        if clock() >= deadline:
            raise ServiceError(
                f"{what} did not answer within {timeout:g}s", hint=f"see {process.log}"
            )
        sleep(0.1)


def _last_words(process: Process, secrets: Iterable[str]) -> str:
    text = log_tail(process.log) or "nothing in its log"
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[-300:]
