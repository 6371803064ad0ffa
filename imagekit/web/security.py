"""Secure defaults of every response, and CSRF protection of the forms.

:class:`SecurityHeaders` adds to every response a Content-Security-Policy that allows no
script at all and only this origin's styles, images and form targets; ``nosniff``, so a
browser never guesses a type other than the one sent; framing refused; no referrer sent
to other sites; and ``no-store`` on pages (they may hold a form token).

CSRF: each browser gets a random value in an HttpOnly, SameSite=Strict cookie
(:class:`CsrfCookie` sets it when it is missing); a form carries
HMAC-SHA256(secret, cookie) as its token (:func:`csrf_token`), and a POST is refused
unless its token matches its cookie (:func:`csrf_valid`), and unless it comes from this
origin when the browser says where it comes from (``Origin``, ``Sec-Fetch-Site``). The
secret is made per server process, so tokens die with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
COOKIE = "imagekit_csrf"
FIELD = "csrf"


class SecurityHeaders:
    """ASGI middleware: :data:`HEADERS` on every response; ``no-store`` unless static."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers.extend(HEADERS)
                cache = b"public, max-age=3600" if static else b"no-store"
                headers.append((b"cache-control", cache))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


_OURS = frozenset({name for name, _ in HEADERS} | {b"cache-control"})


def cookie_value(scope: Scope) -> str | None:
    """The CSRF cookie the request carries, if any."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is no cookie
                continue
            if COOKIE in jar and jar[COOKIE].value:
                return jar[COOKIE].value
    return None


class CsrfCookie:
    """ASGI middleware: gives a browser without the CSRF cookie a fresh one. The value in
    use is ``scope["state"]["csrf_cookie"]`` for the page's token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = cookie_value(scope)
        fresh = value is None
        if value is None:
            value = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_cookie"] = value

        async def sending(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, sending)


def csrf_token(secret: bytes, cookie: str) -> str:
    """The form token for the browser whose CSRF cookie is ``cookie``."""
    return hmac.new(secret, cookie.encode(), hashlib.sha256).hexdigest()


def csrf_valid(
    secret: bytes,
    cookie: str | None,
    token: str | None,
    origin: str | None,
    site: str | None,
    own: str,
) -> bool:
    """Whether a POST may proceed: a cookie, the token made from it, and (when the browser
    names them) this origin ``own`` (``http://HOST:PORT``) and a same-origin fetch."""
    if not cookie or not token:
        return False
    if not hmac.compare_digest(csrf_token(secret, cookie), token):
        return False
    if origin is not None and origin.rstrip("/") != own:
        return False  # "null" too: what a page that hides its origin sends
    return site in (None, "same-origin", "none")
