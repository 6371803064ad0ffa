"""Two small records a push keeps in the cache directory (``Config.cache_dir``/push/).

- :class:`MountRecord` (``mounts.json``): which repositories of which registry received
  which blob digests, so that a later push can mount a blob from one of them instead of
  sending it again;
- :class:`CompressedRecord` (``compressed.json``): what an uncompressed layer (its diff ID)
  became when compressed with a compression and level (digest and size), so that a
  re-push can ask the registry for that digest before compressing anything.

Both are caches: a stale or lost entry costs a failed mount or a compression, never a
wrong image (mounts are checked by the registry, compressed digests by a HEAD that must
give the recorded size). Each is read once, changed in memory (thread-safe), and written
back with :meth:`save`: merged with what another process may have written meanwhile,
into a temporary file renamed over the old one. An unreadable file counts as empty.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from imagekit.errors import ImageError
from imagekit.oci.digest import Digest

#: Entries kept per file at most (the oldest go first).
MAX_ENTRIES = 20_000
#: Repositories remembered per blob and registry.
MAX_REPOSITORIES = 8


def push_cache_dir(cache_dir: str | os.PathLike[str]) -> Path:
    return Path(cache_dir) / "push"


class _JsonRecord:
    """A JSON object on disk, read once and merged back on :meth:`save`."""

    name = ""

    def __init__(self, cache_dir: str | os.PathLike[str]) -> None:
        self.path = push_cache_dir(cache_dir) / self.name
        self._lock = threading.Lock()
        self._data: dict[str, Any] = self._load()
        self._changed: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self) -> None:
        """Write the changes made since reading (OSError is left to the caller)."""
        with self._lock:
            if not self._changed:
                return
            data = self._load()
            for key, value in self._changed.items():
                data.pop(key, None)  # re-inserted last: the newest
                data[key] = value
            for key in list(data)[: max(0, len(data) - MAX_ENTRIES)]:
                del data[key]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, scratch = tempfile.mkstemp(prefix=f".{self.name}-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(data, out, sort_keys=False, separators=(",", ":"))
                os.replace(scratch, self.path)
            except BaseException:
                Path(scratch).unlink(missing_ok=True)
                raise
            self._data = data
            self._changed = {}


class MountRecord(_JsonRecord):
    """``{"REGISTRY DIGEST": [repository, ...]}``, newest repository first."""

    name = "mounts.json"

    def repositories(self, registry: str, digest: Digest) -> list[str]:
        """The repositories of ``registry`` known to have received ``digest``."""
        with self._lock:
            found = self._changed.get(f"{registry} {digest}") or self._data.get(
                f"{registry} {digest}"
            )
        return [r for r in found if isinstance(r, str)] if isinstance(found, list) else []

    def add(self, registry: str, digest: Digest, repository: str) -> None:
        key = f"{registry} {digest}"
        with self._lock:
            old = self._changed.get(key) or self._data.get(key) or []
            kept = [r for r in old if isinstance(r, str) and r != repository]
            self._changed[key] = [repository, *kept][:MAX_REPOSITORIES]


class CompressedRecord(_JsonRecord):
    """``{"DIFF_ID COMPRESSION LEVEL": {"digest": ..., "size": ...}}``."""

    name = "compressed.json"

    @staticmethod
    def _key(diff_id: Digest, compression: str, level: int) -> str:
        return f"{diff_id} {compression} {level}"

    def get(self, diff_id: Digest, compression: str, level: int) -> tuple[Digest, int] | None:
        key = self._key(diff_id, compression, level)
        with self._lock:
            entry = self._changed.get(key) or self._data.get(key)
        if not isinstance(entry, dict):
            return None
        size = entry.get("size")
        try:
            digest = Digest.parse(entry.get("digest"))  # type: ignore[arg-type]
        except ImageError:
            return None
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            return None
        return digest, size

    def put(self, diff_id: Digest, compression: str, level: int, digest: Digest, size: int) -> None:
        with self._lock:
            self._changed[self._key(diff_id, compression, level)] = {
                "digest": str(digest),
                "size": size,
            }
