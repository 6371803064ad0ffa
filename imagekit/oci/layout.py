"""``oci:DIR[:TAG]``: OCI image layout directories, read and written.

A layout is ``oci-layout``, ``index.json`` and ``blobs/ALG/HEX``. The tag is the
``org.opencontainers.image.ref.name`` annotation of an entry of index.json. Entries may be
indexes themselves (multi-platform images, nested to any reasonable depth); the image is
then picked by platform, attestations (``unknown/unknown``) left out.

Manifests, indexes and configs are small and checked against their digests as they are
read (ImageError on a mismatch); layers are checked by :func:`imagekit.oci.validate.validate`.

:func:`layout_entry` and :func:`read_document` serve readers of a whole index (a push of
every platform): the entry a tag names, whatever its media type, and its bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from imagekit.errors import ImageError, InputError
from imagekit.oci import mediatype
from imagekit.oci.compress import COMPRESSIONS, compress
from imagekit.oci.config import ImageConfig, parse_config
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.image import BlobLayer, HeldImage, Image, layer_pairs
from imagekit.oci.manifest import Descriptor, Index, Manifest, Platform, load_json, parse

REF_NAME = "org.opencontainers.image.ref.name"
LAYOUT_VERSION = "1.0.0"
#: Manifests, indexes and configs larger than this are not believed.
MAX_JSON = 16 << 20
_MAX_DEPTH = 8


def blob_path(directory: Path, digest: Digest) -> Path:
    return directory / "blobs" / digest.algorithm / digest.hex


class LayoutLayer(BlobLayer):
    """A layer blob of an OCI layout."""

    __slots__ = ("_descriptor", "_path")

    def __init__(self, path: Path, descriptor: Descriptor, diff_id: Digest, what: str) -> None:
        super().__init__(diff_id, what)
        self._path = path
        self._descriptor = descriptor

    @property
    def descriptor(self) -> Descriptor:
        return self._descriptor

    def open_blob(self) -> BinaryIO:
        try:
            return open(self._path, "rb")
        except FileNotFoundError:
            raise ImageError(f"{self._what}: blob {self._descriptor.digest} is missing") from None


class LayoutImage(HeldImage):
    """An image read from an OCI layout."""

    def __init__(
        self,
        name: str,
        manifest: Manifest,
        config: ImageConfig,
        layers: tuple[LayoutLayer, ...],
    ) -> None:
        super().__init__(name, manifest, config, layers)


def _read_blob(directory: Path, descriptor: Descriptor, what: str) -> bytes:
    """A small blob, checked against its descriptor."""
    if descriptor.size > MAX_JSON:
        raise ImageError(f"{what}: {descriptor.digest} is too large ({descriptor.size} bytes)")
    path = blob_path(directory, descriptor.digest)
    try:
        with open(path, "rb") as blob:
            data = blob.read(MAX_JSON + 1)
    except FileNotFoundError:
        raise ImageError(f"{what}: blob {descriptor.digest} is missing") from None
    if len(data) != descriptor.size:
        raise ImageError(
            f"{what}: blob {descriptor.digest} has {len(data)} bytes, not {descriptor.size}"
        )
    actual = Digest.of_bytes(data, descriptor.digest.algorithm)
    if actual != descriptor.digest:
        raise ImageError(f"{what}: blob {descriptor.digest} hashes to {actual}")
    return data


def _read_index(directory: Path, what: str) -> Index:
    try:
        layout = load_json((directory / "oci-layout").read_bytes(), f"{what} oci-layout")
        raw = (directory / "index.json").read_bytes()
    except FileNotFoundError as exc:
        if not directory.is_dir():
            raise InputError(f"{what}: no such directory") from None
        raise ImageError(
            f"{what}: {Path(exc.filename).name} is missing (not an OCI layout?)"
        ) from None
    except NotADirectoryError:
        raise InputError(f"{what}: not a directory") from None
    version = layout.get("imageLayoutVersion")
    if not isinstance(version, str) or not version.startswith("1."):
        raise ImageError(f"{what}: unsupported imageLayoutVersion {version!r}")
    index = parse(raw, mediatype.OCI_INDEX, f"{what} index.json")
    if not isinstance(index, Index):
        raise ImageError(f"{what}: index.json is not an image index")
    return index


def _tag(descriptor: Descriptor) -> str | None:
    return dict(descriptor.annotations).get(REF_NAME)


def layout_entry(
    directory: str | os.PathLike[str], tag: str | None = None, *, name: str | None = None
) -> Descriptor:
    """The index.json entry tagged ``tag`` (or the only one): a manifest or an index.

    ImageError when there is no such entry, or several and no tag to choose between them.
    """
    root = Path(directory)
    what = name or (f"oci:{root}:{tag}" if tag else f"oci:{root}")
    index = _read_index(root, what)
    entries = index.manifests
    if tag is not None:
        entries = tuple(d for d in entries if _tag(d) == tag)
    if len(entries) == 1:
        return entries[0]
    tags = sorted({t for d in index.manifests if (t := _tag(d))})
    if not entries and tag is not None:
        raise ImageError(f"{what}: no image tagged {tag!r} (tags: {', '.join(tags) or 'none'})")
    if not entries:
        raise ImageError(f"{what}: index.json lists no images")
    raise ImageError(
        f"{what}: index.json lists {len(entries)} entries; name one as oci:DIR:TAG "
        f"(tags: {', '.join(tags) or 'none'}) or pick a platform with --platform"
    )


def read_document(directory: str | os.PathLike[str], descriptor: Descriptor, what: str) -> bytes:
    """A manifest, index or config blob of the layout, checked against ``descriptor``."""
    return _read_blob(Path(directory), descriptor, what)


def open_layout(
    directory: str | os.PathLike[str],
    tag: str | None = None,
    *,
    platform: Platform | None = None,
    name: str | None = None,
) -> LayoutImage:
    """The image tagged ``tag`` (or the only one) in the layout, for ``platform``."""
    root = Path(directory)
    what = name or (f"oci:{root}:{tag}" if tag else f"oci:{root}")
    index = _read_index(root, what)
    if tag is not None:
        entries = tuple(d for d in index.manifests if _tag(d) == tag)
        if not entries:
            tags = sorted({t for d in index.manifests if (t := _tag(d))})
            raise ImageError(f"{what}: no image tagged {tag!r} (tags: {', '.join(tags) or 'none'})")
    else:
        entries = index.manifests
    if not entries:
        raise ImageError(f"{what}: index.json lists no images")
    if len(entries) == 1:
        chosen = entries[0]
    else:
        tags = sorted({t for d in entries if (t := _tag(d))})
        if tag is None and len(tags) > 1:
            raise ImageError(
                f"{what}: the layout holds several images; name one as oci:DIR:TAG "
                f"(tags: {', '.join(tags)})"
            )
        chosen = Index(index.media_type, entries).for_platform(platform)
    for _ in range(_MAX_DEPTH):
        if mediatype.is_manifest(chosen.media_type):
            return _image(root, chosen, what)
        if not mediatype.is_index(chosen.media_type):
            raise ImageError(f"{what}: unsupported media type {chosen.media_type!r}")
        nested = parse(_read_blob(root, chosen, what), chosen.media_type, f"{what} index")
        if not isinstance(nested, Index):
            raise ImageError(f"{what}: {chosen.digest} is not an index")
        chosen = nested.for_platform(platform)
    raise ImageError(f"{what}: indexes nested deeper than {_MAX_DEPTH}")


def _image(root: Path, descriptor: Descriptor, what: str) -> LayoutImage:
    manifest = parse(_read_blob(root, descriptor, what), descriptor.media_type, f"{what} manifest")
    if not isinstance(manifest, Manifest):
        raise ImageError(f"{what}: {descriptor.digest} is not a manifest")
    config = parse_config(_read_blob(root, manifest.config, f"{what} config"), f"{what} config")
    layers = []
    for i, layer, diff_id in layer_pairs(manifest, config, what):
        if not mediatype.is_layer(layer.media_type):
            raise ImageError(f"{what}: layer {i} has the unsupported media type {layer.media_type}")
        path = blob_path(root, layer.digest)
        layers.append(LayoutLayer(path, layer, diff_id, f"{what} layer {i} ({layer.digest})"))
    return LayoutImage(what, manifest, config, tuple(layers))


class _BlobWriter:
    """Writes blobs into a layout: to a temporary file first, renamed to its digest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _commit(self, scratch: str, digest: Digest) -> None:
        path = blob_path(self.root, digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(scratch, 0o644)
        os.replace(scratch, path)

    def _scratch(self) -> tuple[int, str]:
        folder = self.root / "blobs"
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=".imagekit-", dir=folder)

    def data(self, data: bytes) -> Digest:
        digest = Digest.of_bytes(data)
        path = blob_path(self.root, digest)
        if not path.exists():
            fd, scratch = self._scratch()
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            self._commit(scratch, digest)
        return digest

    def copy(self, source: BinaryIO, expected: Digest, what: str) -> int:
        """Copy a blob as it is, checking its digest; its size."""
        fd, scratch = self._scratch()
        try:
            hasher = Hasher(expected.algorithm)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
            if hasher.digest != expected:
                raise ImageError(f"{what}: blob hashes to {hasher.digest}, not {expected}")
            self._commit(scratch, expected)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        return hasher.size

    def compressed(
        self, source: BinaryIO, compression: str, diff_id: Digest, what: str
    ) -> tuple[Digest, int]:
        """Compress an uncompressed tar into a blob, checking its diff ID; digest and size."""
        fd, scratch = self._scratch()
        try:
            with os.fdopen(fd, "wb") as out:
                result = compress(source, out, compression)
            if result.diff_id != diff_id:
                raise ImageError(
                    f"{what}: content hashes to {result.diff_id}, not its diff_id {diff_id}"
                )
            self._commit(scratch, result.digest)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        return result.digest, result.size


