"""Debian packages read without dpkg: the ``ar`` container and its ``data.tar``.

A .deb is an ar archive holding ``debian-binary``, ``control.tar.*`` and ``data.tar.*``
(xz, gzip, zstd or none). :func:`unpack_data` decompresses the data tar into a file, which
:func:`imagekit.build.tarsource.tar_entries` then reads; no maintainer script runs and no
package database is written: the packages are extracted, not installed.
"""

from __future__ import annotations

import gzip
import lzma
import shutil
from pathlib import Path
from typing import BinaryIO, NamedTuple

from imagekit.errors import BuildError
from imagekit.oci.archive import Section

_MAGIC = b"!<arch>\n"
_HEADER = 60


class Package(NamedTuple):
    """A .deb file and the name, version and architecture its file name says."""

    path: Path
    name: str
    version: str
    architecture: str


def package_of(path: Path) -> Package:
    """``NAME_VERSION_ARCH.deb`` (as apt names downloads; ``%3a`` stands for ``:``)."""
    stem = path.name.removesuffix(".deb")
    parts = stem.split("_")
    if len(parts) != 3 or not path.name.endswith(".deb"):
        raise BuildError(f"{path}: not a package file name (NAME_VERSION_ARCH.deb)")
    name, version, architecture = parts
    return Package(path, name, version.replace("%3a", ":"), architecture)


def ar_members(path: Path) -> dict[str, tuple[int, int]]:
    """Each member's name and (offset, size) of its data."""
    members: dict[str, tuple[int, int]] = {}
    with open(path, "rb") as archive:
        if archive.read(len(_MAGIC)) != _MAGIC:
            raise BuildError(f"{path}: not a Debian package (no ar header)")
        while header := archive.read(_HEADER):
            if len(header) < _HEADER or header[58:60] != b"`\n":
                raise BuildError(f"{path}: corrupt ar member header")
            name = header[:16].decode("ascii", "replace").strip().rstrip("/")
            try:
                size = int(header[48:58].decode("ascii").strip())
            except ValueError:
                raise BuildError(f"{path}: corrupt ar member size") from None
            members[name] = (archive.tell(), size)
            archive.seek(size + (size % 2), 1)
    return members


def _decompressor(name: str, source: BinaryIO) -> BinaryIO:
    if name.endswith(".xz"):
        return lzma.open(source)  # type: ignore[return-value]
    if name.endswith(".gz"):
        return gzip.open(source)  # type: ignore[return-value]
    if name.endswith(".zst"):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(source)
    if name == "data.tar":
        return source
    raise BuildError(f"unsupported package member {name}")


def unpack_data(deb: Path, out: Path) -> Path:
    """Decompress the package's data tar into ``out``; ``out``."""
    members = ar_members(deb)
    names = [name for name in members if name.startswith("data.tar")]
    if len(names) != 1:
        raise BuildError(f"{deb}: expected one data.tar member, found {len(names)}")
    offset, size = members[names[0]]
    section = Section(deb, offset, size)
    try:
        with _decompressor(names[0], section) as source, open(out, "wb") as sink:  # type: ignore[arg-type]
            shutil.copyfileobj(source, sink, 1 << 20)
    except (lzma.LZMAError, OSError, EOFError) as exc:
        raise BuildError(f"{deb}: cannot unpack {names[0]} ({exc})") from None
    finally:
        section.close()
    return out
