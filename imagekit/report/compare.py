"""``imagekit report compare``: the sizes of opened images, measured where the source has no
compressed blobs, and size deltas between pairs of sources (I/O at this edge only)."""

from __future__ import annotations

from collections.abc import Sequence

from imagekit.errors import ImageError
from imagekit.oci.compress import compress
from imagekit.oci.image import Image
from imagekit.oci.manifest import Platform
from imagekit.report.delta import ImageDelta, ImageSizes, LayerSize, delta, sizes_of
from imagekit.report.sources import open_source


def measured_sizes(
    image: Image, reference: str | None = None, *, compute_compressed: bool = False
) -> ImageSizes:
    """``image``'s sizes; with ``compute_compressed``, each layer without a compressed blob
    is gzipped as a push would (level 6) to measure its size, and its tar checked against
    its diff ID on the way."""
    sizes = sizes_of(image, reference)
    if not compute_compressed:
        return sizes
    layers: list[LayerSize] = []
    for index, (layer, known) in enumerate(zip(image.layers, sizes.layers, strict=True)):
        if known.size is not None:
            layers.append(known)
            continue
        stream = layer.open()
        try:
            result = compress(stream, None, "gzip")
        finally:
            stream.close()
        if result.diff_id != layer.diff_id:
            raise ImageError(
                f"{image.name} layer {index}: the tar hashes to {result.diff_id}, "
                f"not to its diff ID {layer.diff_id}"
            )
        layers.append(
            LayerSize(
                known.digest,
                known.diff_id,
                result.size,
                result.uncompressed_size,
                known.created_by,
                measured=True,
            )
        )
    return ImageSizes(sizes.reference, sizes.digest, sizes.config_size, tuple(layers))


def source_sizes(
    source: str,
    *,
    compute_compressed: bool = False,
    platform: Platform | None = None,
    insecure: bool = False,
) -> ImageSizes:
    """The sizes of the image ``source`` names (any form :func:`open_source` takes)."""
    image = open_source(source, platform=platform, insecure=insecure)
    try:
        return measured_sizes(image, source, compute_compressed=compute_compressed)
    finally:
        image.close()


def compare_sources(
    pairs: Sequence[tuple[str, str]],
    *,
    compute_compressed: bool = False,
    platform: Platform | None = None,
    insecure: bool = False,
) -> list[ImageDelta]:
    """One delta per (OLD, NEW) pair of sources, in order."""
    out = []
    for old, new in pairs:
        sizes = [
            source_sizes(
                s, compute_compressed=compute_compressed, platform=platform, insecure=insecure
            )
            for s in (old, new)
        ]
        out.append(delta(sizes[0], sizes[1]))
    return out
