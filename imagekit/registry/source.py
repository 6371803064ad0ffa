"""The ``docker://HOST/REPO[:TAG|@DIGEST]`` image source: an image read from a registry.

The manifest and the config are fetched up front; layers are not: each layer's size
comes from the manifest, and its blob is streamed only when :meth:`RegistryLayer.open`
or :meth:`RegistryLayer.open_blob` is called (verified against the manifest's digest and
size as it is read).

A multi-platform index resolves to one image: the ``platform`` asked for; without one,
the only image of the index, or ``linux/amd64`` when the index holds several and one of
them is that. Attestation entries (``unknown/unknown``) are never images.
"""

from __future__ import annotations

from typing import BinaryIO

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.config import parse_config
from imagekit.oci.digest import Digest
from imagekit.oci.image import BlobLayer, HeldImage, Image, layer_pairs
from imagekit.oci.manifest import Descriptor, Index, Manifest, Platform, parse
from imagekit.registry import reference as references
from imagekit.registry.auth import Credentials
from imagekit.registry.client import RegistryClient
from imagekit.registry.reference import Reference
from imagekit.registry.transport import Transport

SCHEME = "docker://"
#: The image chosen from an index holding several when no platform is asked for.
DEFAULT_PLATFORM = Platform("linux", "amd64")
_MAX_NESTING = 2


class RegistryLayer(BlobLayer):
    """One layer of a registry image; nothing is downloaded until it is opened."""

    __slots__ = ("_client", "_descriptor", "_repository")

    def __init__(
        self,
        client: RegistryClient,
        repository: str,
        descriptor: Descriptor,
        diff_id: Digest,
        what: str,
    ) -> None:
        super().__init__(diff_id, what)
        self._client = client
        self._repository = repository
        self._descriptor = descriptor

    @property
    def descriptor(self) -> Descriptor:
        return self._descriptor

    @property
    def size(self) -> int | None:
        return self._descriptor.size

    @property
    def uncompressed_size(self) -> int | None:
        return None

    def open_blob(self) -> BinaryIO:
        return self._client.open_blob(
            self._repository, self._descriptor.digest, self._descriptor.size
        )

    def _blob_compression(self) -> str:
        try:
            return mediatype.compression(self._descriptor.media_type)
        except KeyError:
            raise ImageError(
                f"{self._what}: {self._descriptor.media_type!r} is not a layer media type"
            ) from None


class RegistryImage(HeldImage):
    """An image in a registry, resolved to one manifest (see the module's docs)."""

    def __init__(
        self, client: RegistryClient, ref: Reference, *, platform: Platform | None = None
    ) -> None:
        self.reference = ref
        self._client = client
        name = f"{SCHEME}{ref}"
        fetched = client.get_manifest(ref.repository, ref.identifier)
        #: The index the reference named, when it named one (else None).
        self.index: Index | None = None
        #: The digest of what the reference names: the index's, or the manifest's.
        self.reference_digest = fetched.digest
        document = parse(fetched.raw, fetched.media_type or None, what=name)
        for _ in range(_MAX_NESTING):
            if not isinstance(document, Index):
                break
            self.index = self.index or document
            chosen = choose(document, platform, name)
            fetched = client.get_manifest(ref.repository, str(chosen.digest))
            if fetched.digest != chosen.digest:
                raise ImageError(f"{name}: the index lists {chosen.digest}, got {fetched.digest}")
            document = parse(fetched.raw, chosen.media_type, what=f"{name}@{chosen.digest}")
        if not isinstance(document, Manifest):
            raise ImageError(f"{name}: indexes nested deeper than {_MAX_NESTING} levels")
        self._digest = fetched.digest
        raw_config = client.read_blob(ref.repository, document.config.digest, document.config.size)
        config = parse_config(raw_config, what=f"{name} config")
        layers = tuple(
            RegistryLayer(client, ref.repository, layer, diff_id, f"{name} layer {i}")
            for i, layer, diff_id in layer_pairs(document, config, name)
        )
        super().__init__(name, document, config, layers)

    @property
    def digest(self) -> Digest | None:
        """The digest of the image's own manifest (not the index's: see ``reference_digest``)."""
        return self._digest

    def close(self) -> None:
        """Nothing stays open between calls: each blob stream holds its own connection."""


def choose(index: Index, platform: Platform | None, what: str) -> Descriptor:
    """The index entry for ``platform`` (the default rule when None)."""
    try:
        return index.for_platform(platform)
    except ImageError as exc:
        if platform is not None or len(index.images) < 2:
            raise ImageError(f"{what}: {exc.message}") from None
    try:
        return index.for_platform(DEFAULT_PLATFORM)
    except ImageError:
        found = ", ".join(str(d.platform) for d in index.images if d.platform) or "none"
        raise ImageError(
            f"{what}: the index holds {len(index.images)} images ({found}) and none for "
            f"{DEFAULT_PLATFORM}; choose one with --platform"
        ) from None


def open_registry(
    spec_text: str,
    platform: Platform | None = None,
    *,
    insecure: bool = False,
    credentials: Credentials | None = None,
    transport: Transport | None = None,
) -> Image:
    """The image ``docker://HOST/REPO[:TAG|@DIGEST]`` names (the scheme may be left out).

    With its first two parameters it is the ``RegistryOpener`` that
    :func:`imagekit.oci.transport.open_image` takes.
    """
    text = spec_text.removeprefix(SCHEME)
    ref = references.parse(text)
    client = RegistryClient(
        ref.registry, insecure=insecure, credentials=credentials, transport=transport
    )
    return RegistryImage(client, ref, platform=platform)
