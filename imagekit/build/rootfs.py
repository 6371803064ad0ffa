"""Root file systems for local base images: busybox from a static binary, Debian from mmdebstrap.

Both come out as plain tar files that an engine can import as a one-layer image. The
busybox tar is written here and is deterministic (sorted entries, fixed mtime, uid and gid
0); the Debian tar is whatever mmdebstrap produces for the suite.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

from imagekit.errors import BuildError

#: dpkg path filters that keep documentation, manuals and translations out of a slim root,
#: while keeping the copyright files.
SLIM_DPKG_OPTIONS: tuple[str, ...] = (
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/lintian/*",
)

_CLEAN_ARCHIVES = (
    '"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
    ' /var/cache/apt/*.bin || true";'
)

#: apt settings of a slim root, as Debian's published container images have them: downloaded
#: packages and apt's binary caches are deleted after each run, indexes stay compressed,
#: no translations are fetched, and suggested packages are not kept by autoremove.
SLIM_APT_OPTIONS: tuple[str, ...] = (
    f"DPkg::Post-Invoke {{ {_CLEAN_ARCHIVES} }};",
    f"APT::Update::Post-Invoke {{ {_CLEAN_ARCHIVES} }};",
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
    'Acquire::GzipIndexes "true";',
    'Acquire::CompressionTypes::Order:: "gz";',
    'Acquire::Languages "none";',
    'APT::AutoRemove::SuggestsImportant "false";',
)

#: Directories of the busybox root besides those holding applets, with their modes.
BUSYBOX_DIRECTORIES: tuple[tuple[str, int], ...] = (
    ("bin", 0o755),
    ("dev", 0o755),
    ("etc", 0o755),
    ("home", 0o755),
    ("proc", 0o555),
    ("root", 0o700),
    ("sys", 0o555),
    ("tmp", 0o1777),
    ("usr", 0o755),
    ("var", 0o755),
)

_PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
_GROUP = b"root:x:0:\nnogroup:x:65534:\n"
_VERSION = re.compile(rb"BusyBox v(\d+\.\d+(?:\.\d+)?)")


class Entry(NamedTuple):
    """One member of a layer tar: a directory, a regular file or a symbolic link."""

    name: str
    type: bytes
    mode: int
    data: bytes = b""
    target: str = ""


def directory(name: str, mode: int = 0o755) -> Entry:
    return Entry(name, tarfile.DIRTYPE, mode)


def file(name: str, data: bytes, mode: int = 0o644) -> Entry:
    return Entry(name, tarfile.REGTYPE, mode, data)


def symlink(name: str, target: str) -> Entry:
    return Entry(name, tarfile.SYMTYPE, 0o777, target=target)


def write_layer(entries: Iterable[Entry], out: BinaryIO, *, mtime: int = 0) -> None:
    """Write ``entries`` as a tar sorted by name, owned by 0:0, every mtime ``mtime``.

    The same entries always give the same bytes. Names must be unique and relative.
    """
    ordered = sorted(entries, key=lambda entry: entry.name)
    names = [entry.name for entry in ordered]
    if len(set(names)) != len(names):
        raise BuildError("a layer lists the same path twice")
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in ordered:
            info = tarfile.TarInfo(entry.name)
            info.type = entry.type
            info.mode = entry.mode
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.linkname = entry.target
            info.size = len(entry.data)
            tar.addfile(info, io.BytesIO(entry.data) if entry.data else None)


def busybox_entries(binary: bytes, applets: Sequence[str]) -> list[Entry]:
    """The busybox root: the binary at /bin/busybox, one link per applet, root's passwd.

    ``applets`` are relative paths as ``busybox --list-full`` prints them (``bin/ls``).
    """
    entries = [directory(name, mode) for name, mode in BUSYBOX_DIRECTORIES]
    entries += [
        file("bin/busybox", binary, 0o755),
        file("etc/passwd", _PASSWD),
        file("etc/group", _GROUP),
    ]
    present = {entry.name for entry in entries}
    for applet in sorted(set(applets)):
        path = applet.strip("/")
        if not path or path in present:
            continue
        parent = path.rpartition("/")[0]
        while parent and parent not in present:
            entries.append(directory(parent))
            present.add(parent)
            parent = parent.rpartition("/")[0]
        entries.append(symlink(path, "/bin/busybox"))
        present.add(path)
    return entries


class Busybox(NamedTuple):
    """A busybox binary on this machine and what it offers."""

    path: Path
    version: str
    applets: tuple[str, ...]


def inspect_busybox(path: Path) -> Busybox:
    """Ask the binary at ``path`` for its version and applets."""
    banner = _run([str(path)], f"run {path}").stdout
    found = _VERSION.search(banner)
    if not found:
        raise BuildError(f"{path} does not say which BusyBox version it is")
    listing = _run([str(path), "--list-full"], f"list the applets of {path}").stdout
    applets = tuple(line for line in listing.decode().splitlines() if line.strip())
    return Busybox(path, found.group(1).decode(), applets)


def busybox_rootfs(busybox: Busybox, out: Path, *, mtime: int = 0) -> Path:
    """Write the busybox root file system tar for ``busybox`` to ``out``."""
    entries = busybox_entries(busybox.path.read_bytes(), busybox.applets)
    with out.open("wb") as stream:
        write_layer(entries, stream, mtime=mtime)
    return out


def mmdebstrap_command(
    suite: str,
    out: Path,
    *,
    variant: str = "minbase",
    sources: Path | None = None,
    dpkg_options: Sequence[str] = SLIM_DPKG_OPTIONS,
    apt_options: Sequence[str] = SLIM_APT_OPTIONS,
) -> list[str]:
    """The mmdebstrap call that writes a merged-/usr ``suite`` root as a tar to ``out``.

    Without ``sources`` mmdebstrap uses the Debian mirror for the suite (plus updates and
    security for a stable release); with it, that sources file is copied into the root.
    """
    command = [
        "mmdebstrap",
        f"--variant={variant}",
        "--format=tar",
        "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
        *(f"--dpkgopt={option}" for option in dpkg_options),
        *(f"--aptopt={option}" for option in apt_options),
        suite,
        str(out),
    ]
    if sources is not None:
        command.append(str(sources))
    return command


def debian_rootfs(suite: str, out: Path, *, sources: Path | None = None) -> Path:
    """Bootstrap a slim Debian ``suite`` root with mmdebstrap into the tar ``out``."""
    if shutil.which("mmdebstrap") is None:
        raise BuildError(
            "mmdebstrap is not installed",
            hint="apt-get install mmdebstrap (or run .ci/services up)",
        )
    _run(mmdebstrap_command(suite, out, sources=sources), f"bootstrap Debian {suite}")
    return out


def _run(command: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        result = subprocess.run(command, capture_output=True, check=False)
    except OSError as error:
        raise BuildError(f"cannot {what}: {error}") from error
    if result.returncode != 0:
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise BuildError(f"cannot {what}: exit {result.returncode}: {' / '.join(tail)}")
    return result
