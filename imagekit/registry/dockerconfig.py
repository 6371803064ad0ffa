"""The docker CLI's ``config.json``: registry keys, stored credentials, helper choice.

Keys of ``auths`` and ``credHelpers`` are matched the way the docker CLI matches them: a
key written exactly as asked wins; otherwise a key matches when its host (the key without
``http://`` or ``https://`` and without any path such as ``/v2/``) equals the registry's
host, port included. Docker Hub (``docker.io``, ``index.docker.io``,
``registry-1.docker.io``) is the key ``https://index.docker.io/v1/``.

An ``auths`` entry holds ``auth`` (base64 of ``USER:PASSWORD``), or ``username`` and
``password``, or ``identitytoken`` (an OAuth2 refresh token: it becomes the credentials
``<token>`` / TOKEN, as the credential helpers store it). Everything else in the file,
and in an entry, is kept as it is when the file is written again. Writes are atomic (a
temporary file in the same directory, then a rename); a file we create is mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from imagekit.errors import ConfigError
from imagekit.registry.auth import Credentials

HUB_KEY = "https://index.docker.io/v1/"
HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
#: The fields of an ``auths`` entry that hold credentials (replaced on store).
SECRET_FIELDS = ("auth", "username", "password", "identitytoken", "registrytoken")


def hostname(key: str) -> str:
    """The ``HOST[:PORT]`` of a registry key or name: no scheme, no path, lower case."""
    text = key.strip()
    for scheme in ("http://", "https://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
            break
    return text.split("/", 1)[0].lower()


def server_key(registry: str) -> str:
    """The key docker stores ``registry``'s credentials under (and asks helpers for)."""
    host = hostname(registry)
    return HUB_KEY if host in HUB_HOSTS else host


class DockerConfig:
    """One ``config.json``, read whole; :meth:`save` writes it back atomically."""

    def __init__(self, path: Path, data: dict[str, Any], exists: bool) -> None:
        self.path = path
        self.data = data
        self.exists = exists

    @classmethod
    def load(cls, config_dir: Path) -> DockerConfig:
        path = config_dir / "config.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, {}, exists=False)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise ConfigError(f"cannot read {path}: {reason}") from None
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise ConfigError(
                f"{path} is not valid JSON (line {getattr(exc, 'lineno', '?')})",
                hint="fix the file or move it away",
            ) from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path} does not hold a JSON object")
        for name in ("auths", "credHelpers"):
            if not isinstance(data.get(name, {}), dict):
                raise ConfigError(f"{path}: {name} is not a JSON object")
        return cls(path, data, exists=True)

    # -- reading ---------------------------------------------------------------------------

    def _auths(self) -> dict[str, Any]:
        auths: dict[str, Any] = self.data.get("auths", {})
        return auths

    def helper_for(self, registry: str) -> tuple[str, str] | None:
        """``(helper name, where it is configured)`` for ``registry``, or None: the file."""
        helpers: dict[str, Any] = self.data.get("credHelpers", {})
        wanted = server_key(registry)
        for key, name in helpers.items():
            if server_key(key) == wanted and isinstance(name, str) and name:
                return name, f"credHelpers in {self.path}"
        store = self.data.get("credsStore")
        if isinstance(store, str) and store:
            return store, f"credsStore in {self.path}"
        return None

    def helpers(self) -> dict[str, str]:
        """The registry keys of ``credHelpers`` and their helper names."""
        helpers: dict[str, Any] = self.data.get("credHelpers", {})
        return {server_key(k): v for k, v in helpers.items() if isinstance(v, str) and v}

    def find(self, registry: str) -> str | None:
        """The ``auths`` key for ``registry``: the exact key, else the first that matches."""
        auths = self._auths()
        if registry in auths:
            return registry
        wanted = server_key(registry)
        return next((key for key in auths if server_key(key) == wanted), None)

    def credentials(self, key: str) -> Credentials | None:
        """The credentials of the ``auths`` entry ``key``; None when it holds none."""
        entry = self._auths().get(key)
        if not isinstance(entry, dict):
            return None
        token = entry.get("identitytoken")
        if isinstance(token, str) and token:
            return Credentials("<token>", token)
        encoded = entry.get("auth")
        if isinstance(encoded, str) and encoded:
            try:
                decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
                user, colon, password = decoded.decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                colon = ""
            if not colon:
                raise ConfigError(
                    f"{self.path}: auths[{key!r}].auth is not the base64 of USER:PASSWORD",
                    hint=f"log in to {hostname(key)} again",
                )
            return Credentials(user, password)
        name, secret = entry.get("username"), entry.get("password")
        if isinstance(name, str) and isinstance(secret, str) and (name or secret):
            return Credentials(name, secret)
        return None

    def usernames(self) -> dict[str, str]:
        """Registry key → user name, for the entries that hold credentials."""
        found: dict[str, str] = {}
        for key in self._auths():
            credentials = self.credentials(key)
            if credentials is not None:
                found[key] = credentials.username
        return found

    # -- changing --------------------------------------------------------------------------

    def put(self, registry: str, credentials: Credentials | None) -> None:
        """Record ``credentials`` for ``registry`` (None: an empty entry, as docker writes
        when a helper holds the secret); other keys for the same host are folded into it."""
        auths = self.data.setdefault("auths", {})
        kept: dict[str, Any] = {}
        for key in [k for k in auths if server_key(k) == server_key(registry)]:
            old = auths.pop(key)
            if isinstance(old, dict):
                kept.update({k: v for k, v in old.items() if k not in SECRET_FIELDS})
        if credentials is not None and credentials.is_identity_token:
            kept["identitytoken"] = credentials.password
        elif credentials is not None:
            pair = f"{credentials.username}:{credentials.password}".encode()
            kept["auth"] = base64.b64encode(pair).decode("ascii")
        auths[server_key(registry)] = kept

    def remove(self, registry: str) -> bool:
        """Drop every ``auths`` key for ``registry``; whether there was one."""
        auths = self._auths()
        keys = [k for k in auths if server_key(k) == server_key(registry)]
        for key in keys:
            del auths[key]
        return bool(keys)

    def save(self) -> None:
        """Write the file atomically (a symbolic link is followed, its target replaced)."""
        target = Path(os.path.realpath(self.path))
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o600
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".config.json.")
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                os.fchmod(stream.fileno(), mode)
                stream.write(json.dumps(self.data, indent="\t") + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise ConfigError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.exists = True
