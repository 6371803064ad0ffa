"""Opening the images a report names, and ``--base``: a layer count or a base image.

Sources are named as skopeo names them (see :mod:`imagekit.oci.transport`); ``docker://``
sources go through :func:`imagekit.registry.source.open_registry`.
"""

from __future__ import annotations

import functools

from imagekit.errors import UsageError
from imagekit.oci.image import Image
from imagekit.oci.manifest import Platform
from imagekit.oci.transport import open_image
from imagekit.registry.source import open_registry


def parse_platform(text: str | None) -> Platform | None:
    """``OS/ARCH[/VARIANT]`` as a Platform (UsageError when malformed); None for None."""
    if text is None:
        return None
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise UsageError(f"bad --platform {text!r}: expected OS/ARCH[/VARIANT], e.g. linux/amd64")
    return Platform(*parts)


def open_source(text: str, *, platform: Platform | None = None, insecure: bool = False) -> Image:
    """The image ``text`` names; ``insecure`` lets ``docker://`` use plain HTTP. Caller closes."""
    registry = functools.partial(open_registry, insecure=insecure)
    return open_image(text, registry=registry, platform=platform)


def shared_prefix(image: Image, base: Image) -> int:
    """How many of ``base``'s layers (by diff ID) start ``image``, in order."""
    count = 0
    for mine, theirs in zip(image.config.diff_ids, base.config.diff_ids, strict=False):
        if mine != theirs:
            break
        count += 1
    return count


def resolve_base(
    image: Image, base: str | None, *, platform: Platform | None = None, insecure: bool = False
) -> int:
    """``--base``: a number of layers as it is, or the layers image and base image share.

    A base image that does not start the image is a usage error: its layers would not be
    the first ones, so excluding them would hide the wrong waste.
    """
    if base is None:
        return 0
    if base.isdigit():
        count = int(base)
        if count > len(image.layers):
            raise UsageError(f"--base {count}: {image.name} has only {len(image.layers)} layers")
        return count
    other = open_source(base, platform=platform, insecure=insecure)
    try:
        count = shared_prefix(image, other)
        if count < len(other.config.diff_ids):
            raise UsageError(
                f"--base {base}: {image.name} does not start with that image's layers "
                f"(the first {count} of its {len(other.config.diff_ids)} layers match)",
                hint="name the image it was built FROM, or give a number of layers",
            )
        return count
    finally:
        other.close()
