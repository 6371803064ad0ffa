"""``docker-archive:PATH[:REFERENCE]``: ``docker save`` tarballs, read and written.

Reading indexes the tar once (headers only: the file is seekable, so member data is
skipped) and serves each layer as a bounded reader over the file; nothing is loaded into
memory but manifest.json and the configs. Both layouts ``docker save`` has written are
read: the legacy one (``<id>/layer.tar``, shared layers as symlinks, manifest.json last;
Debian's docker 20.10) and the newer one with ``blobs/sha256/<hex>`` paths. Layers are
usually uncompressed tars: such a layer has no compressed ``size`` (None) and its
descriptor's digest is its diff ID. Compressed layers (other tools write them) are
detected by their magic bytes.

Writing (``write_archive``) lives in :mod:`imagekit.oci.archive_write`.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from imagekit.errors import ImageError, InputError, UsageError
from imagekit.oci import mediatype
from imagekit.oci.compress import detect
from imagekit.oci.config import ImageConfig, parse_config
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.image import BlobLayer, HeldImage
from imagekit.oci.manifest import Descriptor, Manifest

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

#: manifest.json and configs larger than this are not believed.
MAX_JSON = 16 << 20
_MAX_LINKS = 16


class Member(NamedTuple):
    """A regular file in the archive: where its data starts and how long it is."""

    name: str
    offset: int
    size: int


class Section(io.RawIOBase):
    """``size`` bytes of the file at ``path`` from ``offset``: a member's data."""

    def __init__(self, path: Path, offset: int, size: int) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._file.seek(offset)
        self._left = size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._file.read(size)
        self._left -= len(data)
        if len(data) < size:
            raise ImageError(f"{self._file.name}: the archive ends inside a member")
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


def index_tar(path: Path, what: str) -> dict[str, Member]:
    """The regular files of the tar at ``path`` by normalized name, links resolved."""
    files: dict[str, Member] = {}
    links: dict[str, str] = {}
    try:
        total = path.stat().st_size
        with tarfile.open(path, "r:") as tar:
            while (info := tar.next()) is not None:
                name = _normal_name(info.name)
                if info.isreg() and not info.issparse():
                    if info.offset_data + info.size > total:
                        raise ImageError(f"{what}: truncated (member {info.name} is cut short)")
                    files[name] = Member(name, info.offset_data, info.size)
                elif info.issym():
                    links[name] = posixpath.join(posixpath.dirname(name), info.linkname)
                elif info.islnk():
                    links[name] = info.linkname
    except (tarfile.TarError, EOFError) as exc:
        raise ImageError(f"{what}: not a readable tar archive ({exc})") from None
    except FileNotFoundError:
        raise InputError(f"{what}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{what}: is a directory, not a docker save archive") from None
    except PermissionError:
        raise InputError(f"{what}: permission denied") from None
    for name in links:
        target = name
        for _ in range(_MAX_LINKS):
            if target not in links:
                break
            target = _normal_name(links[target])
        if target in files:
            files[name] = files[target]._replace(name=name)
    return files


def _normal_name(name: str) -> str:
    return posixpath.normpath(name.lstrip("/")).removeprefix("./")


class ArchiveLayer(BlobLayer):
    """A layer in a ``docker save`` archive."""

    __slots__ = ("_compression", "_descriptor", "_digest", "_member", "_path")

    def __init__(
        self,
        path: Path,
        member: Member,
        diff_id: Digest,
        compression: str,
        digest: Digest | None,
        what: str,
    ) -> None:
        super().__init__(diff_id, what)
        self._path = path
        self._member = member
        self._compression = compression
        self._digest = digest
        self._descriptor: Descriptor | None = None

    @property
    def descriptor(self) -> Descriptor:
        if self._descriptor is None:
            digest = self._digest
            if not self._compression:
                digest = self._diff_id
            elif digest is None:  # a compressed layer under a legacy name: hash it once
                hasher = Hasher()
                with self.open_blob() as blob:
                    while chunk := blob.read(CHUNK):
                        hasher.update(chunk)
                digest = hasher.digest
            media_type = mediatype.layer_type(self._compression, docker=True)
            self._descriptor = Descriptor(media_type, digest, self._member.size)
        return self._descriptor

    def _blob_compression(self) -> str:
        return self._compression

    def _blob_size(self) -> int:
        return self._member.size

    def open_blob(self) -> BinaryIO:
        return Section(self._path, self._member.offset, self._member.size)  # type: ignore[return-value]


