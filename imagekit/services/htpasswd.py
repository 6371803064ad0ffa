"""The registry's htpasswd file: one user, a bcrypt hash (the only scheme distribution
accepts). bcrypt is imported inside the functions that use it."""

from __future__ import annotations

import secrets
from pathlib import Path

from imagekit.errors import UsageError
from imagekit.services.datadir import write_private

#: bcrypt reads at most 72 bytes of a password; longer ones would be cut silently.
MAX_PASSWORD_BYTES = 72


def check_user(user: str, password: str | None) -> None:
    if not user or ":" in user or any(c.isspace() for c in user):
        raise UsageError(f"--htpasswd: {user!r} is not a user name (no ':' and no spaces)")
    if password is not None:
        if not password:
            raise UsageError("--htpasswd: the password is empty")
        if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
            raise UsageError(f"--htpasswd: the password is longer than {MAX_PASSWORD_BYTES} bytes")


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def write(path: Path, user: str, password: str) -> None:
    """``path`` with one line ``user:bcrypt-hash``, mode 0600."""
    import bcrypt

    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
    write_private(path, f"{user}:{hashed}\n")


def users(path: Path) -> dict[str, str]:
    """The users in ``path`` and their hashes ({} when there is no file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        user, sep, hashed = line.strip().partition(":")
        if sep and user:
            found[user] = hashed
    return found


def verify(path: Path, user: str, password: str) -> bool:
    """Whether ``path`` holds ``user`` with ``password``."""
    import bcrypt

    hashed = users(path).get(user)
    if hashed is None:
        return False
    try:
        return bool(bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii")))
    except ValueError:
        return False
