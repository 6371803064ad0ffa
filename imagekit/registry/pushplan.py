"""The blobs and manifest of an Image as a push sends them.

An image whose source has compressed blobs and its own manifest (an OCI layout, a
registry) is pushed byte for byte: the same manifest bytes, the same digests.

An image whose layers are uncompressed tars (``docker-archive``, ``docker-daemon``: the
legacy ``docker save`` format, where a layer's digest is its diff ID) has them compressed
by the push, deterministically (:func:`imagekit.oci.compress.compressor`: no mtime or name
in the gzip header), so the same layer always gives the same digest. A layer is
compressed only when needed, streaming into a temporary file in the cache directory (its
digest must be known before the PUT); what it became is kept in a
:class:`~imagekit.registry.pushcache.CompressedRecord`, so that a re-push asks the
registry for that digest first and compresses nothing the registry already has. Such an
image gets a new manifest: Docker schema 2 when every layer is gzip (what ``docker push``
writes for such an image, and what every registry and engine takes), OCI with
``oci=True`` or when a layer is zstd (Docker schema 2 has no zstd media type). The
config blob is the source's config bytes as they are, so the image ID stays the same.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.compress import GZIP_LEVEL, ZSTD_LEVEL, compress
from imagekit.oci.digest import Digest
from imagekit.oci.image import Image, Layer
from imagekit.oci.manifest import Descriptor, Manifest
from imagekit.registry.pushcache import CompressedRecord
from imagekit.registry.pushsource import Document
from imagekit.registry.upload import BlobToSend

COMPRESSIONS = ("gzip", "zstd")


@dataclass(frozen=True, slots=True)
class PushOptions:
    """How to push: layer compression (for sources without compressed layers) and its
    level (None: docker's), OCI manifests for them, blobs at once, chunked uploads."""

    compression: str = "gzip"
    level: int | None = None
    oci: bool = False
    jobs: int = 4
    chunk_size: int | None = None

    def __post_init__(self) -> None:
        if self.compression not in COMPRESSIONS:
            raise ValueError(f"not a compression: {self.compression!r}")
        if self.jobs < 1:
            raise ValueError("jobs must be at least 1")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise ValueError("chunk_size must be positive")

    @property
    def effective_level(self) -> int:
        if self.level is not None:
            return self.level
        return GZIP_LEVEL if self.compression == "gzip" else ZSTD_LEVEL


class PlannedBlob:
    """A blob of the push: ready to send, or a layer compressed when first needed."""

    def __init__(
        self,
        role: str,
        ready: BlobToSend | None = None,
        make: Callable[[], BlobToSend] | None = None,
        known: tuple[Digest, int] | None = None,
        media_type: str = "",
    ) -> None:
        self.role = role
        self._ready = ready
        self._make = make
        self._known = known if ready is None else (ready.digest, ready.size)
        self.media_type = ready.media_type if ready is not None else media_type
        self._lock = threading.Lock()
        #: Whether this push compressed the layer.
        self.compressed = False

    @property
    def known(self) -> tuple[Digest, int] | None:
        """Digest and size when known without work (ready, or from the record)."""
        return self._known

    @property
    def made(self) -> bool:
        return self._ready is not None

    def final(self) -> BlobToSend:
        """The blob as the manifest lists it: made, or known (confirmed in the registry),
        whose bytes are then made only if someone reads them."""
        if self._ready is not None or self._known is None:
            return self.resolve()
        digest, size = self._known
        return BlobToSend(digest, size, self.media_type, lambda: self.resolve().open())

    def resolve(self) -> BlobToSend:
        """The blob to send, compressing the layer first where that is needed (once)."""
        with self._lock:
            if self._ready is None:
                assert self._make is not None
                self._ready = self._make()
                self._known = (self._ready.digest, self._ready.size)
                self.compressed = True
            return self._ready


class ImagePlan:
    """The blobs of an image (config first) and, once they are resolved, its manifest."""

    def __init__(self, image: Image, blobs: list[PlannedBlob], rebuild: bool, docker: bool):
        self.image = image
        self.blobs = blobs
        self._rebuild = rebuild
        self._docker = docker

    def document(self) -> Document:
        """The manifest to PUT: the source's own bytes, or one made for the resolved blobs."""
        image = self.image
        sent = [blob.final() for blob in self.blobs]
        if not self._rebuild:
            raw = image.manifest.raw
            manifest = image.manifest
        else:
            config, *layers = sent
            manifest = Manifest(
                mediatype.DOCKER_MANIFEST if self._docker else mediatype.OCI_MANIFEST,
                Descriptor(config.media_type, config.digest, config.size),
                tuple(
                    Descriptor(
                        blob.media_type, blob.digest, blob.size, layer.descriptor.annotations
                    )
                    for blob, layer in zip(layers, image.layers, strict=True)
                ),
            )
            raw = manifest.to_json()
        descriptor = Descriptor(manifest.media_type, Digest.of_bytes(raw), len(raw))
        return Document(descriptor, raw, manifest, tuple(sent), config=image.config)


def _config_blob(image: Image, docker: bool, keep_type: bool) -> BlobToSend:
    raw = image.config.raw
    if keep_type:
        media_type = image.manifest.config.media_type
    else:
        media_type = mediatype.DOCKER_CONFIG if docker else mediatype.OCI_CONFIG
    return BlobToSend(Digest.of_bytes(raw), len(raw), media_type, lambda: io.BytesIO(raw))


def _compressing(
    layer: Layer,
    what: str,
    options: PushOptions,
    media_type: str,
    record: CompressedRecord,
    scratch: Path,
    made: list[Path],
) -> Callable[[], BlobToSend]:
    def make() -> BlobToSend:
        scratch.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="layer-", suffix=".blob", dir=scratch)
        path = Path(name)
        made.append(path)
        with os.fdopen(fd, "wb") as out, layer.open() as source:
            result = compress(source, out, options.compression, options.effective_level)
        if result.diff_id != layer.diff_id:
            raise ImageError(
                f"{what}: the layer's content hashes to {result.diff_id}, not its diff_id "
                f"{layer.diff_id}",
                hint="the source is corrupt; rebuild or re-export it",
            )
        record.put(
            layer.diff_id, options.compression, options.effective_level, result.digest, result.size
        )

        def open_blob() -> BinaryIO:
            return open(path, "rb")

        return BlobToSend(result.digest, result.size, media_type, open_blob)

    return make


