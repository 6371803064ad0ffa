"""The OLD side of a push's size report: what a tag weighed in the registry before the push.

A push reads it before it uploads anything (:func:`read_before`: every image of an index,
by platform); a tag the registry does not know yet (the first push) gives None, which the
report shows as a first push without growth.
"""

from __future__ import annotations

from dataclasses import dataclass

from imagekit.errors import ImageError
from imagekit.oci.config import parse_config
from imagekit.oci.manifest import Index, Manifest, Platform, parse
from imagekit.registry.client import RegistryClient, RegistryResponseError
from imagekit.report.delta import ImageSizes, image_sizes

#: Error codes and statuses that mean "no such tag (yet)".
_ABSENT = frozenset({"MANIFEST_UNKNOWN", "NAME_UNKNOWN"})


def platform_key(platform: Platform) -> str:
    """``os/arch[/variant]`` of an image config, as rows and matches name it."""
    return str(platform)


@dataclass(frozen=True, slots=True)
class Before:
    """What a reference named before a push: the sizes of each image, by platform key."""

    images: tuple[tuple[str, ImageSizes], ...]

    def match(self, platform: Platform, count: int) -> ImageSizes | None:
        """The old image for a new image of ``platform`` among ``count`` new images: the
        same platform, or the only old image when a lone image replaces a lone image."""
        found = dict(self.images).get(platform_key(platform))
        if found is None and count == 1 and len(self.images) == 1:
            return self.images[0][1]
        return found


def _sizes(
    client: RegistryClient, repository: str, manifest: Manifest, reference: str
) -> tuple[str, ImageSizes]:
    raw = client.read_blob(repository, manifest.config.digest, manifest.config.size)
    config = parse_config(raw, f"{reference} config")
    return platform_key(config.platform), image_sizes(reference, manifest, config)


def _fetch(
    client: RegistryClient, repository: str, identifier: str
) -> tuple[str, Manifest | Index] | None:
    """The reference text and the parsed manifest or index ``repository:identifier`` (a
    tag or digest) names in ``client``'s registry, or None when the registry lacks it."""
    reference = f"{client.registry}/{repository}{'@' if ':' in identifier else ':'}{identifier}"
    try:
        fetched = client.get_manifest(repository, identifier)
    except RegistryResponseError as exc:
        if exc.status == 404 or _ABSENT.intersection(exc.codes):
            return None
        raise
    return reference, parse(fetched.raw, fetched.media_type, reference)


def read_before(client: RegistryClient, repository: str, identifier: str) -> Before | None:
    """Every image ``repository:identifier`` names in ``client``'s registry (one, or those
    of an index: attestations left out), or None when the registry does not have it."""
    got = _fetch(client, repository, identifier)
    if got is None:
        return None
    reference, found = got
    if isinstance(found, Manifest):
        return Before((_sizes(client, repository, found, reference),))
    images = []
    for descriptor in found.images:
        child = client.get_manifest(repository, str(descriptor.digest))
        manifest = parse(child.raw, descriptor.media_type or child.media_type, reference)
        if not isinstance(manifest, Manifest):
            raise ImageError(f"{reference}: an index inside an index is not an image")
        label = f"{reference} ({descriptor.platform})" if descriptor.platform else reference
        images.append(_sizes(client, repository, manifest, label))
    return Before(tuple(images))


def registry_sizes(
    client: RegistryClient,
    repository: str,
    identifier: str,
    *,
    platform: Platform | None = None,
) -> ImageSizes | None:
    """The sizes of ``repository:identifier`` (a tag or digest) in ``client``'s registry,
    or None when the registry does not have it. An index is resolved to the image for
    ``platform`` (the only image when None); ImageError when it has none."""
    got = _fetch(client, repository, identifier)
    if got is None:
        return None
    reference, found = got
    if isinstance(found, Index):
        chosen = found.for_platform(platform)
        fetched = client.get_manifest(repository, str(chosen.digest))
        found = parse(fetched.raw, fetched.media_type, reference)
    if not isinstance(found, Manifest):
        raise ImageError(f"{reference}: an index inside an index is not an image")
    raw = client.read_blob(repository, found.config.digest, found.config.size)
    return image_sizes(reference, found, parse_config(raw, f"{reference} config"))
