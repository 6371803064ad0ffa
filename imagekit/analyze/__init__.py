"""Image analysis: the merged file tree of the layers, waste, caches left in layers, diffs.

:func:`analyze` reads each layer of an :class:`~imagekit.oci.image.Image` once and returns
an :class:`Analysis`; :func:`diff` compares two analyses (:func:`diff_images` two images).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagekit.analyze.analyzer import analyze
from imagekit.analyze.diff import ImageDiff, diff
from imagekit.analyze.report import Analysis, Finding, LayerReport

if TYPE_CHECKING:
    from imagekit.oci.image import Image


def diff_images(old: Image, new: Image, *, base: int = 0) -> ImageDiff:
    """:func:`diff` of the analyses of two images."""
    return diff(analyze(old, base=base), analyze(new, base=base))


__all__ = ["Analysis", "Finding", "ImageDiff", "LayerReport", "analyze", "diff", "diff_images"]
