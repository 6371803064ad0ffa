"""Layers as blobs: written once, compressed as they are written, kept in a work directory.

:class:`BlobStore` is a directory of blobs named by digest (``blobs/sha256/HEX``, as in an
OCI layout). :meth:`BlobStore.add_layer` runs the layer writer into a gzip stream (mtime 0,
no file name: the same tar always gives the same blob), hashing the tar and the blob as the
bytes pass, so a layer is read and written once. A :class:`BuiltLayer` is an
:class:`imagekit.oci.image.Layer` over such a blob, with its uncompressed size known.

With a :class:`imagekit.build.layercache.LayerCache`, layers that do not change between
builds (``reuse=True``: a root, the support layer of a Go image) and base layers that
arrive uncompressed are compressed once and their blobs taken from the cache afterwards;
the tar is still written and hashed each time, and only an identical tar finds its blob.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO, cast

from imagekit.build.layer import Entry, Writable, write_layer
from imagekit.build.layercache import CachedBlob, LayerCache
from imagekit.errors import BuildError
from imagekit.oci import mediatype
from imagekit.oci.compress import GZIP_LEVEL, compress, compressor
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


class CompressingLayer(BlobLayer):
    """A layer whose tar is written and whose blob is being compressed in a thread.

    Its diff ID, size and tar (:meth:`open` reads the tar as written, uncompressed) are
    there at once, so an output that takes tars (the engine, a docker archive) starts
    while the compression runs; the descriptor and the blob wait for it to end (and raise
    what it raised). zlib and hashlib let go of the interpreter while they work, so the
    compression runs on another core.
    """

    __slots__ = ("_error", "_result", "_tar", "_thread", "_uncompressed")

    def __init__(
        self, tar: Path, diff_id: Digest, uncompressed_size: int, work: Callable[[], BuiltLayer]
    ) -> None:
        """``work`` makes the blob of ``tar``; it starts running here."""
        super().__init__(diff_id, f"layer {diff_id}")
        self._tar = tar
        self._uncompressed = uncompressed_size
        self._result: BuiltLayer | None = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._result = work()
            except BaseException as exc:  # raised again where the blob is wanted
                self._error = exc

        self._thread = threading.Thread(target=run, name=f"gzip {diff_id.hex[:12]}")
        self._thread.start()

    def join(self) -> None:
        """Wait for the compression to end (its error, if any, is kept for :meth:`wait`)."""
        self._thread.join()

    def wait(self) -> BuiltLayer:
        """The compressed layer, once the compression has ended."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    @property
    def descriptor(self) -> Descriptor:
        return self.wait().descriptor

    @property
    def path(self) -> Path:
        return self.wait().path

    @property
    def uncompressed_size(self) -> int:
        return self._uncompressed

    def open_blob(self) -> BinaryIO:
        return self.wait().open_blob()

    def open(self) -> BinaryIO:
        return open(self._tar, "rb")


class _Sink:
    """Takes a tar's bytes, hashes them, compresses them into ``out`` and hashes that."""

    def __init__(self, out: BinaryIO, compression: str, level: int | None) -> None:
        self._out = out
        self._engine = compressor(compression, level)
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


class _Hashing:
    """Takes a tar's bytes into ``out``, hashing them."""

    def __init__(self, out: Writable) -> None:
        self._out = out
        self.tar = Hasher()

    def write(self, data: bytes) -> None:
        self.tar.update(data)
        self._out.write(data)


#: A reused layer's tar is held in memory up to this size while it is hashed, then spilled.
SPOOL = 64 << 20


def _of_cached(blob: CachedBlob, compression: str) -> BuiltLayer:
    media_type = mediatype.layer_type(compression, docker=False)
    descriptor = Descriptor(media_type, blob.digest, blob.size)
    return BuiltLayer(blob.path, descriptor, blob.diff_id, blob.uncompressed_size)


