"""Serving the application with uvicorn, a production ASGI server.

The listening socket is bound here, before uvicorn starts, so that the address printed is
the one bound (``--listen 127.0.0.1:0`` picks a free port) and connections made right
after it are queued, not refused. uvicorn's log (startup, access lines, tracebacks of
failed pages) goes to stderr; stdout carries only the address. Access lines hold method,
path and status: no page takes a credential in its URL, and basic-auth headers are never
logged.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from imagekit.errors import UsageError

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "default",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "imagekit.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as (host, port); UsageError otherwise."""
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise UsageError(
            f"--listen {text!r}: expected HOST:PORT", hint="e.g. --listen 127.0.0.1:8080"
        )
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; UsageError when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"--listen {host}:{port}: cannot listen there ({exc.strerror or exc})",
            hint="choose another port, or stop what uses it",
        ) from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(app: Any, sock: socket.socket, *, access_log: bool = True) -> None:
    """Run ``app`` on ``sock`` until interrupted (SIGINT, SIGTERM)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_config=LOG_CONFIG,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[sock])
