"""A lean reader of tar headers over an uncompressed layer stream.

Layer tars are untrusted input and can be large, so this reader parses the ustar, GNU and
PAX headers itself instead of using :mod:`tarfile` (which costs about twice the time of
decompressing the layer): it reads the stream in large chunks, parses each 512-byte header
from the chunk in place and steps over file content without copying it. Every byte read
is counted and hashed, so once the entries are exhausted :attr:`TarStream.size` and
:attr:`TarStream.digest` give the layer's uncompressed size and diff ID from the same pass.

Nothing is written anywhere and memory stays bounded: file content is never buffered
beyond one chunk; only a regular file's first bytes (to recognise executables) and, when
asked, the sha256 of its content are kept. Anything malformed or unsafe (absolute paths,
``..`` components, NUL bytes, bad checksums, absurd sizes, a truncated archive) raises
:class:`ImageError` naming the layer.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, NamedTuple

from imagekit.errors import ImageError
from imagekit.oci.digest import Digest

CHUNK = 1 << 20
BLOCK = 512
#: Bytes of a regular file's start kept in :attr:`Entry.head`.
HEAD = 4
#: Largest file content we accept (a declared size beyond it is an attack or corruption).
MAX_SIZE = 1 << 42
#: Largest PAX or GNU long-name record we read into memory.
MAX_META = 1 << 20

FILE = "file"
DIR = "dir"
SYMLINK = "symlink"
HARDLINK = "hardlink"
CHAR = "char"
BLOCKDEV = "block"
FIFO = "fifo"

_TYPES = {
    b"0": FILE,
    b"\0": FILE,
    b"7": FILE,
    b"1": HARDLINK,
    b"2": SYMLINK,
    b"3": CHAR,
    b"4": BLOCKDEV,
    b"5": DIR,
    b"6": FIFO,
    b"S": FILE,
}
_ZERO_BLOCK = bytes(BLOCK)
_CHECKSUM_SPACES = 8 * 0x20


class Entry(NamedTuple):
    """One member of a layer tar, after PAX and GNU extensions are applied."""

    path: str
    """Normalised and relative: no leading ``/`` or ``./``, no ``.`` components."""
    type: str
    mode: int
    uid: int
    gid: int
    size: int
    """Content bytes: for a sparse file its full (apparent) size; 0 for non-files."""
    linkname: str
    """Target of a symlink (as written) or hardlink (normalised like ``path``)."""
    mtime: int
    head: bytes = b""
    """The first bytes of a regular file's content (up to :data:`HEAD`)."""
    digest: str | None = None
    """sha256 hex of the content, when the caller asked for it."""
    sparse: bool = False
    crc: int | None = None
    """CRC-32 of the content, for files under the reader's ``checksum_below`` not hashed."""


class _Crc:
    """A running CRC-32, fed like a hash object."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)


def normalise(name: str, what: str, field: str = "path") -> str:
    """``./a//b/`` -> ``a/b``; ImageError for absolute paths, ``..`` or NUL bytes."""
    if "\0" in name:
        raise ImageError(f"{what}: {field} {name!r} contains a NUL byte")
    if name.startswith("/"):
        raise ImageError(f"{what}: absolute {field} {name!r} in the layer")
    parts = [p for p in name.split("/") if p and p != "."]
    if ".." in parts:
        raise ImageError(f"{what}: {field} {name!r} has a '..' component (escapes the root)")
    return "/".join(parts)