class BlobStore:
    """Blobs by digest under ``root`` (made when missing); ``cache`` keeps the blobs of
    layers that recur from build to build."""

    def __init__(self, root: str | os.PathLike[str], cache: LayerCache | None = None) -> None:
        self.root = Path(root)
        self.cache = cache
        self._pending: list[CompressingLayer] = []

    def wait(self) -> None:
        """Wait for every compression still running (before the store is removed)."""
        for layer in self._pending:
            layer.join()

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
        self,
        entries: Iterable[Entry],
        *,
        mtime: int = 0,
        compression: str = "gzip",
        level: int | None = None,
        reuse: bool = False,
    ) -> BuiltLayer:
        """Write ``entries`` as a deterministic layer tar, compressed (at ``level``, else the
        compression's default), into the store; with ``reuse`` through the cache."""
        if reuse and self.cache is not None:
            return self._add_reused(self.cache, entries, mtime, compression, level)
        fd, scratch = self._scratch()
        try:
            with os.fdopen(fd, "wb") as out:
                sink = _Sink(out, compression, level)
                size = write_layer(entries, sink, mtime=mtime)
                sink.finish()
            path = self._commit(scratch, sink.blob.digest)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        media_type = mediatype.layer_type(compression, docker=False)
        descriptor = Descriptor(media_type, sink.blob.digest, sink.blob.size)
        return BuiltLayer(path, descriptor, sink.tar.digest, size)

    def add_layer_in_background(
        self, entries: Iterable[Entry], *, mtime: int = 0, level: int | None = None
    ) -> CompressingLayer:
        """Write ``entries`` as a deterministic layer tar into the store, and gzip it (at
        ``level``) into a blob in a thread: the same blob :meth:`add_layer` makes."""
        folder = self.root / "tars"
        folder.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".layer-", suffix=".tar", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                sink = _Hashing(out)
                size = write_layer(entries, sink, mtime=mtime)
            tar = folder / f"{sink.tar.digest.hex}.tar"
            os.replace(scratch, tar)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        diff_id = sink.tar.digest

        def compress_tar() -> BuiltLayer:
            with open(tar, "rb") as source:
                return self._compress(source, "gzip", level, diff_id, f"layer {tar.name}")

        layer = CompressingLayer(tar, diff_id, size, compress_tar)
        self._pending.append(layer)
        return layer

    def _compress(
        self, source: BinaryIO, compression: str, level: int | None, diff_id: Digest, what: str
    ) -> BuiltLayer:
        fd, scratch = self._scratch()
        try:
            with os.fdopen(fd, "wb") as out:
                result = compress(source, out, compression, level)
            if result.diff_id != diff_id:
                raise BuildError(
                    f"{what}: the layer hashes to {result.diff_id}, not its diff_id {diff_id}"
                )
            path = self._commit(scratch, result.digest)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        descriptor = Descriptor(
            mediatype.layer_type(compression, docker=False), result.digest, result.size
        )
        return BuiltLayer(path, descriptor, result.diff_id, result.uncompressed_size)

    def _add_reused(
        self,
        cache: LayerCache,
        entries: Iterable[Entry],
        mtime: int,
        compression: str,
        level: int | None,
    ) -> BuiltLayer:
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.SpooledTemporaryFile(SPOOL, "w+b", dir=str(self.root)) as spool:
            sink = _Hashing(spool)
            write_layer(entries, sink, mtime=mtime)
            found = cache.find(sink.tar.digest, compression, level)
            if found is None:
                spool.seek(0)
                found = cache.put(cast(BinaryIO, spool), sink.tar.digest, compression, level)
        return _of_cached(found, compression)

    def adopt(self, layer: Layer, what: str) -> Layer:
        """``layer`` as an image we write can list it: kept when it has a compressed blob
        (taken from the cache when the cache holds that very blob: its sizes are known
        there), else gzipped (deterministically) into the store, or taken from the cache,
        and checked against its diff ID."""
        if layer.size is not None:
            known = self.cache.find(layer.diff_id, "gzip") if self.cache is not None else None
            if known is not None and known.digest == layer.descriptor.digest:
                return _of_cached(known, "gzip")  # the same blob, with its sizes known
            return layer
        if self.cache is not None:
            found = self.cache.find(layer.diff_id, "gzip", GZIP_LEVEL)
            if found is None:
                try:
                    with layer.open() as source:
                        found = self.cache.put(source, layer.diff_id, "gzip", GZIP_LEVEL)
                except BuildError as exc:
                    raise BuildError(f"{what}: {exc.message}") from None
            return _of_cached(found, "gzip")
        with layer.open() as source:
            return self._compress(source, "gzip", GZIP_LEVEL, layer.diff_id, what)


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