def write_layout(
    image: Image,
    directory: str | os.PathLike[str],
    tag: str | None = None,
    *,
    compression: str | None = None,
) -> Descriptor:
    """Write ``image`` into the OCI layout at ``directory`` (made or added to), as ``tag``.

    ``compression`` None keeps compressed blobs as they are and gzips uncompressed layers;
    ``gzip``, ``zstd`` or ``""`` (uncompressed) recompress every layer that differs.
    Compression is deterministic (gzip: mtime 0, no file name). Layers are checked against
    their digests or diff IDs while written. The manifest is an OCI manifest; the config is
    stored byte for byte, so the image ID stays the same. Returns the manifest's descriptor
    as index.json lists it.
    """
    if compression is not None and compression not in COMPRESSIONS:
        raise ValueError(f"not a compression: {compression!r}")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    blobs = _BlobWriter(root)
    descriptors: list[Descriptor] = []
    for i, layer in enumerate(image.layers):
        what = f"{image.name} layer {i}"
        have = mediatype.compression(layer.descriptor.media_type)
        want = (have or "gzip") if compression is None else compression
        if want == have:
            with layer.open_blob() as source:
                size = blobs.copy(source, layer.descriptor.digest, what)
            digest = layer.descriptor.digest
        else:
            with layer.open() as source:
                digest, size = blobs.compressed(source, want, layer.diff_id, what)
        annotations = layer.descriptor.annotations
        media_type = mediatype.layer_type(want, docker=False)
        descriptors.append(Descriptor(media_type, digest, size, annotations))
    config = image.config
    config_digest = blobs.data(config.raw)
    manifest = Manifest(
        mediatype.OCI_MANIFEST,
        Descriptor(mediatype.OCI_CONFIG, config_digest, len(config.raw)),
        tuple(descriptors),
    )
    raw = manifest.to_json()
    entry = Descriptor(
        mediatype.OCI_MANIFEST,
        blobs.data(raw),
        len(raw),
        ((REF_NAME, tag),) if tag else (),
        config.platform if config.platform.os else None,
    )
    _add_to_index(root, entry, tag)
    return entry


def _add_to_index(root: Path, entry: Descriptor, tag: str | None) -> None:
    manifests: list[dict[str, Any]] = []
    index_path = root / "index.json"
    if index_path.exists():
        old = _read_index(root, f"oci:{root}")
        manifests = [
            d.to_dict()
            for d in old.manifests
            if not (tag and _tag(d) == tag) and not (not tag and d.digest == entry.digest)
        ]
    manifests.append(entry.to_dict())
    index = {"schemaVersion": 2, "mediaType": mediatype.OCI_INDEX, "manifests": manifests}
    layout = {"imageLayoutVersion": LAYOUT_VERSION}
    for name, data in (("oci-layout", layout), ("index.json", index)):
        fd, scratch = tempfile.mkstemp(prefix=".imagekit-", dir=root)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, sort_keys=True, separators=(",", ":"))
        os.chmod(scratch, 0o644)
        os.replace(scratch, root / name)
