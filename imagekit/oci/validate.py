"""Check that an image agrees with itself: digests, sizes and diff IDs.

:func:`validate` reads every layer blob once, hashing it as stored and, decompressed, as
a tar, and returns the problems it finds as messages (an empty list: the image is sound).
It raises nothing for a bad image: a layer that cannot be read or decompressed is one
more problem, and the other layers are still checked.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from imagekit.errors import ImagekitError
from imagekit.oci import mediatype
from imagekit.oci.compress import decompress
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.image import Image, Layer


class _Hashing(io.RawIOBase):
    """Passes ``source`` through, hashing what is read."""

    def __init__(self, source: BinaryIO, algorithm: str) -> None:
        super().__init__()
        self._source = source
        self.hasher = Hasher(algorithm)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._source.read(-1 if size is None else size)
        self.hasher.update(data)
        return data

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def validate(image: Image) -> list[str]:
    """The problems of ``image``, each naming the image and the part; [] when sound."""
    problems: list[str] = []
    name = image.name
    manifest, config = image.manifest, image.config
    if manifest.config.digest != Digest.of_bytes(config.raw, manifest.config.digest.algorithm):
        problems.append(
            f"{name}: the config does not match its digest {manifest.config.digest} "
            f"(it hashes to {Digest.of_bytes(config.raw)})"
        )
    if manifest.config.size != len(config.raw):
        problems.append(
            f"{name}: the config has {len(config.raw)} bytes, the manifest says "
            f"{manifest.config.size}"
        )
    counts = {len(manifest.layers), len(config.diff_ids), len(image.layers)}
    if len(counts) > 1:
        problems.append(
            f"{name}: the manifest lists {len(manifest.layers)} layers, the config "
            f"{len(config.diff_ids)} diff_ids, the source gives {len(image.layers)}"
        )
    for i, layer in enumerate(image.layers):
        what = f"{name} layer {i} ({layer.descriptor.digest})"
        if i < len(config.diff_ids) and layer.diff_id != config.diff_ids[i]:
            problems.append(f"{what}: diff_id {layer.diff_id} is not the config's")
        if i < len(manifest.layers) and layer.descriptor != manifest.layers[i]:
            problems.append(f"{what}: the descriptor differs from the manifest's")
        problems += _check_layer(layer, what)
    return problems


def _check_layer(layer: Layer, what: str) -> list[str]:
    descriptor = layer.descriptor
    if not mediatype.is_layer(descriptor.media_type):
        return [f"{what}: unsupported layer media type {descriptor.media_type}"]
    compression = mediatype.compression(descriptor.media_type)
    problems: list[str] = []
    try:
        blob = _Hashing(layer.open_blob(), descriptor.digest.algorithm)
    except ImagekitError as exc:
        return [exc.message]
    except OSError as exc:
        return [f"{what}: cannot be read ({exc})"]
    tar = Hasher(layer.diff_id.algorithm)
    readable = True
    stream = decompress(blob, compression, what)  # type: ignore[arg-type]
    try:
        try:
            while chunk := stream.read(CHUNK):
                tar.update(chunk)
        except ImagekitError as exc:  # the content is broken: still check the blob's digest
            problems.append(exc.message)
            readable = False
        while blob.read(CHUNK):  # bytes after the compressed stream still count
            pass
    except (ImagekitError, OSError) as exc:
        return [*problems, f"{what}: cannot be read ({exc})"]
    finally:
        stream.close()
        blob.close()
    if blob.hasher.size != descriptor.size:
        problems.append(f"{what}: the blob has {blob.hasher.size} bytes, not {descriptor.size}")
    if blob.hasher.digest != descriptor.digest:
        problems.append(f"{what}: the blob hashes to {blob.hasher.digest}")
    if layer.size is not None and layer.size != blob.hasher.size:
        problems.append(f"{what}: size {layer.size} is not the blob's {blob.hasher.size} bytes")
    if not readable:
        return problems
    if tar.digest != layer.diff_id:
        problems.append(
            f"{what}: the uncompressed tar hashes to {tar.digest}, not its diff_id {layer.diff_id}"
        )
    if layer.uncompressed_size is not None and layer.uncompressed_size != tar.size:
        problems.append(
            f"{what}: uncompressed_size {layer.uncompressed_size} is not the tar's {tar.size} bytes"
        )
    return problems
