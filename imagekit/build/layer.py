"""The deterministic layer writer: the same entries always give the same tar, byte for byte.

Entries are sorted by name, every missing parent directory is added (0755, root), every
mtime is the one given (SOURCE_DATE_EPOCH, or 0), uid and gid are the entry's (0 unless a
root file system says otherwise) with empty user and group names, and nothing else is
recorded: no atime, ctime or PAX records unless a name, a link target or a number does not
fit a ustar header. Regular files that are the same file (the same ``same_as`` key: an inode,
or an explicit hard link in a source tar) are written once, under the first of their names
in sort order; the others become hard links to it.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from imagekit.errors import BuildError, ImageError
from imagekit.oci.archive import Section
from imagekit.oci.digest import CHUNK

Kind = Literal["file", "dir", "symlink", "hardlink", "char", "block", "fifo"]

_TYPES: dict[str, bytes] = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}


class Content(Protocol):
    """The bytes of a regular file, opened when the layer is written."""

    @property
    def size(self) -> int: ...

    def open(self) -> BinaryIO: ...


@dataclass(frozen=True, slots=True)
class Data:
    """Content held in memory."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


@dataclass(frozen=True, slots=True)
class FileData:
    """``size`` bytes of the file at ``path`` from ``offset``: a file, or a member of a tar."""

    path: Path
    size: int
    offset: int = 0

    def open(self) -> BinaryIO:
        return Section(self.path, self.offset, self.size)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Entry:
    """One member of a layer. ``link`` is a symlink's target or a hard link's path;
    ``same_as`` marks regular files that are one file (written once, then hard links)."""

    name: str
    kind: Kind
    mode: int
    uid: int = 0
    gid: int = 0
    content: Content | None = None
    link: str = ""
    device: tuple[int, int] = (0, 0)
    same_as: Hashable | None = None

    @property
    def size(self) -> int:
        return self.content.size if self.kind == "file" and self.content is not None else 0


def directory(name: str, mode: int = 0o755, *, uid: int = 0, gid: int = 0) -> Entry:
    return Entry(name, "dir", mode, uid, gid)


def file(
    name: str,
    content: bytes | Content,
    mode: int = 0o644,
    *,
    uid: int = 0,
    gid: int = 0,
    same_as: Hashable | None = None,
) -> Entry:
    data = Data(content) if isinstance(content, bytes) else content
    return Entry(name, "file", mode, uid, gid, data, same_as=same_as)


def symlink(name: str, target: str) -> Entry:
    return Entry(name, "symlink", 0o777, link=target)


def hardlink(name: str, target: str) -> Entry:
    return Entry(name, "hardlink", 0o644, link=target)


def normal_name(name: str) -> str:
    """``name`` relative to the root: no leading ``/`` or ``./``, no trailing ``/``.

    BuildError for the root itself and for names that climb out of it (``..``).
    """
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise BuildError(f"layer entry {name!r}: not a path inside the image")
    return "/".join(parts)


def _link_target(entry: Entry, by_name: dict[str, Entry]) -> Entry:
    """The regular file a hard link ends at (through other hard links)."""
    seen = {entry.name}
    target = by_name.get(entry.link)
    while target is not None and target.kind == "hardlink":
        if target.name in seen:
            raise BuildError(f"layer entry {entry.name}: hard links in a loop")
        seen.add(target.name)
        target = by_name.get(target.link)
    if target is None or target.kind != "file":
        raise BuildError(f"layer entry {entry.name}: hard link to {entry.link}, not a file")
    return target


def _group_links(ordered: list[Entry]) -> list[Entry]:
    """Each group of one file's names (``same_as``, or hard links to it) is written once,
    under the group's first name in ``ordered``; the other names link to it."""
    by_name = {entry.name: entry for entry in ordered}

    def key(entry: Entry) -> Hashable:
        return entry.same_as if entry.same_as is not None else ("name", entry.name)

    key_of: dict[str, Hashable] = {}
    source: dict[Hashable, Entry] = {}
    for entry in ordered:
        if entry.kind == "file":
            key_of[entry.name] = key(entry)
            source.setdefault(key(entry), entry)
        elif entry.kind == "hardlink":
            key_of[entry.name] = key(_link_target(entry, by_name))
    holders: dict[Hashable, Entry] = {}
    out: list[Entry] = []
    for entry in ordered:
        group = key_of.get(entry.name)
        if group is None:
            out.append(entry)
        elif group not in holders:
            holders[group] = replace(source[group], name=entry.name)
            out.append(holders[group])
        else:
            holder = holders[group]
            out.append(
                Entry(entry.name, "hardlink", holder.mode, holder.uid, holder.gid, link=holder.name)
            )
    return out


def prepare(entries: Iterable[Entry]) -> list[Entry]:
    """The entries as they are written: names normalized, parents added, sorted, same
    files as hard links. BuildError when a path is listed twice."""
    named: dict[str, Entry] = {}
    for entry in entries:
        name = normal_name(entry.name)
        if name in named:
            raise BuildError(f"a layer lists {name} twice")
        link = entry.link
        if entry.kind == "hardlink":
            link = normal_name(link)
        named[name] = replace(entry, name=name, link=link)
    for name in list(named):
        parent = name.rpartition("/")[0]
        while parent and parent not in named:
            named[parent] = directory(parent)
            parent = parent.rpartition("/")[0]
    for name in named:
        parent = name.rpartition("/")[0]
        if parent and named[parent].kind != "dir":
            raise BuildError(f"layer entry {name}: its parent {parent} is not a directory")
    ordered = sorted(named.values(), key=lambda entry: entry.name)
    return _group_links(ordered)


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


def header(entry: Entry, mtime: int) -> bytes:
    """The ustar header of ``entry`` (preceded by a PAX header only where one is needed)."""
    kind = _TYPES[entry.kind]
    info = tarfile.TarInfo(entry.name + "/" if entry.kind == "dir" else entry.name)
    info.type = kind
    info.mode = entry.mode & 0o7777
    info.uid, info.gid = entry.uid, entry.gid
    info.uname = info.gname = ""
    info.mtime = mtime
    info.size = entry.size
    info.linkname = entry.link
    info.devmajor, info.devminor = entry.device
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def write_layer(entries: Iterable[Entry], out: Writable, *, mtime: int = 0) -> int:
    """Write ``entries`` (through :func:`prepare`) as a tar to ``out``; the bytes written.

    The tar ends with two zero blocks, as the format asks, and no record padding.
    """
    written = 0
    for entry in prepare(entries):
        block = header(entry, mtime)
        out.write(block)
        written += len(block)
        if entry.kind != "file" or entry.content is None:
            continue
        size = entry.content.size
        copied = 0
        try:
            with entry.content.open() as source:
                while copied < size and (chunk := source.read(min(CHUNK, size - copied))):
                    out.write(chunk)
                    copied += len(chunk)
        except (ImageError, OSError) as exc:
            raise BuildError(f"layer entry {entry.name}: cannot read its content ({exc})") from None
        if copied != size:
            raise BuildError(f"layer entry {entry.name}: {copied} bytes read, {size} expected")
        written += size
        if size % tarfile.BLOCKSIZE:
            pad = tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE
            out.write(b"\0" * pad)
            written += pad
    out.write(b"\0" * (2 * tarfile.BLOCKSIZE))
    return written + 2 * tarfile.BLOCKSIZE
