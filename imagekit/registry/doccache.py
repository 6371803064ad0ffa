"""Manifests, indexes and image configs kept on disk by digest.

They are immutable: the bytes a digest names never change, so a copy read once serves
every later walk of any registry. Layout: ``DIR/ALGORITHM/HEX`` holding the bytes as the
registry sent them. A file is written atomically (a temporary file renamed into place)
and checked against its digest when read; one that does not match (a disk error, a hand
edit) is removed and read from the registry again. A cache that cannot be written costs
the next walk a request, nothing else.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from imagekit.oci.digest import Digest

#: Documents larger than this are not cached (the registry's own limit is 4 MiB).
MAX_CACHED = 4 << 20


class DocumentCache:
    """Small immutable blobs by digest under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, digest: Digest) -> Path:
        return self.root / digest.algorithm / digest.hex

    def path_exists(self, digest: str) -> bool:
        """Whether a file for ``digest`` (``ALGORITHM:HEX``) is there (unchecked)."""
        algorithm, _, hexa = digest.partition(":")
        return bool(hexa) and "/" not in digest and (self.root / algorithm / hexa).is_file()

    def get(self, digest: Digest) -> bytes | None:
        """The cached bytes of ``digest``, or None (missing, unreadable or corrupt)."""
        path = self.path(digest)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if Digest.of_bytes(data, digest.algorithm) != digest:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return data

    def put(self, digest: Digest, data: bytes) -> None:
        """Keep ``data`` as ``digest`` (it must be its content: callers verified it)."""
        if len(data) > MAX_CACHED:
            return
        path = self.path(digest)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, scratch = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(scratch, path)
            except BaseException:
                Path(scratch).unlink(missing_ok=True)
                raise
