"""Compressed layer blobs kept between builds, found by the hash of their tar.

A layer that does not change from one release to the next (a base's, the CA bundle and
accounts of a Go image) is gzipped once: its blob and digests are kept under the cache
directory and the next build that makes the same tar (the same diff ID) takes them again
instead of compressing it again. The compression and its level are part of the key, so
a cached blob is the very blob a fresh compression gives: reproducibility does not depend
on what the cache holds.

Layout under ``root``: ``blobs/sha256/HEX`` (as in an OCI layout),
``diffs/<compression>-<level>/<diff ID hex>.json``, a record of the blob's digest and
sizes, and ``files/<key>.json``: a few files as a stack of layers has them (the accounts
a Go image merges with its base's), by the hash of the layers' diff IDs and the names
asked for, so a release does not decompress its base to read /etc/passwd again. A blob is hashed again before it is reused (cheap next to compressing it); a
record whose blob is gone or altered is dropped and the layer compressed anew. Writes are
atomic (a temporary file renamed), so concurrent builds can share the directory, and
removing it at any time only costs the next build its compressions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

from imagekit.errors import BuildError, ImageError
from imagekit.oci.compress import GZIP_LEVEL, ZSTD_LEVEL, compress
from imagekit.oci.digest import CHUNK, Digest, Hasher


class CachedBlob(NamedTuple):
    """A compressed layer blob in the cache, and what it holds."""

    path: Path
    digest: Digest
    size: int
    diff_id: Digest
    uncompressed_size: int


def level_of(compression: str, level: int | None) -> int:
    """The level a compression runs at (its default when None)."""
    if level is not None:
        return level
    return GZIP_LEVEL if compression == "gzip" else ZSTD_LEVEL


class LayerCache:
    """Layer blobs by diff ID, compression and level under ``root`` (made when needed)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _record(self, diff_id: Digest, compression: str, level: int) -> Path:
        return self.root / "diffs" / f"{compression}-{level}" / f"{diff_id.hex}.json"

    def _blob(self, digest: Digest) -> Path:
        return self.root / "blobs" / digest.algorithm / digest.hex

    def find(
        self, diff_id: Digest, compression: str, level: int | None = None
    ) -> CachedBlob | None:
        """The blob of the tar ``diff_id`` compressed so, when kept and intact."""
        record = self._record(diff_id, compression, level_of(compression, level))
        try:
            text = record.read_bytes()
        except OSError:
            return None
        try:
            data = json.loads(text)
            digest = Digest.parse(str(data["digest"]))
            size, uncompressed = int(data["size"]), int(data["uncompressed_size"])
        except (ValueError, KeyError, TypeError, ImageError):
            record.unlink(missing_ok=True)
            return None
        path = self._blob(digest)
        if not _intact(path, digest, size):
            record.unlink(missing_ok=True)
            return None
        return CachedBlob(path, digest, size, diff_id, uncompressed)

    def put(
        self, tar: BinaryIO, diff_id: Digest, compression: str, level: int | None = None
    ) -> CachedBlob:
        """Compress the layer tar ``tar`` (which must hash to ``diff_id``) into the cache."""
        level = level_of(compression, level)
        folder = self.root / "blobs" / "sha256"
        folder.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".layer-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                result = compress(tar, out, compression, level)
            if result.diff_id != diff_id:
                raise BuildError(
                    f"layer {diff_id}: its tar hashes to {result.diff_id} as it is compressed"
                )
            path = self._blob(result.digest)
            os.replace(scratch, path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        record = self._record(diff_id, compression, level)
        record.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "digest": str(result.digest),
            "size": result.size,
            "uncompressed_size": result.uncompressed_size,
        }
        fd, scratch = tempfile.mkstemp(prefix=".record-", dir=record.parent)
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, sort_keys=True)
        os.replace(scratch, record)
        return CachedBlob(path, result.digest, result.size, diff_id, result.uncompressed_size)

    def _files_record(self, layers: Sequence[Digest], names: Sequence[str]) -> Path:
        key = json.dumps([[str(d) for d in layers], list(names)], separators=(",", ":"))
        return self.root / "files" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def find_files(self, layers: Sequence[Digest], names: Sequence[str]) -> dict[str, bytes] | None:
        """The files of ``names`` the stack ``layers`` (diff IDs, bottom first) has, as
        :meth:`put_files` kept them (a file absent from the stack is absent here too)."""
        try:
            data = json.loads(self._files_record(layers, names).read_bytes())
            return {str(k): base64.b64decode(v, validate=True) for k, v in data.items()}
        except (OSError, ValueError, AttributeError, TypeError):
            return None

    def put_files(
        self, layers: Sequence[Digest], names: Sequence[str], files: dict[str, bytes]
    ) -> None:
        """Keep ``files``, read from the stack ``layers`` for ``names``."""
        record = self._files_record(layers, names)
        record.parent.mkdir(parents=True, exist_ok=True)
        data = {k: base64.b64encode(v).decode() for k, v in sorted(files.items())}
        fd, scratch = tempfile.mkstemp(prefix=".record-", dir=record.parent)
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, sort_keys=True)
        os.replace(scratch, record)


def _intact(path: Path, digest: Digest, size: int) -> bool:
    try:
        if path.stat().st_size != size:
            return False
        hasher = Hasher(digest.algorithm)
        with open(path, "rb") as blob:
            while chunk := blob.read(CHUNK):
                hasher.update(chunk)
    except OSError:
        return False
    return hasher.digest == digest
