"""Images held in memory, for tests of the analyser: layers given as tar bytes.

:func:`tar` writes a layer tar from :class:`Member` values with the standard library's
tarfile (what it writes is ordinary tar; the analyser reads it with its own reader);
:class:`MemoryImage` wraps layers as an :class:`imagekit.oci.image.Image`, each layer
gzip-compressed with the standard library (or zstd-compressed, or left a plain tar).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Sequence
from typing import BinaryIO, NamedTuple

from imagekit.oci import mediatype
from imagekit.oci.compress import compressor
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.image import BlobLayer, HeldImage
from imagekit.oci.manifest import Descriptor, Manifest


class Member(NamedTuple):
    path: str
    kind: str = "file"
    """file, dir, symlink, hardlink, char, fifo."""
    data: bytes = b""
    link: str = ""
    mode: int = 0o644


def file(path: str, data: bytes | int = b"", mode: int = 0o644) -> Member:
    """A regular file; an int ``data`` is that many bytes of filler."""
    content = bytes(data) if isinstance(data, int) else data
    return Member(path, "file", content, mode=mode)


def directory(path: str) -> Member:
    return Member(path, "dir", mode=0o755)


def symlink(path: str, target: str) -> Member:
    return Member(path, "symlink", link=target, mode=0o777)


def hardlink(path: str, target: str) -> Member:
    return Member(path, "hardlink", link=target)


def whiteout(path: str) -> Member:
    """Deletes ``path`` from the lower layers."""
    parent, _, name = path.rpartition("/")
    return file(f"{parent}/.wh.{name}" if parent else f".wh.{name}")


def opaque(path: str) -> Member:
    """Hides what the lower layers had under the directory ``path``."""
    return file(f"{path}/.wh..wh..opq")


_TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}


def tar(*members: Member, format: int = tarfile.PAX_FORMAT) -> bytes:
    """The bytes of a tar holding ``members`` in order."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=format) as archive:
        for member in members:
            info = tarfile.TarInfo(member.path)
            info.type = _TYPES[member.kind]
            info.mode = member.mode
            info.mtime = 1_700_000_000
            info.linkname = member.link
            if member.kind == "file":
                info.size = len(member.data)
                archive.addfile(info, io.BytesIO(member.data))
            else:
                archive.addfile(info)
    return out.getvalue()


class MemoryLayer(BlobLayer):
    """A layer of tar bytes, stored gzip- or zstd-compressed, or plain (``compression=""``)."""

    def __init__(self, data: bytes, compression: str = "gzip", diff_id: Digest | None = None):
        self.data = data
        self.compression = compression
        if compression == "gzip":
            self.blob = gzip.compress(data, mtime=0)
        elif compression == "zstd":
            engine = compressor("zstd")
            self.blob = engine.compress(data) + engine.flush()
        else:
            self.blob = data
        diff_id = diff_id or Digest.of_bytes(data)
        super().__init__(diff_id, f"layer {diff_id}")

    @property
    def descriptor(self) -> Descriptor:
        media = mediatype.layer_type(self.compression, docker=False)
        return Descriptor(media, Digest.of_bytes(self.blob), len(self.blob))

    def _blob_compression(self) -> str:
        return self.compression

    def _blob_size(self) -> int:
        return len(self.blob)

    @property
    def uncompressed_size(self) -> int | None:
        return None

    def open_blob(self) -> BinaryIO:
        return io.BytesIO(self.blob)


class MemoryImage(HeldImage):
    """An image of :class:`MemoryLayer` values; ``history`` gives each layer's created_by."""

    def __init__(
        self,
        layers: Sequence[MemoryLayer | bytes],
        history: Sequence[str] = (),
        name: str = "memory:test",
    ) -> None:
        held = tuple(
            layer if isinstance(layer, MemoryLayer) else MemoryLayer(layer) for layer in layers
        )
        entries = [{"created_by": "ENV A=1", "empty_layer": True}]
        entries += [{"created_by": text} for text in history]
        raw = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [str(x.diff_id) for x in held]},
                "history": entries,
            }
        ).encode()
        manifest = Manifest(
            mediatype.OCI_MANIFEST,
            Descriptor(mediatype.OCI_CONFIG, Digest.of_bytes(raw), len(raw)),
            tuple(layer.descriptor for layer in held),
        )
        super().__init__(name, manifest, parse_config(raw), held)
        self._memory_layers = held

    @property
    def layers(self) -> tuple[MemoryLayer, ...]:
        return self._memory_layers


def image(*layers: Sequence[Member], compression: str = "gzip") -> MemoryImage:
    """An image whose layers hold ``layers`` (one sequence of members per layer)."""
    return MemoryImage([MemoryLayer(tar(*members), compression) for members in layers])
