"""Which files a lint call covers: named files, ``-`` for stdin, Dockerfiles under directories."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence

STDIN = "-"
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__"})


def is_dockerfile_name(name: str) -> bool:
    return (
        name == "Dockerfile"
        or name.startswith("Dockerfile.")
        or fnmatch.fnmatchcase(name, "*.Dockerfile")
        or fnmatch.fnmatchcase(name, "*.dockerfile")
    )


def discover(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Expand ``paths`` into files to lint, and one error line per path that is unusable."""
    files: list[str] = []
    errors: list[str] = []
    seen: set[str] = set()
    for path in paths:
        if path == STDIN:
            files.append(STDIN)
            continue
        if os.path.isdir(path):
            found = sorted(_walk(path))
            if not found:
                errors.append(
                    f"no Dockerfile under {path} (looked for Dockerfile, Dockerfile.*, *.Dockerfile)"
                )
            for item in found:
                if item not in seen:
                    seen.add(item)
                    files.append(item)
        elif os.path.exists(path):
            if path not in seen:
                seen.add(path)
                files.append(path)
        else:
            errors.append(f"cannot read {path}: no such file or directory")
    return files, errors


def _walk(root: str) -> list[str]:
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        found.extend(os.path.join(directory, f) for f in filenames if is_dockerfile_name(f))
    return found
