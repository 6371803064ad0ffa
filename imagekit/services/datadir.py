"""The data directory of an embedded registry: where each file lives, creating it, a lock
so that two ``up``/``down`` on one directory take turns, and files only we may read.

::

    DATA_DIR/
      state.json          keys, ports, pids (state.py), 0600
      s3/                 weed's data: the bucket's objects
      s3-identities.json  weed's -s3.config: the access and secret key, 0600
      registry.yml        the registry's config, 0600 (S3 keys, http.secret)
      htpasswd            bcrypt hashes, 0600 (with --htpasswd)
      tls/                CA and server certificate and keys (with --tls)
      logs/               weed.log, registry.log
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imagekit.errors import ServiceError, UsageError


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def s3_data(self) -> Path:
        return self.root / "s3"

    @property
    def s3_identities(self) -> Path:
        return self.root / "s3-identities.json"

    @property
    def registry_config(self) -> Path:
        return self.root / "registry.yml"

    @property
    def htpasswd(self) -> Path:
        return self.root / "htpasswd"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def check_dir(root: Path) -> Path:
    """``root`` made absolute; a UsageError when it exists and is not a directory."""
    root = root.expanduser().absolute()
    if root.exists() and not root.is_dir():
        raise UsageError(
            f"the data directory {root} is not a directory",
            hint="name a directory (it is created when missing) with --data-dir",
        )
    return root


def prepare(root: Path) -> Layout:
    """Create ``root`` (mode 0700) and its subdirectories."""
    root = check_dir(root)
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        for sub in ("s3", "logs"):
            (root / sub).mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ServiceError(
            f"cannot create the data directory {root}: {exc.strerror or exc}",
            hint="choose a directory you may write with --data-dir",
        ) from None
    return Layout(root)


@contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """Hold DATA_DIR/.lock: one ``up`` or ``down`` at a time per data directory."""
    path = layout.root / ".lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ServiceError(f"cannot open {path}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``path`` atomically, readable by its owner only (mode 0600)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from None
