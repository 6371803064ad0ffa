"""Compare two analysed images: size deltas, layers matched by diff ID, files that moved.

Layers match by diff ID (the hash of the uncompressed tar), so the same layer matches
whether it came from an archive, a layout or a registry, whatever its compression.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from imagekit.analyze.report import Analysis, LayerReport

TOP = 20


@dataclass(frozen=True, slots=True)
class LayerRef:
    diff_id: str
    index: int
    """Position in its image (the new one for shared layers)."""
    size: int | None
    uncompressed_size: int
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "diff_id": self.diff_id,
            "index": self.index,
            "size": self.size,
            "uncompressed_size": self.uncompressed_size,
            "created_by": self.created_by,
        }


@dataclass(frozen=True, slots=True)
class FileDelta:
    path: str
    old_size: int | None
    new_size: int | None

    @property
    def delta(self) -> int:
        return (self.new_size or 0) - (self.old_size or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old_size": self.old_size,
            "new_size": self.new_size,
            "delta": self.delta,
        }


@dataclass(frozen=True, slots=True)
class ImageDiff:
    old: str
    new: str
    old_size: int | None
    new_size: int | None
    old_uncompressed_size: int
    new_uncompressed_size: int
    shared: tuple[LayerRef, ...]
    added: tuple[LayerRef, ...]
    removed: tuple[LayerRef, ...]
    files_added: tuple[FileDelta, ...]
    files_removed: tuple[FileDelta, ...]
    files_grown: tuple[FileDelta, ...]
    files_shrunk: tuple[FileDelta, ...]
    counts: tuple[tuple[str, int], ...]
    """How many files were added, removed, grew and shrank in all (the lists are the top)."""

    @property
    def size_delta(self) -> int | None:
        """Compressed size delta; None unless both images have compressed sizes."""
        if self.old_size is None or self.new_size is None:
            return None
        return self.new_size - self.old_size

    @property
    def uncompressed_delta(self) -> int:
        return self.new_uncompressed_size - self.old_uncompressed_size

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "size": {"old": self.old_size, "new": self.new_size, "delta": self.size_delta},
            "uncompressed_size": {
                "old": self.old_uncompressed_size,
                "new": self.new_uncompressed_size,
                "delta": self.uncompressed_delta,
            },
            "layers": {
                "shared": [layer.to_dict() for layer in self.shared],
                "added": [layer.to_dict() for layer in self.added],
                "removed": [layer.to_dict() for layer in self.removed],
            },
            "files": {
                "counts": dict(self.counts),
                "added": [f.to_dict() for f in self.files_added],
                "removed": [f.to_dict() for f in self.files_removed],
                "grown": [f.to_dict() for f in self.files_grown],
                "shrunk": [f.to_dict() for f in self.files_shrunk],
            },
        }


def _ref(layer: LayerReport) -> LayerRef:
    return LayerRef(
        layer.diff_id, layer.index, layer.size, layer.uncompressed_size, layer.created_by
    )


def diff(old: Analysis, new: Analysis, *, top: int = TOP) -> ImageDiff:
    """What changed from ``old`` to ``new`` (each from :func:`analyze`)."""
    remaining = Counter(layer.diff_id for layer in old.layers)
    shared, added = [], []
    for layer in new.layers:
        if remaining[layer.diff_id] > 0:
            remaining[layer.diff_id] -= 1
            shared.append(_ref(layer))
        else:
            added.append(_ref(layer))
    removed = []
    for layer in reversed(old.layers):
        if remaining[layer.diff_id] > 0:
            remaining[layer.diff_id] -= 1
            removed.append(_ref(layer))
    removed.reverse()

    files_added, files_removed, grown, shrunk = [], [], [], []
    for path, info in new.files.items():
        before = old.files.get(path)
        if before is None:
            files_added.append(FileDelta(path, None, info.size))
        elif info.size > before.size:
            grown.append(FileDelta(path, before.size, info.size))
        elif info.size < before.size:
            shrunk.append(FileDelta(path, before.size, info.size))
    for path, info in old.files.items():
        if path not in new.files:
            files_removed.append(FileDelta(path, info.size, None))

    def largest(items: list[FileDelta]) -> tuple[FileDelta, ...]:
        items.sort(key=lambda f: (-abs(f.delta), f.path))
        return tuple(items[:top])

    counts = (
        ("added", len(files_added)),
        ("removed", len(files_removed)),
        ("grown", len(grown)),
        ("shrunk", len(shrunk)),
    )
    return ImageDiff(
        old=old.image,
        new=new.image,
        old_size=old.total_size,
        new_size=new.total_size,
        old_uncompressed_size=old.total_uncompressed_size,
        new_uncompressed_size=new.total_uncompressed_size,
        shared=tuple(shared),
        added=tuple(added),
        removed=tuple(removed),
        files_added=largest(files_added),
        files_removed=largest(files_removed),
        files_grown=largest(grown),
        files_shrunk=largest(shrunk),
        counts=counts,
    )
