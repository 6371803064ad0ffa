"""What each tag named at the last walk of a registry: a hint, never a fact.

A tag is the one mutable thing a walk reads, so its digest is asked for every time. The
hint only chooses how: a tag named before, whose manifest is in the document cache, is
asked with a ``HEAD`` (the manifest then comes from the cache when it did not move); a
tag never seen is read with one ``GET`` by tag, which gives digest and manifest at once,
instead of a ``HEAD`` and a ``GET`` by digest. Kept as ``DIR/REGISTRY-KEY.json``, one
object of ``"repository:tag": "digest"``, written atomically after each walk; a hint
that cannot be read or written is no hint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def _path(root: Path, registry: str) -> Path:
    return root / (hashlib.sha256(registry.encode()).hexdigest()[:32] + ".json")


def load_hints(root: Path, registry: str) -> dict[str, str]:
    """``repository:tag`` -> digest as the last walk of ``registry`` saw them."""
    try:
        data = json.loads(_path(root, registry).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def save_hints(root: Path, registry: str, walked: Iterable[str], seen: Mapping[str, str]) -> None:
    """Replace the hints of the repositories ``walked`` with ``seen`` (others stay)."""
    names = set(walked)
    kept = {
        key: digest
        for key, digest in load_hints(root, registry).items()
        if key.rpartition(":")[0] not in names
    }
    kept.update(seen)
    path = _path(root, registry)
    with contextlib.suppress(OSError):
        root.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".tmp-", dir=root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(kept, handle, sort_keys=True)
            os.replace(scratch, path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