def _number(field: bytes, what: str, name: str) -> int:
    """An octal (NUL/space padded) or base-256 numeric header field."""
    if field and field[0] & 0x80:
        if field[0] == 0xFF:
            raise ImageError(f"{what}: negative base-256 {name} in a tar header")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    text = field.split(b"\0", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise ImageError(f"{what}: malformed {name} {text!r} in a tar header") from None


def _signed_sum(block: bytes) -> int:
    """The header checksum as some old tar programs computed it, over signed bytes."""
    header = block[:148] + b" " * 8 + block[156:]
    return sum(header) - 256 * sum(1 for byte in header if byte > 127)


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


class TarStream:
    """Iterate the entries of the tar in ``stream``; hash and count every byte read.

    ``what`` names the layer in errors. ``hash_content(path, size)`` says for which
    regular files to compute a content sha256 (default: none); the other regular files
    smaller than ``checksum_below`` bytes get a CRC-32 (cheap on small files, where a
    sha256 costs more in set-up than in hashing). ``observe`` sees every chunk read from
    the stream (to compress it as a push would, for example).
    """

    def __init__(
        self,
        stream: BinaryIO,
        what: str,
        *,
        hash_content: Callable[[str, int], bool] | None = None,
        checksum_below: int = 0,
        observe: Callable[[bytes], object] | None = None,
        chunk: int = CHUNK,
    ) -> None:
        self._stream = stream
        self._what = what
        self._hash_content = hash_content
        self._checksum_below = checksum_below
        self._observe = observe
        self._chunk_size = chunk
        self._hash = hashlib.sha256()
        self._buf = b""
        self._pos = 0
        self.size = 0
        self._done = False

    @property
    def digest(self) -> Digest:
        """sha256 of every byte read: the diff ID once the entries are exhausted."""
        return Digest("sha256", self._hash.hexdigest())

    # -- reading ---------------------------------------------------------------------------

    def _read(self) -> bytes:
        try:
            data = self._stream.read(self._chunk_size)
        except ImageError as exc:
            if self._what in exc.message:
                raise
            raise ImageError(f"{self._what}: {exc.message}") from None
        except (OSError, EOFError, ValueError) as exc:  # gzip.BadGzipFile, zlib.error, ...
            raise ImageError(f"{self._what}: cannot read the layer: {exc}") from None
        if data:
            self._hash.update(data)
            self.size += len(data)
            if self._observe is not None:
                self._observe(data)
        return data

    def _block(self) -> bytes | None:
        """The next 512 bytes, or None at a clean end of stream."""
        end = self._pos + BLOCK
        if end <= len(self._buf):
            block = self._buf[self._pos : end]
            self._pos = end
            return block
        rest = self._buf[self._pos :]
        while len(rest) < BLOCK:
            data = self._read()
            if not data:
                if rest:
                    raise self._truncated()
                self._buf, self._pos = b"", 0
                return None
            rest += data
        self._buf, self._pos = rest, BLOCK
        return rest[:BLOCK]

    def _truncated(self) -> ImageError:
        return ImageError(f"{self._what}: truncated tar (the stream ends inside an entry)")

    def _skip(self, size: int, sink: Callable[[bytes], object] | None = None) -> bytes:
        """Consume ``size`` content bytes plus padding; the first :data:`HEAD` bytes back."""
        padded = (size + BLOCK - 1) & ~(BLOCK - 1)
        buf, pos = self._buf, self._pos
        available = len(buf) - pos
        if padded <= available:
            self._pos = pos + padded
            if sink is not None:
                sink(buf[pos : pos + size])
            return buf[pos : pos + (size if size < HEAD else HEAD)]
        head = buf[pos : pos + min(HEAD, size)]
        content = size
        if sink is not None and available:
            sink(buf[pos : pos + min(available, content)])
        content -= available
        remaining = padded - available
        self._buf, self._pos = b"", 0
        while remaining > 0:
            data = self._read()
            if not data:
                raise self._truncated()
            n = len(data)
            if len(head) < HEAD and size:
                head += data[: min(HEAD, size) - len(head)]
            if sink is not None and content > 0:
                sink(data if n <= content else data[:content])
            content -= n
            if n > remaining:
                self._buf, self._pos = data, remaining
                return head
            remaining -= n
        return head

    def _meta(self, size: int, kind: str) -> bytes:
        if size > MAX_META:
            raise ImageError(f"{self._what}: {kind} record of {size} bytes is too large")
        parts: list[bytes] = []
        self._skip(size, parts.append)
        return b"".join(parts)

    def _drain(self) -> None:
        self._buf, self._pos = b"", 0
        while self._read():
            pass

    # -- entries ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Entry]:
        what = self._what
        pax: dict[str, str] = {}
        meta = 0  # bytes of extension records before the current entry
        long_name: str | None = None
        long_link: str | None = None
        entries = 0
        while True:
            block = self._block()
            if block is None:
                if entries == 0:
                    raise ImageError(f"{what}: empty stream (not a tar)")
                raise ImageError(f"{what}: truncated tar (no end-of-archive marker)")
            if block == _ZERO_BLOCK:
                self._drain()
                return
            entries += 1
            stored = _number(block[148:156], what, "checksum")
            if sum(block) - sum(block[148:156]) + _CHECKSUM_SPACES != stored and (
                _signed_sum(block) != stored
            ):
                raise ImageError(f"{what}: bad tar header checksum (entry {entries})")
            flag = block[156:157]
            size = _number(block[124:136], what, "size")
            if size > MAX_SIZE:
                raise ImageError(f"{what}: entry declares an absurd size of {size} bytes")
            if flag in (b"x", b"g", b"L", b"K"):
                meta += size
                if meta > MAX_META:
                    raise ImageError(f"{what}: {meta} bytes of extended headers for one entry")
                data = self._meta(size, "PAX" if flag in (b"x", b"g") else "GNU long name")
                if flag == b"x":
                    pax.update(self._pax(data))
                elif flag == b"L":
                    long_name = self._long(data, "long name")
                elif flag == b"K":
                    long_link = self._long(data, "long link name")
                # global PAX headers ('g') carry defaults tar tools rarely write: ignored
                continue
            kind = _TYPES.get(flag)
            if kind is None:
                raise ImageError(f"{what}: unsupported tar entry type {flag!r}")
            if long_name is not None:
                name = long_name
            else:
                name = _text(block[0:100])
                if block[257:263] == b"ustar\0" and block[345]:
                    name = _text(block[345:500]) + "/" + name
            link = long_link if long_link is not None else _text(block[157:257])
            mode = _number(block[100:108], what, "mode")
            uid = _number(block[108:116], what, "uid")
            gid = _number(block[116:124], what, "gid")
            mtime = _number(block[136:148], what, "mtime")
            real = size
            sparse = flag == b"S"
            if sparse:
                real = _number(block[483:495], what, "sparse real size")
                if block[482]:
                    self._gnu_sparse_extensions()
            if pax:
                name, link, size, real, uid, gid, mtime, sparse = self._apply_pax(
                    pax, name, link, size, real, uid, gid, mtime, sparse
                )
                pax = {}
            long_name = long_link = None
            meta = 0
            if kind == FILE and name.endswith("/") and flag in (b"0", b"\0"):
                kind = DIR  # pre-POSIX archives mark directories by the trailing slash only
            path = normalise(name, what)
            if kind == HARDLINK:
                link = normalise(link, what, "hardlink target")
            elif "\0" in link:
                raise ImageError(f"{what}: link target {link!r} contains a NUL byte")
            if kind != FILE:
                yield Entry(path, kind, mode & 0o7777, uid, gid, 0, link, mtime)
                continue
            if real > MAX_SIZE << 8:
                raise ImageError(f"{what}: sparse file {path!r} declares {real} bytes")
            if sparse:
                self._skip(size)
                yield Entry(path, kind, mode & 0o7777, uid, gid, real, "", mtime, sparse=True)
                continue
            crc: int | None = None
            digest: str | None = None
            if self._hash_content is not None and self._hash_content(path, size):
                content = hashlib.sha256()
                head = self._skip(size, content.update)
                digest = content.hexdigest()
            elif size < self._checksum_below:
                checksum = _Crc()
                head = self._skip(size, checksum.update)
                crc = checksum.value
            else:
                head = self._skip(size)
            mode &= 0o7777
            yield Entry(path, kind, mode, uid, gid, size, "", mtime, head, digest, False, crc)

    def _long(self, data: bytes, kind: str) -> str:
        text = data.rstrip(b"\0")
        if b"\0" in text:
            raise ImageError(f"{self._what}: GNU {kind} contains a NUL byte")
        return text.decode("utf-8", "surrogateescape")

    def _pax(self, data: bytes) -> dict[str, str]:
        """Records ``LENGTH KEY=VALUE\\n``; ImageError for anything that does not fit."""
        out: dict[str, str] = {}
        pos = 0
        while pos < len(data):
            if data[pos] == 0:  # padding some writers leave at the end
                break
            space = data.find(b" ", pos)
            if space < 0:
                raise ImageError(f"{self._what}: malformed PAX record")
            try:
                length = int(data[pos:space])
            except ValueError:
                raise ImageError(f"{self._what}: malformed PAX record length") from None
            end = pos + length
            if length <= 0 or end > len(data) or data[end - 1 : end] != b"\n":
                raise ImageError(f"{self._what}: malformed PAX record")
            key, sep, value = data[space + 1 : end - 1].partition(b"=")
            if not sep:
                raise ImageError(f"{self._what}: malformed PAX record (no '=')")
            out[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
            pos = end
        return out

    def _pax_int(self, value: str, key: str) -> int:
        try:
            number = int(value.split(".", 1)[0]) if key == "mtime" else int(value)
        except ValueError:
            raise ImageError(f"{self._what}: PAX {key} {value!r} is not a number") from None
        if number < 0 and key != "mtime":
            raise ImageError(f"{self._what}: PAX {key} {value!r} is negative")
        return number

    def _apply_pax(
        self,
        pax: dict[str, str],
        name: str,
        link: str,
        size: int,
        real: int,
        uid: int,
        gid: int,
        mtime: int,
        sparse: bool,
    ) -> tuple[str, str, int, int, int, int, int, bool]:
        name = pax.get("path", name)
        link = pax.get("linkpath", link)
        if "size" in pax:
            size = real = self._pax_int(pax["size"], "size")
            if size > MAX_SIZE:
                raise ImageError(f"{self._what}: PAX size {size} is absurd")
        uid = self._pax_int(pax["uid"], "uid") if "uid" in pax else uid
        gid = self._pax_int(pax["gid"], "gid") if "gid" in pax else gid
        mtime = self._pax_int(pax["mtime"], "mtime") if "mtime" in pax else mtime
        for key in ("GNU.sparse.realsize", "GNU.sparse.size"):
            if key in pax:
                real = self._pax_int(pax[key], key)
                sparse = True
                break
        if "GNU.sparse.name" in pax:
            name = pax["GNU.sparse.name"]
            sparse = True
        return name, link, size, real, uid, gid, mtime, sparse

    def _gnu_sparse_extensions(self) -> None:
        """Old GNU sparse headers continue in extension blocks while byte 504 is set."""
        for _ in range(MAX_META // BLOCK):
            block = self._block()
            if block is None:
                raise self._truncated()
            if not block[504]:
                return
        raise ImageError(f"{self._what}: endless GNU sparse extension headers")
