"""The busybox root: this machine's static busybox binary, one link per applet, accounts.

The binary is asked for its version and applets (``busybox --list-full``); its platform is
read from its ELF header. Applets are hard links to the binary by default: a hard link and
a symlink each cost one tar header, but the engine counts hard links once and stores no
inode per applet (measured in bench/README.md); ``links="symlink"`` gives symlinks.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple

from imagekit.build.accounts import add_accounts
from imagekit.build.layer import Entry, FileData, directory, file, symlink
from imagekit.errors import BuildError
from imagekit.oci.manifest import Platform

#: Directories of the busybox root besides those holding applets, with their modes.
DIRECTORIES: tuple[tuple[str, int], ...] = (
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
BINARY = "bin/busybox"
_VERSION = re.compile(rb"BusyBox v(\d+\.\d+(?:\.\d+)?)")
#: ELF e_machine values and the platforms they are (GOARCH names, as images use).
_MACHINES = {3: "386", 40: "arm", 62: "amd64", 183: "arm64", 243: "riscv64", 22: "s390x"}
_PPC64 = 21


class Busybox(NamedTuple):
    """A busybox binary on this machine and what it offers."""

    path: Path
    version: str
    applets: tuple[str, ...]
    platform: Platform


def elf_platform(head: bytes, what: str) -> Platform:
    """The platform of an ELF executable from its first 20 bytes."""
    if len(head) < 20 or head[:4] != b"\x7fELF":
        raise BuildError(f"{what} is not an ELF executable")
    order: Literal["little", "big"] = "little" if head[5] == 1 else "big"
    machine = int.from_bytes(head[18:20], order)
    if machine == _PPC64:
        return Platform("linux", "ppc64le" if order == "little" else "ppc64")
    arch = _MACHINES.get(machine)
    if arch is None:
        raise BuildError(f"{what}: unknown ELF machine {machine}")
    return Platform("linux", arch, "v7" if arch == "arm" else "")


def inspect_busybox(path: Path) -> Busybox:
    """Ask the binary at ``path`` for its version and applets."""
    banner = _run([str(path)], f"run {path}")
    found = _VERSION.search(banner)
    if not found:
        raise BuildError(f"{path} does not say which BusyBox version it is")
    listing = _run([str(path), "--list-full"], f"list the applets of {path}")
    applets = tuple(line for line in listing.decode().splitlines() if line.strip())
    with open(path, "rb") as binary:
        platform = elf_platform(binary.read(20), str(path))
    return Busybox(path, found.group(1).decode(), applets, platform)


def busybox_entries(
    binary: Path | bytes,
    applets: Sequence[str],
    *,
    links: Literal["hard", "symlink"] = "hard",
) -> list[Entry]:
    """The busybox root's entries: the binary at /bin/busybox, one link per applet (``bin/ls``
    as ``busybox --list-full`` prints them), accounts, /tmp with 1777."""
    content = binary if isinstance(binary, bytes) else FileData(binary, binary.stat().st_size)
    passwd, group = add_accounts(shell=None)
    entries = [directory(name, mode) for name, mode in DIRECTORIES]
    entries += [
        file(BINARY, content, 0o755, same_as="busybox"),
        file("etc/passwd", passwd),
        file("etc/group", group),
    ]
    present = {entry.name for entry in entries}
    for applet in sorted(set(applets)):
        path = applet.strip("/")
        if not path or path in present:
            continue
        present.add(path)
        if links == "hard":
            entries.append(file(path, content, 0o755, same_as="busybox"))
        else:
            entries.append(symlink(path, "/" + BINARY))
    return entries


def _run(command: list[str], what: str) -> bytes:
    try:
        result = subprocess.run(command, capture_output=True, check=False)
    except OSError as error:
        raise BuildError(f"cannot {what}: {error}") from error
    if result.returncode != 0:
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise BuildError(f"cannot {what}: exit {result.returncode}: {' / '.join(tail)}")
    return result.stdout