def plan_image(
    image: Image, options: PushOptions, record: CompressedRecord, scratch: Path
) -> tuple[ImagePlan, list[Path]]:
    """The plan for ``image``, and the list the temporary files it makes are added to."""
    made: list[Path] = []
    keep = image.digest is not None and bool(image.manifest.raw)
    if keep:
        blobs = [PlannedBlob("config", _config_blob(image, False, True))]
        for i, layer in enumerate(image.layers):
            d = layer.descriptor
            ready = BlobToSend(d.digest, d.size, d.media_type, layer.open_blob)
            blobs.append(PlannedBlob(f"layer {i}", ready))
        return ImagePlan(image, blobs, rebuild=False, docker=image.manifest.docker), made
    kept = [mediatype.compression(layer.descriptor.media_type) for layer in image.layers]
    docker = not options.oci and options.compression == "gzip" and "zstd" not in kept
    blobs = [PlannedBlob("config", _config_blob(image, docker, False))]
    level = options.effective_level
    for i, layer in enumerate(image.layers):
        what = f"{image.name} layer {i}"
        if layer.size is not None:  # the source has this layer compressed: sent as it is
            d = layer.descriptor
            media_type = mediatype.layer_type(mediatype.compression(d.media_type), docker=docker)
            ready = BlobToSend(d.digest, d.size, media_type, layer.open_blob)
            blobs.append(PlannedBlob(f"layer {i}", ready))
            continue
        media_type = mediatype.layer_type(options.compression, docker=docker)
        make = _compressing(layer, what, options, media_type, record, scratch, made)
        known = record.get(layer.diff_id, options.compression, level)
        blobs.append(PlannedBlob(f"layer {i}", make=make, known=known, media_type=media_type))
    return ImagePlan(image, blobs, rebuild=True, docker=docker), made
