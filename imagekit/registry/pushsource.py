"""What a push reads: an Image, or a whole tree of documents (an index and its children).

Sources are named in the transport syntax of :mod:`imagekit.oci.transport`. An ``oci:``
layout entry or a ``docker://`` reference that names an index, with no platform asked
for, is read as a :class:`Tree`: the index, every child manifest (attestations included)
and every blob they name, pushed byte for byte. Anything else is an Image.

A tree's documents are read (and checked against their digests) when the tree is opened;
its blobs are read only when sent, from the layout's files or streamed from the source
registry (:meth:`RegistryClient.open_blob` verifies them).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.config import ImageConfig, parse_config
from imagekit.oci.image import Image
from imagekit.oci.layout import blob_path, layout_entry, read_document
from imagekit.oci.manifest import Descriptor, Index, Manifest, Platform, parse
from imagekit.oci.transport import open_image, parse_spec
from imagekit.registry import reference as references
from imagekit.registry.client import RegistryClient
from imagekit.registry.source import RegistryImage
from imagekit.registry.upload import BlobToSend

#: Indexes nested deeper than this are refused.
MAX_DEPTH = 4
ClientFor = Callable[[str], RegistryClient]


@dataclass(frozen=True, slots=True)
class Document:
    """A manifest or index as it will be PUT: its descriptor, bytes, and what it names.

    A manifest names blobs (config first, then layers); an index names child documents.
    ``config`` is the parsed image config where the manifest's config is one.
    """

    descriptor: Descriptor
    raw: bytes
    document: Manifest | Index
    blobs: tuple[BlobToSend, ...] = ()
    children: tuple[Document, ...] = ()
    config: ImageConfig | None = None

    def walk(self) -> list[Document]:
        """Every document, children before the index that names them."""
        found: list[Document] = []
        for child in self.children:
            found += child.walk()
        return [*found, self]


@dataclass(frozen=True, slots=True)
class Tree:
    """A whole index read from ``name``; ``registry``/``repository`` when a registry's."""

    name: str
    root: Document
    registry: str = ""
    repository: str = ""

    def close(self) -> None:
        """Nothing is held open between reads."""


class _Store:
    """Where a tree's documents and blobs are read from."""

    def read(self, descriptor: Descriptor, what: str) -> bytes:
        raise NotImplementedError

    def opener(self, descriptor: Descriptor, what: str) -> Callable[[], BinaryIO]:
        raise NotImplementedError


class _LayoutStore(_Store):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def read(self, descriptor: Descriptor, what: str) -> bytes:
        return read_document(self.directory, descriptor, what)

    def opener(self, descriptor: Descriptor, what: str) -> Callable[[], BinaryIO]:
        path = blob_path(self.directory, descriptor.digest)

        def open_blob() -> BinaryIO:
            try:
                return open(path, "rb")
            except FileNotFoundError:
                raise ImageError(f"{what}: blob {descriptor.digest} is missing") from None

        return open_blob


class _RegistryStore(_Store):
    def __init__(self, client: RegistryClient, repository: str) -> None:
        self.client = client
        self.repository = repository

    def read(self, descriptor: Descriptor, what: str) -> bytes:
        if mediatype.is_manifest(descriptor.media_type) or mediatype.is_index(
            descriptor.media_type
        ):
            fetched = self.client.get_manifest(self.repository, str(descriptor.digest))
            return fetched.raw
        return self.client.read_blob(self.repository, descriptor.digest, descriptor.size)

    def opener(self, descriptor: Descriptor, what: str) -> Callable[[], BinaryIO]:
        return lambda: self.client.open_blob(self.repository, descriptor.digest, descriptor.size)


def _config(raw: bytes, descriptor: Descriptor, what: str) -> ImageConfig | None:
    """The image config, where the blob is one (attestation manifests' configs are not)."""
    if descriptor.media_type not in mediatype.CONFIGS:
        return None
    try:
        return parse_config(raw, what)
    except ImageError:
        return None


def _document(store: _Store, descriptor: Descriptor, what: str, depth: int = 0) -> Document:
    if depth > MAX_DEPTH:
        raise ImageError(f"{what}: indexes nested deeper than {MAX_DEPTH}")
    raw = store.read(descriptor, what)
    document = parse(raw, descriptor.media_type, what)
    if isinstance(document, Index):
        children = tuple(
            _document(store, child, f"{what} > {child.digest}", depth + 1)
            for child in document.manifests
        )
        return Document(descriptor, raw, document, children=children)
    config_raw = store.read(document.config, f"{what} config")
    config = _config(config_raw, document.config, f"{what} config")
    blobs = [
        BlobToSend(
            document.config.digest,
            document.config.size,
            document.config.media_type,
            lambda data=config_raw: io.BytesIO(data),  # type: ignore[misc]
        )
    ]
    for i, layer in enumerate(document.layers):
        opener = store.opener(layer, f"{what} layer {i}")
        blobs.append(BlobToSend(layer.digest, layer.size, layer.media_type, opener))
    return Document(descriptor, raw, document, tuple(blobs), config=config)


def open_push_source(
    text: str,
    *,
    platform: Platform | None = None,
    client_for: ClientFor,
    docker_client: Any = None,
) -> Image | Tree:
    """What ``text`` names, as an Image or (an index without a platform) a Tree.

    ``client_for(registry)`` gives the client for a ``docker://`` source's registry.
    The caller closes what it gets.
    """
    spec = parse_spec(text)
    if spec.transport == "oci" and platform is None:
        directory = Path(spec.location)
        entry = layout_entry(directory, spec.reference, name=str(spec))
        if mediatype.is_index(entry.media_type):
            root = _document(_LayoutStore(directory), entry, str(spec))
            return Tree(str(spec), root)
    if spec.transport == "docker":
        ref = references.parse(spec.location)
        client = client_for(ref.registry)
        name = f"docker://{ref}"
        if platform is None:
            fetched = client.get_manifest(ref.repository, ref.identifier)
            if mediatype.is_index(fetched.media_type):
                descriptor = Descriptor(fetched.media_type, fetched.digest, len(fetched.raw))
                root = _document(_RegistryStore(client, ref.repository), descriptor, name)
                return Tree(name, root, ref.registry, ref.repository)
        return RegistryImage(client, ref, platform=platform)

    def no_registry(location: str, wanted: Platform | None) -> Image:
        raise AssertionError("docker:// sources are opened above")  # pragma: no cover

    return open_image(spec, registry=no_registry, platform=platform, docker_client=docker_client)
