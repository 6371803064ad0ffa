"""The docker credential helper protocol: ``docker-credential-NAME get|store|erase|list``.

``get`` reads a server URL on stdin and answers ``{"ServerURL", "Username", "Secret"}``
on stdout; a helper that has nothing exits non-zero with ``credentials not found ...`` on
stdout. ``store`` reads that JSON on stdin; ``erase`` reads the server URL; ``list``
answers ``{URL: USERNAME}``. A user name ``<token>`` marks the secret as an identity token.

Helpers are found on the PATH given. Their stderr is never read (it goes nowhere): a
failure is reported as one line naming the helper, the action and the exit status, with
the helper's own error line (stdout, as the protocol has it) only where it cannot hold a
secret: never for ``store`` (which was sent one), never when it looks like JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from imagekit.errors import RegistryError
from imagekit.registry.auth import Credentials

HELPER_PREFIX = "docker-credential-"
HELPER_TIMEOUT = 60.0
_NOT_FOUND = "credentials not found"
_DETAIL_MAX = 200


@dataclass(frozen=True, slots=True)
class HelperOutput:
    returncode: int
    #: A ``get`` answer holds the secret: never in a repr.
    stdout: bytes = field(repr=False)


class Runner(Protocol):
    """Runs a helper program: ``argv`` with ``stdin``; its exit status and stdout."""

    def __call__(self, argv: Sequence[str], stdin: bytes) -> HelperOutput: ...


def run_program(argv: Sequence[str], stdin: bytes) -> HelperOutput:
    """The default :class:`Runner`: a subprocess, stderr discarded, bounded in time."""
    name = argv[0].rsplit("/", 1)[-1]
    try:
        result = subprocess.run(
            list(argv),
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=HELPER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RegistryError(
            f"credential helper {name} did not answer {argv[-1]!r} within {HELPER_TIMEOUT:.0f} s"
        ) from None
    except OSError as exc:
        raise RegistryError(
            f"cannot run credential helper {name}: {exc.strerror or type(exc).__name__}"
        ) from None
    return HelperOutput(result.returncode, result.stdout)


class CredentialHelper:
    """One ``docker-credential-NAME`` program, configured at ``source`` (for messages)."""

    def __init__(self, name: str, *, path: str, run: Runner, source: str) -> None:
        self.name = name
        self.program = HELPER_PREFIX + name
        self._path = path
        self._run = run
        self._source = source

    def _call(self, action: str, stdin: bytes) -> HelperOutput:
        found = shutil.which(self.program, path=self._path)
        if found is None:
            raise RegistryError(
                f"credential helper {self.program} ({self._source}) is not on PATH",
                hint=f"install {self.program}, or remove it from the docker configuration",
            )
        return self._run([found, action], stdin)

    def _failed(self, action: str, server: str, output: HelperOutput) -> str:
        line = f"credential helper {self.program} failed to {action}"
        line += f" credentials for {server}" if server else ""
        line += f" (exit status {output.returncode})"
        if action == "store":
            return line
        detail = output.stdout.decode("utf-8", "replace").strip().splitlines()
        first = detail[0].strip() if detail else ""
        if first and not first.startswith(("{", "[")) and len(first) <= _DETAIL_MAX:
            line += f": {first}"
        return line

    def get(self, server: str) -> Credentials | None:
        """The credentials the helper holds for ``server``; None when it has none."""
        output = self._call("get", server.encode())
        if output.returncode != 0:
            if _NOT_FOUND in output.stdout.decode("utf-8", "replace").lower():
                return None
            raise RegistryError(self._failed("get", server, output))
        answer = _json(output.stdout) or {}
        user, secret = answer.get("Username"), answer.get("Secret")
        if not isinstance(user, str) or not isinstance(secret, str):
            raise RegistryError(
                f"credential helper {self.program} answered `get` for {server} with something "
                "other than the helper protocol's JSON",
                hint="check that it is a docker credential helper",
            )
        if not user and not secret:
            return None
        return Credentials(user, secret)

    def store(self, server: str, credentials: Credentials) -> None:
        body = {
            "ServerURL": server,
            "Username": credentials.username,
            "Secret": credentials.password,
        }
        output = self._call("store", json.dumps(body).encode())
        if output.returncode != 0:
            raise RegistryError(self._failed("store", server, output))

    def erase(self, server: str) -> bool:
        """Remove the helper's credentials for ``server``; False when it held none."""
        output = self._call("erase", server.encode())
        if output.returncode == 0:
            return True
        if _NOT_FOUND in output.stdout.decode("utf-8", "replace").lower():
            return False
        raise RegistryError(self._failed("erase", server, output))

    def list(self) -> dict[str, str]:
        """Server URL → user name, for everything the helper holds."""
        output = self._call("list", b"")
        if output.returncode != 0:
            raise RegistryError(self._failed("list", "", output))
        answer = _json(output.stdout)
        if answer is None or not all(isinstance(v, str) for v in answer.values()):
            raise RegistryError(
                f"credential helper {self.program} answered `list` with something other "
                "than the helper protocol's JSON"
            )
        return {str(k): str(v) for k, v in answer.items()}


def _json(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None
