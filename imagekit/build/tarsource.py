"""Entries from a tar on disk (mmdebstrap's root, a package's data.tar), for the layer writer.

The tar is indexed once (headers only); each regular file's content is a slice of the tar
file, read when the layer is written, so a root of any size is never held in memory. Names
are normalized; ``rename`` maps each name to the one it takes in the image, or to None to
leave the entry out (hard link targets are mapped the same way). Owners, modes, links and
device numbers are kept; times are not (the layer writer sets them).
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

from imagekit.build.layer import Entry, FileData, Kind, normal_name
from imagekit.errors import BuildError

Rename = Callable[[str], str | None]

_KINDS: dict[bytes, Kind] = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
}


def _keep(name: str) -> str | None:
    return name


def tar_entries(path: Path, *, rename: Rename = _keep, what: str = "") -> list[Entry]:
    """The members of the uncompressed tar at ``path`` as entries (the root ``.`` left out)."""
    what = what or str(path)
    entries: list[Entry] = []
    try:
        with tarfile.open(path, "r:") as tar:
            while (info := tar.next()) is not None:
                if info.name.strip("/") in ("", "."):
                    continue
                kind = _KINDS.get(info.type)
                if kind is None or info.issparse():
                    raise BuildError(f"{what}: {info.name}: unsupported tar member type")
                name = rename(normal_name(info.name))
                if name is None:
                    continue
                link = info.linkname
                if kind == "hardlink":
                    target = rename(normal_name(link))
                    if target is None:
                        raise BuildError(f"{what}: {info.name} links to {link}, which is left out")
                    link = target
                content = FileData(path, info.size, info.offset_data) if kind == "file" else None
                entries.append(
                    Entry(
                        name,
                        kind,
                        info.mode,
                        info.uid,
                        info.gid,
                        content,
                        link,
                        (info.devmajor, info.devminor),
                    )
                )
    except (tarfile.TarError, EOFError) as exc:
        raise BuildError(f"{what}: not a readable tar ({exc})") from None
    except FileNotFoundError:
        raise BuildError(f"{what}: no such file") from None
    return entries