class ArchiveImage(HeldImage):
    """An image read from a ``docker save`` archive (or the engine's save stream)."""

    def __init__(
        self,
        name: str,
        config: ImageConfig,
        layers: tuple[ArchiveLayer, ...],
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name, None, config, layers)
        self._on_close = on_close

    def _make_manifest(self) -> Manifest:
        """A Docker schema 2 manifest made from the archive (the archive stores none)."""
        config = Descriptor(mediatype.DOCKER_CONFIG, self._config.digest, len(self._config.raw))
        layers = tuple(layer.descriptor for layer in self._layers)
        return Manifest(mediatype.DOCKER_MANIFEST, config, layers)

    @property
    def digest(self) -> Digest | None:
        return None

    def close(self) -> None:
        if self._on_close is not None:
            callback, self._on_close = self._on_close, None
            callback()


def _read_member(path: Path, member: Member, what: str) -> bytes:
    if member.size > MAX_JSON:
        raise ImageError(f"{what}: {member.name} is too large ({member.size} bytes)")
    with Section(path, member.offset, member.size) as section:
        return section.read()


def _pick(entries: list[Any], reference: str | None, what: str) -> dict[str, Any]:
    if reference is not None and reference.startswith("@"):
        try:
            index = int(reference[1:])
        except ValueError:
            raise UsageError(f"{what}: {reference!r} is not an image index (@0, @1, ...)") from None
        if not 0 <= index < len(entries):
            raise ImageError(f"{what}: the archive has {len(entries)} image(s), no {reference}")
        return dict(entries[index])
    if reference is None:
        if len(entries) == 1:
            return dict(entries[0])
        tags = sorted(t for e in entries for t in (e.get("RepoTags") or []))
        raise ImageError(
            f"{what}: the archive holds {len(entries)} images; name one as "
            f"docker-archive:PATH:NAME:TAG or docker-archive:PATH:@INDEX (tags: "
            f"{', '.join(tags) or 'none'})"
        )
    wanted = normal_reference(reference)
    for entry in entries:
        tags = entry.get("RepoTags") or []
        if isinstance(tags, list) and any(
            isinstance(t, str) and normal_reference(t) == wanted for t in tags
        ):
            return dict(entry)
    raise ImageError(f"{what}: no image tagged {reference} in the archive")


def _digest_of_path(name: str) -> Digest | None:
    """The digest a ``blobs/ALG/HEX`` path names, else None."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "blobs":
        try:
            return Digest(parts[1], parts[2])
        except ImageError:
            return None
    return None


def open_archive(
    path: str | os.PathLike[str],
    reference: str | None = None,
    *,
    name: str | None = None,
    on_close: Callable[[], None] | None = None,
) -> ArchiveImage:
    """The image in the ``docker save`` archive at ``path``.

    ``reference`` picks one of several images: ``NAME[:TAG]`` matched against RepoTags, or
    ``@INDEX`` (the position in manifest.json). ``name`` is what messages call the source.
    """
    archive = Path(path)
    what = name or f"docker-archive:{archive}"
    members = index_tar(archive, what)
    if "manifest.json" not in members:
        raise ImageError(f"{what}: no manifest.json (not a docker save archive?)")
    try:
        entries = json.loads(_read_member(archive, members["manifest.json"], what))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"{what}: manifest.json is not valid JSON ({exc})") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ImageError(f"{what}: manifest.json must be a list of objects")
    if not entries:
        raise ImageError(f"{what}: manifest.json lists no images")
    entry = _pick(entries, reference, what)
    config_name, layer_names = entry.get("Config"), entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise ImageError(f"{what}: manifest.json entries need Config and Layers")

    def member(ref: Any, role: str) -> Member:
        if not isinstance(ref, str):
            raise ImageError(f"{what}: {role} must be a path")
        found = members.get(_normal_name(ref))
        if found is None:
            raise ImageError(f"{what}: {role} {ref} is missing from the archive")
        return found

    config = parse_config(
        _read_member(archive, member(config_name, "config"), what), f"{what} config"
    )
    if len(layer_names) != len(config.diff_ids):
        raise ImageError(
            f"{what}: manifest.json lists {len(layer_names)} layers, the config "
            f"{len(config.diff_ids)} diff_ids"
        )
    layers: list[ArchiveLayer] = []
    for i, (layer_name, diff_id) in enumerate(zip(layer_names, config.diff_ids, strict=True)):
        found = member(layer_name, f"layer {i}")
        with Section(archive, found.offset, found.size) as head:
            compression = detect(head.read(4))
        layers.append(
            ArchiveLayer(
                archive,
                found,
                diff_id,
                compression,
                _digest_of_path(found.name),
                f"{what} layer {i} ({layer_name})",
            )
        )
    return ArchiveImage(what, config, tuple(layers), on_close)


def normal_reference(reference: str) -> str:
    """``busybox`` and ``docker.io/library/busybox:latest`` alike become ``busybox:latest``."""
    name, at, digest = reference.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and not at:
        name += ":latest"
    for prefix in ("docker.io/", "index.docker.io/"):
        name = name.removeprefix(prefix)
    name = name.removeprefix("library/")
    return name + at + digest
