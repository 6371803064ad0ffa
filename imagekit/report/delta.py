"""Size deltas between two versions of an image, computed from manifests and configs alone.

:class:`ImageSizes` is what one image weighs: per layer the blob digest, compressed size,
diff ID, uncompressed size where known and the ``created_by`` of its history entry.
Its ``compressed_size`` is what a pull downloads: the layer blobs plus the config blob
(the manifest itself, a few hundred bytes, is left out). Sources without compressed blobs
(the docker engine, ``docker save`` archives) have no compressed sizes unless they were
measured (``--compute-compressed``); their totals are then None, never a guess.

:func:`delta` pairs an OLD image (None: the first push of a tag) with the NEW one. Layers
match by blob digest, which is what decides whether a pull downloads them again; when
either side has no real blobs (engine, archive, or sizes measured by gzipping) they match
by diff ID instead, and :attr:`ImageDelta.matched_by` says which. Repeated layers match
as a multiset: two equal layers in OLD and one in NEW are one shared and one removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from imagekit.errors import ImageError
from imagekit.oci import mediatype
from imagekit.oci.config import ImageConfig
from imagekit.oci.digest import Digest
from imagekit.oci.image import Image, layer_pairs
from imagekit.oci.manifest import Manifest


@dataclass(frozen=True, slots=True)
class LayerSize:
    digest: Digest
    """The blob's digest (for sources without compressed blobs: the tar's, the diff ID)."""
    diff_id: Digest
    size: int | None
    """The compressed blob's size; None where the source has no compressed blob."""
    uncompressed_size: int | None
    created_by: str = ""
    measured: bool = False
    """``size`` was measured by gzipping the tar (``--compute-compressed``), not read."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": str(self.digest),
            "diff_id": str(self.diff_id),
            "size": self.size,
            "uncompressed_size": self.uncompressed_size,
            "created_by": self.created_by,
            "measured": self.measured,
        }

    @classmethod
    def from_dict(cls, data: Any) -> LayerSize:
        if not isinstance(data, dict):
            raise ImageError("a layer must be an object")
        return cls(
            Digest.parse(str(data.get("digest", ""))),
            Digest.parse(str(data.get("diff_id", ""))),
            _optional_int(data.get("size"), "size"),
            _optional_int(data.get("uncompressed_size"), "uncompressed_size"),
            str(data.get("created_by") or ""),
            bool(data.get("measured", False)),
        )


@dataclass(frozen=True, slots=True)
class ImageSizes:
    reference: str
    digest: Digest | None
    """The manifest's digest; None where the source has no manifest of its own."""
    config_size: int
    layers: tuple[LayerSize, ...]

    @property
    def compressed_size(self) -> int | None:
        """What a pull downloads (layer blobs and the config blob); None when unknown."""
        sizes = [layer.size for layer in self.layers]
        if any(size is None for size in sizes):
            return None
        return self.config_size + sum(size for size in sizes if size is not None)

    @property
    def uncompressed_size(self) -> int | None:
        """The layer tars' bytes added up; None when any of them is unknown."""
        sizes = [layer.uncompressed_size for layer in self.layers]
        if any(size is None for size in sizes):
            return None
        return sum(size for size in sizes if size is not None)

    @property
    def has_blobs(self) -> bool:
        """Every layer is a real compressed blob (not a tar, not a measured size)."""
        return all(layer.size is not None and not layer.measured for layer in self.layers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "digest": str(self.digest) if self.digest else None,
            "compressed_size": self.compressed_size,
            "uncompressed_size": self.uncompressed_size,
            "config_size": self.config_size,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    @classmethod
    def from_dict(cls, data: Any) -> ImageSizes:
        if not isinstance(data, dict):
            raise ImageError("an image must be an object")
        layers = data.get("layers")
        if not isinstance(layers, list):
            raise ImageError("an image's 'layers' must be a list")
        digest = data.get("digest")
        config_size = _optional_int(data.get("config_size"), "config_size")
        return cls(
            str(data.get("reference") or ""),
            Digest.parse(digest) if digest else None,
            config_size or 0,
            tuple(LayerSize.from_dict(layer) for layer in layers),
        )


def _optional_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ImageError(f"{what} must be a non-negative integer or null")
    return value


def image_sizes(
    reference: str,
    manifest: Manifest,
    config: ImageConfig,
    uncompressed: Sequence[int | None] | None = None,
) -> ImageSizes:
    """The sizes of the image ``manifest`` and ``config`` describe (a registry's, a push's).

    A compressed layer's size is its descriptor's; an uncompressed layer's size is its
    uncompressed size, its compressed size unknown. ``uncompressed`` gives uncompressed
    sizes known otherwise (one per layer, None where unknown). ImageError when the
    manifest and the config disagree on the number of layers.
    """
    pairs = layer_pairs(manifest, config, reference)
    if uncompressed is not None and len(uncompressed) != len(pairs):
        raise ImageError(
            f"{reference}: {len(uncompressed)} uncompressed sizes for {len(pairs)} layers"
        )
    history = config.layer_history()
    layers = []
    for i, descriptor, diff_id in pairs:
        known = uncompressed[i] if uncompressed is not None else None
        size: int | None = descriptor.size
        if not mediatype.LAYERS.get(descriptor.media_type, "gzip"):  # a plain tar
            size, known = None, descriptor.size if known is None else known
        entry = history[i]
        created_by = entry.created_by if entry is not None else ""
        layers.append(LayerSize(descriptor.digest, diff_id, size, known, created_by))
    return ImageSizes(reference, manifest.digest, manifest.config.size, tuple(layers))


def sizes_of(image: Image, reference: str | None = None) -> ImageSizes:
    """The sizes of an opened ``image``, named ``reference`` (default: its source name)."""
    history = image.config.layer_history()
    layers = tuple(
        LayerSize(
            layer.descriptor.digest,
            layer.diff_id,
            layer.size,
            layer.uncompressed_size,
            entry.created_by if entry is not None else "",
        )
        for layer, entry in zip(image.layers, history, strict=True)
    )
    manifest = image.manifest
    return ImageSizes(reference or image.name, image.digest, manifest.config.size, layers)


@dataclass(frozen=True, slots=True)
class ImageDelta:
    """OLD (None: the first push of the tag) against NEW, layer by layer."""

    old: ImageSizes | None
    new: ImageSizes
    shared: tuple[LayerSize, ...]
    added: tuple[LayerSize, ...]
    removed: tuple[LayerSize, ...]
    matched_by: str
    """``digest`` or ``diff_id`` (when either image has no real compressed blobs)."""
    pushed_bytes: int | None = None
    """The bytes the push sent (blobs uploaded, not mounted or already there), when known."""

    @property
    def delta(self) -> int | None:
        """NEW's compressed size minus OLD's; None without OLD or a size unknown."""
        if self.old is None:
            return None
        return _minus(self.new.compressed_size, self.old.compressed_size)

    @property
    def uncompressed_delta(self) -> int | None:
        if self.old is None:
            return None
        return _minus(self.new.uncompressed_size, self.old.uncompressed_size)

    @property
    def percent(self) -> float | None:
        """The compressed change relative to OLD in percent; None when OLD's size is 0."""
        return growth_percent(self.old.compressed_size if self.old else None, self.delta)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.new.reference,
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict(),
            "delta": self.delta,
            "percent": self.percent,
            "uncompressed_delta": self.uncompressed_delta,
            "matched_by": self.matched_by,
            "layers": {
                "shared": [layer.to_dict() for layer in self.shared],
                "added": [layer.to_dict() for layer in self.added],
                "removed": [layer.to_dict() for layer in self.removed],
            },
            "pushed_bytes": self.pushed_bytes,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ImageDelta:
        """The inverse of :meth:`to_dict` (layer matching is done again)."""
        if not isinstance(data, dict):
            raise ImageError("an image delta must be an object")
        old = data.get("old")
        return delta(
            None if old is None else ImageSizes.from_dict(old),
            ImageSizes.from_dict(data.get("new")),
            pushed_bytes=_optional_int(data.get("pushed_bytes"), "pushed_bytes"),
        )


def _minus(new: int | None, old: int | None) -> int | None:
    return None if new is None or old is None else new - old


def growth_percent(old: int | None, change: int | None) -> float | None:
    """``change`` as a percentage of ``old``; None when either is unknown or ``old`` is 0."""
    if old is None or change is None or old == 0:
        return None
    return 100 * change / old


def delta(
    old: ImageSizes | None, new: ImageSizes, *, pushed_bytes: int | None = None
) -> ImageDelta:
    """Pair ``old`` with ``new``: layers shared, added and removed (see the module doc)."""
    if old is None:
        return ImageDelta(None, new, (), new.layers, (), "digest", pushed_bytes)
    by_digest = old.has_blobs and new.has_blobs

    def key(layer: LayerSize) -> Digest:
        return layer.digest if by_digest else layer.diff_id

    left = Counter(key(layer) for layer in old.layers)
    shared, added = [], []
    for layer in new.layers:
        if left[key(layer)] > 0:
            left[key(layer)] -= 1
            shared.append(layer)
        else:
            added.append(layer)
    taken = Counter(key(layer) for layer in shared)
    removed = []
    for layer in old.layers:
        if taken[key(layer)] > 0:
            taken[key(layer)] -= 1
        else:
            removed.append(layer)
    matched_by = "digest" if by_digest else "diff_id"
    return ImageDelta(
        old, new, tuple(shared), tuple(added), tuple(removed), matched_by, pushed_bytes
    )
