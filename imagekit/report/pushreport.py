"""The size report of a push: what each destination named before, against what was pushed.

:func:`imagekit.report.previous.read_before` is called for every destination before the
push (a tag about to move) or once for ``--compare-to``; after the push,
:func:`push_deltas` pairs each pushed image with the old image of the same platform, and
:func:`push_records` makes the ledger records. Pure: the registry is read elsewhere.

An index push gives a row per platform image and destination; a single image a row per
destination. The bytes a row pushed are the blob bytes sent to that destination's
repository for that image's config and layers.
"""

from __future__ import annotations

from collections.abc import Mapping

from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Index
from imagekit.registry.push import PushedImage, PushResult
from imagekit.registry.reference import Reference
from imagekit.report.delta import ImageDelta, ImageSizes, delta, image_sizes
from imagekit.report.previous import Before, platform_key
from imagekit.report.record import LedgerRecord, record_of


def _is_image(image: PushedImage) -> bool:
    """An image to report, not an attestation: no image config, ``unknown/unknown`` in the
    index or the config, or (buildx's attestations) a config listing no layers of its
    manifest."""
    config = image.config
    if config is None or config.platform.unknown:
        return False
    if image.platform is not None and image.platform.unknown:
        return False
    return len(config.diff_ids) == len(image.manifest.layers)


def _images(result: PushResult) -> list[PushedImage]:
    """The pushed images that are images (attestations left out: :func:`_is_image`)."""
    return [image for image in result.images if _is_image(image)]


def _label(reference: Reference, image: PushedImage, indexed: bool) -> str:
    assert image.config is not None
    name = str(tag_of(reference))
    return f"{name} ({platform_key(image.config.platform)})" if indexed else name


def _blobs(image: PushedImage) -> set[Digest]:
    return {image.manifest.config.digest, *(layer.digest for layer in image.manifest.layers)}


def _sent(
    result: PushResult,
    reference: Reference,
    image: PushedImage,
    counted: set[tuple[str, Digest]] | None = None,
) -> int:
    """Blob bytes sent to ``reference``'s repository for ``image``'s config and layers;
    blobs in ``counted`` (repository, digest) are left out and what is counted is added,
    so several tags in one repository do not count one upload twice."""
    wanted = _blobs(image)
    total = 0
    for blob in result.blobs:
        key = (blob.repository, blob.digest)
        if blob.repository != reference.name or blob.digest not in wanted:
            continue
        if counted is not None:
            if key in counted:
                continue
            counted.add(key)
        total += blob.sent_bytes
    return total


def tag_of(reference: Reference) -> Reference:
    """``reference`` as the destination named it: the tag, without the pushed digest (a
    digest-only destination keeps its digest)."""
    return reference.with_identifier(tag=reference.tag) if reference.tag else reference


def _new_sizes(reference: Reference, image: PushedImage, indexed: bool) -> ImageSizes:
    assert image.config is not None
    return image_sizes(_label(reference, image, indexed), image.manifest, image.config)


def push_deltas(
    result: PushResult,
    befores: Mapping[str, Before | None],
    compare_to: Before | None = None,
) -> list[ImageDelta]:
    """One delta per destination and pushed image. ``befores`` holds what each destination
    (by ``str(reference)``) named before the push; ``compare_to`` (``--compare-to``)
    replaces every destination's old side."""
    indexed = isinstance(result.manifest, Index)
    images = _images(result)
    deltas: list[ImageDelta] = []
    counted: set[tuple[str, Digest]] = set()
    for reference in result.references:
        before = befores.get(str(tag_of(reference)))
        old_side = compare_to if compare_to is not None else before
        for image in images:
            assert image.config is not None
            old = None if old_side is None else old_side.match(image.config.platform, len(images))
            new = _new_sizes(reference, image, indexed)
            pushed = _sent(result, reference, image, counted)
            deltas.append(delta(old, new, pushed_bytes=pushed))
    return deltas


def recorded_image(result: PushResult) -> PushedImage | None:
    """The image a push records in the ledger: the only one, or of an index the linux/amd64
    image (else the first), so one tag's trend follows one platform."""
    images = _images(result)
    if not images:
        return None
    for image in images:
        assert image.config is not None
        if platform_key(image.config.platform) == "linux/amd64":
            return image
    return images[0]


def push_records(
    result: PushResult, *, time: float, commit: str = "", branch: str = ""
) -> list[LedgerRecord]:
    """A ledger record per pushed reference (see :func:`recorded_image`)."""
    image = recorded_image(result)
    if image is None:
        return []
    records = []
    counted: set[tuple[str, Digest]] = set()
    for reference in result.references:
        sizes = _new_sizes(reference, image, False)
        records.append(
            record_of(
                sizes,
                registry=reference.registry,
                repository=reference.repository,
                tag=reference.tag,
                time=time,
                commit=commit,
                branch=branch,
                pushed_bytes=_sent(result, reference, image, counted),
            )
        )
    return records
