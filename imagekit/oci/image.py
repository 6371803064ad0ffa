"""What every image source gives: an Image with its manifest, config and Layers.

Sources differ in what they know without reading layers. A registry or an OCI layout
has the compressed blobs and their sizes; a ``docker save`` archive and the engine
(Debian's docker 20.10 saves in the legacy format) have only uncompressed tars, so
their layers have no compressed ``size`` (None) and their digests equal their diff IDs.

:class:`BlobLayer` and :class:`HeldImage` hold what the sources' implementations share.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import BinaryIO, Protocol, Self

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.compress import decompress
from imagekit.oci.config import ImageConfig
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Descriptor, Manifest


class Layer(Protocol):
    @property
    def descriptor(self) -> Descriptor:
        """The blob as the manifest lists it (for uncompressed-only sources: the tar)."""
        ...

    @property
    def diff_id(self) -> Digest:
        """sha256 of the uncompressed tar, from the image config."""
        ...

    @property
    def size(self) -> int | None:
        """The compressed blob's size; None where the source has no compressed blob."""
        ...

    @property
    def uncompressed_size(self) -> int | None:
        """Bytes of the uncompressed tar when known without reading it, else None."""
        ...

    def open_blob(self) -> BinaryIO:
        """The blob as stored (compressed or not). The caller closes it."""
        ...

    def open(self) -> BinaryIO:
        """The uncompressed tar, streamed. The caller closes it."""
        ...


class Image(Protocol):
    @property
    def name(self) -> str:
        """What the user named, for messages (``docker-archive:app.tar``)."""
        ...

    @property
    def manifest(self) -> Manifest: ...

    @property
    def config(self) -> ImageConfig: ...

    @property
    def layers(self) -> tuple[Layer, ...]:
        """In manifest order, base first; ``layers[i].diff_id == config.diff_ids[i]``."""
        ...

    @property
    def digest(self) -> Digest | None:
        """The manifest digest where the source has one (registry, layout), else None."""
        ...

    def close(self) -> None: ...


class BlobLayer(ABC):
    """A Layer whose uncompressed tar is its blob, decompressed.

    A subclass gives ``descriptor`` and ``open_blob``; the blob's compression and size
    come from the descriptor unless the subclass knows them otherwise.
    """

    __slots__ = ("_diff_id", "_what")

    def __init__(self, diff_id: Digest, what: str) -> None:
        self._diff_id = diff_id
        self._what = what

    @property
    @abstractmethod
    def descriptor(self) -> Descriptor: ...

    @abstractmethod
    def open_blob(self) -> BinaryIO: ...

    def _blob_compression(self) -> str:
        """``gzip``, ``zstd`` or ``""``; KeyError for a media type that is not a layer."""
        return mediatype.compression(self.descriptor.media_type)

    def _blob_size(self) -> int:
        return self.descriptor.size

    @property
    def diff_id(self) -> Digest:
        return self._diff_id

    @property
    def size(self) -> int | None:
        return self._blob_size() if self._blob_compression() else None

    @property
    def uncompressed_size(self) -> int | None:
        return None if self._blob_compression() else self._blob_size()

    def open(self) -> BinaryIO:
        compression = self._blob_compression()
        return decompress(self.open_blob(), compression, self._what)


class HeldImage:
    """An Image whose name, manifest, config and layers are at hand once it is read.

    A source whose manifest is made only when asked for (a ``docker save`` archive stores
    none) passes None and gives :meth:`_make_manifest`.
    """

    def __init__(
        self,
        name: str,
        manifest: Manifest | None,
        config: ImageConfig,
        layers: tuple[Layer, ...],
    ) -> None:
        self._name = name
        self._manifest = manifest
        self._config = config
        self._layers = layers

    def _make_manifest(self) -> Manifest:
        raise NotImplementedError(f"{type(self).__name__} was given no manifest")

    @property
    def name(self) -> str:
        return self._name

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            self._manifest = self._make_manifest()
        return self._manifest

    @property
    def config(self) -> ImageConfig:
        return self._config

    @property
    def layers(self) -> tuple[Layer, ...]:
        return self._layers

    @property
    def digest(self) -> Digest | None:
        return self.manifest.digest

    def close(self) -> None:
        """Nothing to release: layer readers are opened and closed by their callers."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def layer_pairs(
    manifest: Manifest, config: ImageConfig, what: str
) -> list[tuple[int, Descriptor, Digest]]:
    """Each layer's index, descriptor and diff ID, in manifest order.

    ImageError when the manifest and the config do not list as many layers.
    """
    if len(manifest.layers) != len(config.diff_ids):
        raise ImageError(
            f"{what}: the manifest lists {len(manifest.layers)} layers, the config "
            f"{len(config.diff_ids)} diff_ids"
        )
    pairs = zip(manifest.layers, config.diff_ids, strict=True)
    return [(i, layer, diff_id) for i, (layer, diff_id) in enumerate(pairs)]
