"""Layers as blobs: written once, compressed as they are written, kept in a work directory.

:class:`BlobStore` is a directory of blobs named by digest (``blobs/sha256/HEX``, as in an
OCI layout). :meth:`BlobStore.add_layer` runs the layer writer into a gzip stream (mtime 0,
no file name: the same tar always gives the same blob), hashing the tar and the blob as the
bytes pass, so a layer is read and written once. A :class:`BuiltLayer` is an
:class:`imagekit.oci.image.Layer` over such a blob, with its uncompressed size known.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from imagekit.build.layer import Entry, write_layer
from imagekit.errors import BuildError
from imagekit.oci import mediatype
from imagekit.oci.compress import compress, compressor
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.image import BlobLayer, Layer
from imagekit.oci.manifest import Descriptor


class BuiltLayer(BlobLayer):
    """A compressed layer blob in a :class:`BlobStore`."""

    __slots__ = ("_descriptor", "_path", "_uncompressed")

    def __init__(
        self, path: Path, descriptor: Descriptor, diff_id: Digest, uncompressed_size: int
    ) -> None:
        super().__init__(diff_id, f"layer {descriptor.digest}")
        self._path = path
        self._descriptor = descriptor
        self._uncompressed = uncompressed_size

    @property
    def descriptor(self) -> Descriptor:
        return self._descriptor

    @property
    def path(self) -> Path:
        return self._path

    @property
    def uncompressed_size(self) -> int:
        return self._uncompressed

    def open_blob(self) -> BinaryIO:
        return open(self._path, "rb")


class _Sink:
    """Takes a tar's bytes, hashes them, compresses them into ``out`` and hashes that."""

    def __init__(self, out: BinaryIO, compression: str) -> None:
        self._out = out
        self._engine = compressor(compression)
        self.tar = Hasher()
        self.blob = Hasher()

    def write(self, data: bytes) -> None:
        self.tar.update(data)
        self._emit(self._engine.compress(data))

    def _emit(self, data: bytes) -> None:
        if data:
            self.blob.update(data)
            self._out.write(data)

    def finish(self) -> None:
        self._emit(self._engine.flush())


class BlobStore:
    """Blobs by digest under ``root`` (made when missing)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, digest: Digest) -> Path:
        return self.root / "blobs" / digest.algorithm / digest.hex

    def _scratch(self) -> tuple[int, str]:
        folder = self.root / "blobs"
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=".layer-", dir=folder)

    def _commit(self, scratch: str, digest: Digest) -> Path:
        path = self.path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch, path)
        return path

    def add_layer(
        self, entries: Iterable[Entry], *, mtime: int = 0, compression: str = "gzip"
    ) -> BuiltLayer:
        """Write ``entries`` as a deterministic layer tar, compressed, into the store."""
        fd, scratch = self._scratch()
        try:
            with os.fdopen(fd, "wb") as out:
                sink = _Sink(out, compression)
                size = write_layer(entries, sink, mtime=mtime)
                sink.finish()
            path = self._commit(scratch, sink.blob.digest)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        media_type = mediatype.layer_type(compression, docker=False)
        descriptor = Descriptor(media_type, sink.blob.digest, sink.blob.size)
        return BuiltLayer(path, descriptor, sink.tar.digest, size)

    def adopt(self, layer: Layer, what: str) -> Layer:
        """``layer`` as an image we write can list it: kept when it has a compressed blob,
        else gzipped (deterministically) into the store and checked against its diff ID."""
        if layer.size is not None:
            return layer
        fd, scratch = self._scratch()
        try:
            with os.fdopen(fd, "wb") as out, layer.open() as source:
                result = compress(source, out, "gzip")
            if result.diff_id != layer.diff_id:
                raise BuildError(
                    f"{what}: the layer hashes to {result.diff_id}, not its diff_id {layer.diff_id}"
                )
            path = self._commit(scratch, result.digest)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        descriptor = Descriptor(mediatype.OCI_LAYER_GZIP, result.digest, result.size)
        return BuiltLayer(path, descriptor, result.diff_id, result.uncompressed_size)


def uncompressed_size(layer: Layer) -> int:
    """The layer's uncompressed tar size: known, or counted by reading the layer once."""
    known = layer.uncompressed_size
    if known is not None:
        return known
    count = 0
    with layer.open() as source:
        while chunk := source.read(CHUNK):
            count += len(chunk)
    return count
