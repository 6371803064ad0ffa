"""Entries from a directory on this machine (the time zone database for ``--tzdata``).

Directories, regular files and symlinks are taken with their permission bits; owners are
root, times are the layer writer's. Files that are one inode are marked ``same_as`` so the
layer holds them once, the other names as hard links.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from imagekit.build.layer import Entry, FileData, directory, file, symlink
from imagekit.errors import BuildError


def directory_entries(root: Path, prefix: str) -> list[Entry]:
    """Everything under ``root`` (and ``root`` itself) as entries under ``prefix``."""
    if not root.is_dir():
        raise BuildError(f"{root}: no such directory")
    entries = [directory(prefix, stat.S_IMODE(root.stat().st_mode))]
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        for name in sorted(dirs + files):
            path = base / name
            info = path.lstat()
            inside = f"{prefix}/{path.relative_to(root).as_posix()}"
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                entries.append(symlink(inside, os.readlink(path)))
            elif stat.S_ISDIR(info.st_mode):
                entries.append(directory(inside, mode))
            elif stat.S_ISREG(info.st_mode):
                same = (info.st_dev, info.st_ino) if info.st_nlink > 1 else None
                entries.append(file(inside, FileData(path, info.st_size), mode, same_as=same))
    return entries
