"""What every image source gives: an Image with its manifest, config and Layers.

Sources differ in what they know without reading layers. A registry or an OCI layout
has the compressed blobs and their sizes; a ``docker save`` archive and the engine
(Debian's docker 20.10 saves in the legacy format) have only uncompressed tars, so
their layers have no compressed ``size`` (None) and their digests equal their diff IDs.
"""

from __future__ import annotations

from typing import BinaryIO, Protocol

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
