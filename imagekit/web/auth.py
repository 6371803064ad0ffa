"""``--auth htpasswd FILE``: HTTP basic auth against an htpasswd file of bcrypt entries
(``htpasswd -B``, the only scheme distribution accepts, so the registry's own file works).

bcrypt is slow on purpose (tens of milliseconds a check); a password that checked out is
remembered, as a SHA-256 of user and password in memory, so that a browser's many
requests do not each pay for it. Failed checks are never remembered. The password never
leaves the request: not in a message, a log line or a repr.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from pathlib import Path

from imagekit.errors import InputError, UsageError
from imagekit.web.security import ASGIApp, Receive, Scope, Send

REALM = "imagekit registry"
_BCRYPT = ("$2a$", "$2b$", "$2y$")
#: Verified (user, password) digests remembered.
REMEMBERED = 64


class Htpasswd:
    """The users of an htpasswd file (read once, when the server starts)."""

    def __init__(self, users: dict[str, bytes], source: str) -> None:
        self._users = users
        self.source = source
        self._verified: set[bytes] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Htpasswd({self.source!r}, {len(self._users)} users)"

    @classmethod
    def read(cls, path: Path) -> Htpasswd:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--auth htpasswd {path}: cannot read it ({exc})") from None
        users: dict[str, bytes] = {}
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, hashed = line.partition(":")
            if not sep or not user:
                raise InputError(f"--auth htpasswd {path}:{number}: not a USER:HASH line")
            if not hashed.startswith(_BCRYPT):
                raise UsageError(
                    f"--auth htpasswd {path}:{number}: the entry of {user!r} is not bcrypt",
                    hint="make the file with `htpasswd -B` (bcrypt is the only scheme accepted)",
                )
            users[user] = hashed.encode("ascii")
        if not users:
            raise UsageError(f"--auth htpasswd {path}: the file names no user")
        return cls(users, str(path))

    def check(self, user: str, password: str) -> bool:
        hashed = self._users.get(user)
        if hashed is None:
            return False
        key = hashlib.sha256(f"{user}\0{password}".encode()).digest()
        with self._lock:
            if key in self._verified:
                return True
        import bcrypt

        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), hashed)
        except ValueError:
            return False
        if ok:
            with self._lock:
                if len(self._verified) >= REMEMBERED:
                    self._verified.clear()
                self._verified.add(key)
        return ok


def credentials(scope: Scope) -> tuple[str, str] | None:
    """(user, password) of a request's ``Authorization: Basic`` header, or None."""
    for name, value in scope.get("headers", []):
        if name != b"authorization":
            continue
        kind, _, encoded = value.decode("latin-1").partition(" ")
        if kind.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None
    return None


class BasicAuth:
    """ASGI middleware: every request needs a user and password of ``users``."""

    def __init__(self, app: ASGIApp, users: Htpasswd) -> None:
        self.app = app
        self.users = users

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = credentials(scope)
        if given is not None:
            from starlette.concurrency import run_in_threadpool

            if await run_in_threadpool(self.users.check, *given):
                scope.setdefault("state", {})["user"] = given[0]
                await self.app(scope, receive, send)
                return
        body = b"Sign in with a user of the UI's htpasswd file.\n"
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
