"""The OLD side of a push's size report: what a tag weighed in the registry before the push.

A push reads it before it uploads anything; a tag the registry does not know yet (the
first push) gives None, which the report shows as a first push without growth.
"""

from __future__ import annotations

from imagekit.errors import ImageError
from imagekit.oci.config import parse_config
from imagekit.oci.manifest import Index, Manifest, Platform, parse
from imagekit.registry.client import RegistryClient, RegistryResponseError
from imagekit.report.delta import ImageSizes, image_sizes

#: Error codes and statuses that mean "no such tag (yet)".
_ABSENT = frozenset({"MANIFEST_UNKNOWN", "NAME_UNKNOWN"})


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
    reference = f"{client.registry}/{repository}{'@' if ':' in identifier else ':'}{identifier}"
    try:
        fetched = client.get_manifest(repository, identifier)
    except RegistryResponseError as exc:
        if exc.status == 404 or _ABSENT.intersection(exc.codes):
            return None
        raise
    found = parse(fetched.raw, fetched.media_type, reference)
    if isinstance(found, Index):
        chosen = found.for_platform(platform)
        fetched = client.get_manifest(repository, str(chosen.digest))
        found = parse(fetched.raw, fetched.media_type, reference)
    if not isinstance(found, Manifest):
        raise ImageError(f"{reference}: an index inside an index is not an image")
    raw = client.read_blob(repository, found.config.digest, found.config.size)
    return image_sizes(reference, found, parse_config(raw, f"{reference} config"))
