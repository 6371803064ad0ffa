"""The result of analysing an image: typed, immutable, and ``to_dict()`` for JSON.

Sizes: ``size`` is a layer's compressed blob size (None where the source has no
compressed blob), ``uncompressed_size`` the bytes of the layer tar (what its diff ID
hashes); file sizes are content bytes. Paths are absolute (``/usr/bin/env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FileChange:
    """A path one layer added, changed or removed (``--files``)."""

    path: str
    change: str
    """``added``, ``changed`` or ``removed``."""
    type: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "change": self.change, "type": self.type, "size": self.size}


@dataclass(frozen=True, slots=True)
class LayerReport:
    index: int
    digest: str
    diff_id: str
    size: int | None
    uncompressed_size: int
    created_by: str
    files_added: int
    files_changed: int
    files_removed: int
    content_bytes: int
    """Content bytes of the file copies this layer wrote."""
    wasted_bytes: int
    """Of those, the bytes no longer visible in the final file system."""
    hidden_by: tuple[tuple[int, int], ...]
    """(layer index, bytes): which layers hid this layer's wasted bytes."""
    hides: tuple[tuple[int, int], ...]
    """(layer index, bytes): the bytes of other (and its own) layers' copies this layer hid."""
    base: bool = False
    """One of the first ``base`` layers: excluded from waste totals and findings."""
    compressed_size_computed: bool = False
    """``size`` was measured by gzip-compressing the tar, not read from the source."""
    files: tuple[FileChange, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "digest": self.digest,
            "diff_id": self.diff_id,
            "size": self.size,
            "size_computed": self.compressed_size_computed,
            "uncompressed_size": self.uncompressed_size,
            "created_by": self.created_by,
            "base": self.base,
            "files_added": self.files_added,
            "files_changed": self.files_changed,
            "files_removed": self.files_removed,
            "content_bytes": self.content_bytes,
            "wasted_bytes": self.wasted_bytes,
            "hidden_by": [{"layer": i, "bytes": n} for i, n in self.hidden_by],
            "hides": [{"layer": i, "bytes": n} for i, n in self.hides],
        }
        if self.files is not None:
            out["files"] = [f.to_dict() for f in self.files]
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """A cache, leftover or wasted copy in a shipped layer, or an image-level problem, by
    catalogue rule."""

    rule: str
    name: str
    severity: str
    layer: int
    """The layer that wrote the bytes."""
    paths: tuple[str, ...]
    """A few of the paths (the largest first)."""
    count: int
    """How many paths in all."""
    bytes: int
    message: str
    hidden_by: int | None = None
    """For wasted copies (IK102, IK103): the layer that deleted, overwrote or rewrote them."""
    created_by: str = ""
    """The history entry of ``layer`` (the instruction that wrote the bytes)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "layer": self.layer,
            "created_by": self.created_by,
            "hidden_by": self.hidden_by,
            "paths": list(self.paths),
            "count": self.count,
            "bytes": self.bytes,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A regular file of the final file system."""

    path: str
    size: int
    layer: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "layer": self.layer}


@dataclass(frozen=True, slots=True)
class WastedCopy:
    """A file copy not visible in the final file system."""

    path: str
    size: int
    layer: int
    hidden_by: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "layer": self.layer,
            "hidden_by": self.hidden_by,
        }


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The same content (size and sha256) at several visible paths."""

    sha256: str
    size: int
    paths: tuple[str, ...]

    @property
    def extra_bytes(self) -> int:
        """What keeping one copy would save."""
        return self.size * (len(self.paths) - 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "paths": list(self.paths),
            "extra_bytes": self.extra_bytes,
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    image: str
    digest: str | None
    total_size: int | None
    """Sum of the compressed layer sizes; None unless every layer has one."""
    total_uncompressed_size: int
    content_bytes: int
    """All content bytes written, by the layers counted (see ``base``)."""
    visible_bytes: int
    wasted_bytes: int
    efficiency: float
    """(content_bytes - wasted_bytes) / content_bytes; 1.0 when nothing was written."""
    base: int
    layers: tuple[LayerReport, ...]
    findings: tuple[Finding, ...]
    biggest: tuple[FileInfo, ...]
    duplicates: tuple[Duplicate, ...]
    wasted: tuple[WastedCopy, ...]
    """The largest wasted copies (all of them are counted in ``wasted_bytes``)."""
    files: Mapping[str, FileInfo] = field(default_factory=dict, compare=False, repr=False)
    """Every regular file of the final file system, by path (for :func:`diff`)."""

    @property
    def wasted_percent(self) -> float:
        return 100.0 * self.wasted_bytes / self.content_bytes if self.content_bytes else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "digest": self.digest,
            "total_size": self.total_size,
            "total_uncompressed_size": self.total_uncompressed_size,
            "content_bytes": self.content_bytes,
            "visible_bytes": self.visible_bytes,
            "wasted_bytes": self.wasted_bytes,
            "wasted_percent": round(self.wasted_percent, 4),
            "efficiency": self.efficiency,
            "base": self.base,
            "layers": [layer.to_dict() for layer in self.layers],
            "findings": [finding.to_dict() for finding in self.findings],
            "biggest": [info.to_dict() for info in self.biggest],
            "duplicates": [dup.to_dict() for dup in self.duplicates],
            "wasted": [copy.to_dict() for copy in self.wasted],
        }
