"""Writing ``docker save`` archives, and the form tags take in their RepoTags.

The legacy layout is written (``<diff-id>/layer.tar``, ``manifest.json``, ``repositories``),
deterministically: fixed member order, mtime 0, root owner. ``docker load`` and skopeo read
it; :func:`imagekit.oci.archive.open_archive` reads it back.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from imagekit.errors import ImageError
from imagekit.oci.archive import normal_reference
from imagekit.oci.digest import CHUNK, Digest, Hasher
from imagekit.oci.image import Image


class _TarWriter:
    """A minimal deterministic tar writer onto a seekable file."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def _header(self, name: str, size: int, kind: bytes, mode: int) -> bytes:
        info = tarfile.TarInfo(name)
        info.size, info.type, info.mode, info.mtime = size, kind, mode, 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")

    def directory(self, name: str) -> None:
        self._out.write(self._header(name + "/", 0, tarfile.DIRTYPE, 0o755))

    def file(self, name: str, data: bytes) -> None:
        self._out.write(self._header(name, len(data), tarfile.REGTYPE, 0o644))
        self._out.write(data)
        self._pad(len(data))

    def stream(self, name: str, source: BinaryIO) -> Hasher:
        """Copy ``source`` as a member; the header is written again once the size is known."""
        start = self._out.tell()
        self._out.write(self._header(name, 0, tarfile.REGTYPE, 0o644))
        hasher = Hasher()
        while chunk := source.read(CHUNK):
            hasher.update(chunk)
            self._out.write(chunk)
        end = self._out.tell()
        self._out.seek(start)
        self._out.write(self._header(name, hasher.size, tarfile.REGTYPE, 0o644))
        self._out.seek(end)
        self._pad(hasher.size)
        return hasher

    def _pad(self, size: int) -> None:
        if size % tarfile.BLOCKSIZE:
            self._out.write(b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE))

    def finish(self) -> None:
        self._out.write(b"\0" * (2 * tarfile.BLOCKSIZE))


def write_archive(image: Image, path: str | os.PathLike[str], tags: Iterable[str] = ()) -> Path:
    """Write ``image`` as a legacy ``docker save`` archive at ``path``, tagged ``tags``.

    Layers are stored uncompressed, each checked against its diff ID while copied
    (ImageError on a mismatch; nothing is left at ``path`` then). Returns the path.
    """
    target = Path(path)
    repo_tags = [normal_reference(t) for t in tags]
    config = image.config
    config_name = f"{config.digest.hex}.json"
    layer_names = [f"{layer.diff_id.hex}/layer.tar" for layer in image.layers]
    manifest = [{"Config": config_name, "Layers": layer_names, "RepoTags": repo_tags or None}]
    repositories: dict[str, dict[str, str]] = {}
    if image.layers:
        for tag in repo_tags:
            repository, _, name = tag.rpartition(":")
            repositories.setdefault(repository, {})[name] = image.layers[-1].diff_id.hex
    fd, scratch = tempfile.mkstemp(prefix=".imagekit-", suffix=".tar", dir=target.parent)
    try:
        with os.fdopen(fd, "wb+") as out:
            tar = _TarWriter(out)
            tar.file("manifest.json", _json(manifest))
            tar.file(config_name, config.raw)
            written: set[Digest] = set()
            for i, layer in enumerate(image.layers):
                if layer.diff_id in written:
                    continue
                written.add(layer.diff_id)
                tar.directory(layer.diff_id.hex)
                tar.file(f"{layer.diff_id.hex}/VERSION", b"1.0")
                with layer.open() as source:
                    hasher = tar.stream(f"{layer.diff_id.hex}/layer.tar", source)
                if hasher.digest != layer.diff_id:
                    raise ImageError(
                        f"{image.name} layer {i}: content hashes to {hasher.digest}, "
                        f"not its diff_id {layer.diff_id}"
                    )
            if repositories:
                tar.file("repositories", _json(repositories))
            tar.finish()
        os.chmod(scratch, 0o644)
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
