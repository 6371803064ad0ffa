"""Layer compression: streaming readers that decompress, and writers that compress.

Layers are untrusted: a reader never holds more than a bounded amount of output at a
time, and truncated or corrupt input raises :class:`ImageError` naming the layer rather
than ending the stream early. gzip streams may hold several members and zstd streams
several frames (both are legal and some tools write them); they are read as one.

zstd comes from the ``zstandard`` package: the standard library has no zstd before
Python 3.14.
"""

from __future__ import annotations

import io
import zlib
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from imagekit.errors import ImageError
from imagekit.oci.digest import CHUNK, Digest, Hasher

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

#: Compressions we read and write: "" is an uncompressed tar.
COMPRESSIONS = ("gzip", "zstd", "")
#: The level docker and containerd compress pushed layers with (Go's default is zlib's 6).
GZIP_LEVEL = 6
ZSTD_LEVEL = 3
#: zstd input is fed in slices this small, so one call's output stays bounded (a block of
#: at most 128 KiB can be encoded in 4 bytes: 2 KiB of input yields at most 64 MiB).
_ZSTD_SLICE = 2048
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def detect(head: bytes) -> str:
    """The compression of a blob from its first bytes: ``gzip``, ``zstd`` or ``""``."""
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    return ""


class DecompressingReader(io.RawIOBase):
    """A read-only stream of the decompressed bytes of ``source`` (gzip or zstd).

    ``read(n)`` returns ``n`` bytes unless the stream ends, like a buffered file. Closing
    the reader closes ``source``.
    """

    def __init__(self, source: BinaryIO, compression: str, what: str) -> None:
        super().__init__()
        if compression not in ("gzip", "zstd"):
            raise ValueError(f"not a compression: {compression!r}")
        self._source = source
        self._compression = compression
        self._what = what
        self._pending = b""
        self._buffer = b""
        self._pos = 0
        self._members = 0
        self._started = False
        self._done = False
        self._d = self._new()

    def _new(self) -> Any:
        """zlib's or zstandard's decompressobj: both have eof and unused_data."""
        if self._compression == "gzip":
            return zlib.decompressobj(wbits=31)
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj()

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()

    def _inflate(self, data: bytes, want: int) -> tuple[bytes, bytes]:
        """Decompress some of ``data``: (output, input left over for the next call)."""
        if self._compression == "gzip":
            out: bytes = self._d.decompress(data, want)
            # at the end of a member the rest is in unused_data (unconsumed_tail can be stale)
            return out, b"" if self._d.eof else self._d.unconsumed_tail
        piece, rest = data[:_ZSTD_SLICE], data[_ZSTD_SLICE:]
        out = self._d.decompress(piece)
        return out, rest

    def _fill(self, want: int) -> bool:
        """Decompress up to ``want`` more bytes into the buffer; False at the end."""
        while not self._done:
            if not self._pending:
                self._pending = self._source.read(CHUNK)
                if not self._pending:
                    if self._started:
                        raise ImageError(f"{self._what}: truncated {self._compression} stream")
                    if not self._members:
                        raise ImageError(f"{self._what}: empty {self._compression} stream")
                    self._done = True
                    return False
            if not self._started and self._members and not self._pending.strip(b"\0"):
                self._pending = b""  # zero padding after the last member is tolerated
                continue
            try:
                out, rest = self._inflate(self._pending, want)
            except Exception as exc:  # zlib.error, zstandard.ZstdError
                raise ImageError(
                    f"{self._what}: corrupt {self._compression} data ({exc})"
                ) from None
            self._started = True
            if self._d.eof:
                self._pending = self._d.unused_data + rest
                self._members += 1
                self._started = False
                self._d = self._new()
            else:
                self._pending = rest
            if out:
                self._buffer, self._pos = out, 0
                return True
        return False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[bytes] = []
        need = size
        while need > 0:
            if self._pos >= len(self._buffer) and not self._fill(max(need, CHUNK)):
                break
            available = len(self._buffer) - self._pos
            if self._pos == 0 and available <= need:
                piece = self._buffer
            else:
                piece = self._buffer[self._pos : self._pos + need]
            self._pos += len(piece)
            need -= len(piece)
            parts.append(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readall(self) -> bytes:
        parts = []
        while chunk := self.read(CHUNK):
            parts.append(chunk)
        return b"".join(parts)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


def decompress(source: BinaryIO, compression: str, what: str) -> BinaryIO:
    """The uncompressed bytes of ``source``; ``compression`` as :func:`mediatype.compression`."""
    if compression == "":
        return source
    return DecompressingReader(source, compression, what)  # type: ignore[return-value]


class _Compressor(Protocol):
    def compress(self, data: bytes, /) -> bytes: ...
    def flush(self) -> bytes: ...


def compressor(compression: str, level: int | None = None) -> _Compressor:
    """A deterministic compressor: gzip with mtime 0 and no file name, or one zstd frame."""
    if compression == "gzip":
        return zlib.compressobj(GZIP_LEVEL if level is None else level, zlib.DEFLATED, 31)
    if compression == "zstd":
        import zstandard

        cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL if level is None else level)
        return cctx.compressobj()
    raise ValueError(f"not a compression: {compression!r}")


class Compressed:
    """What :func:`compress` wrote: the blob's digest and size, the tar's diff ID and size."""

    __slots__ = ("diff_id", "digest", "size", "uncompressed_size")

    def __init__(self, digest: Digest, size: int, diff_id: Digest, uncompressed_size: int):
        self.digest = digest
        self.size = size
        self.diff_id = diff_id
        self.uncompressed_size = uncompressed_size


def compress(
    source: BinaryIO, sink: BinaryIO | None, compression: str, level: int | None = None
) -> Compressed:
    """Compress ``source`` into ``sink`` (None: only measure), hashing both sides."""
    blob, tar = Hasher(), Hasher()
    engine = compressor(compression, level) if compression else None
    while chunk := source.read(CHUNK):
        tar.update(chunk)
        out = engine.compress(chunk) if engine is not None else chunk
        if out:
            blob.update(out)
            if sink is not None:
                sink.write(out)
    if engine is not None and (tail := engine.flush()):
        blob.update(tail)
        if sink is not None:
            sink.write(tail)
    return Compressed(blob.digest, blob.size, tar.digest, tar.size)


def gzip_size(source: BinaryIO, level: int = GZIP_LEVEL) -> int:
    """The size ``source`` would have gzip-compressed as a push makes it (``--compute-compressed``)."""
    return compress(source, None, "gzip", level).size
