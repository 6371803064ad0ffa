"""Image sources named as skopeo names them, and opening them.

Accepted forms:

- ``docker-daemon:NAME[:TAG]``, or a bare ``NAME[:TAG]``: the docker engine;
- ``docker-archive:PATH[:NAME:TAG]`` or ``docker-archive:PATH:@INDEX``: a ``docker save``
  tarball (the reference picks one of several images);
- ``oci:DIR[:TAG]``: an OCI image layout directory;
- ``docker://HOST/REPO[:TAG|@DIGEST]``: a registry.

Registries are implemented by :mod:`imagekit.registry`, which builds on this package; the
caller passes its opener to :func:`open_image`, so this package never imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from imagekit.errors import UsageError
from imagekit.oci.image import Image
from imagekit.oci.manifest import Platform

Transport = Literal["docker-daemon", "docker-archive", "oci", "docker"]
#: Opens ``docker://`` references: called with ``HOST/REPO[:TAG|@DIGEST]`` and the platform.
RegistryOpener = Callable[[str, Platform | None], Image]

FORMS = (
    "docker-daemon:NAME[:TAG] (or a bare NAME[:TAG]), docker-archive:PATH[:NAME:TAG], "
    "oci:DIR[:TAG], docker://HOST/REPO[:TAG|@DIGEST]"
)
#: skopeo's transports we do not read: named, so that they are not taken for image names.
_UNSUPPORTED = frozenset(
    {"containers-storage", "dir", "oci-archive", "ostree", "sif", "tarball", "docker-registry"}
)
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_REFERENCE = re.compile(rf"^{_NAME}(?::{_TAG})?(?:@{_DIGEST})?$")
_IMAGE_ID = re.compile(r"^(?:sha256:)?[0-9a-f]{12,64}$")
_REGISTRY = re.compile(rf"^{_HOST}/{_COMPONENT}(?:/{_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?$")


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed source: the transport, where (a name, path or directory), and what in it."""

    transport: Transport
    location: str
    reference: str | None = None

    def __str__(self) -> str:
        if self.transport == "docker":
            return f"docker://{self.location}"
        tail = f":{self.reference}" if self.reference else ""
        return f"{self.transport}:{self.location}{tail}"


def _usage(text: str, problem: str) -> UsageError:
    return UsageError(f"bad image source {text!r}: {problem}", hint=f"accepted forms: {FORMS}")


def _engine_reference(text: str, name: str) -> str:
    if not name:
        raise _usage(text, "no image name")
    if not (_REFERENCE.match(name) or _IMAGE_ID.match(name)):
        raise _usage(text, f"{name!r} is not an image name")
    return name


def parse_spec(text: str) -> Spec:
    """``text`` as a :class:`Spec`; UsageError naming the accepted forms otherwise."""
    if not text or text != text.strip():
        raise _usage(text, "empty or padded with spaces")
    if text.startswith("docker://"):
        rest = text.removeprefix("docker://")
        if not _REGISTRY.match(rest):
            raise _usage(text, "expected docker://HOST/REPO[:TAG|@DIGEST]")
        return Spec("docker", rest)
    transport, sep, rest = text.partition(":")
    if sep and transport == "docker-daemon":
        return Spec("docker-daemon", _engine_reference(text, rest))
    if sep and transport == "docker-archive":
        path, _, reference = rest.partition(":")
        if not path:
            raise _usage(text, "no archive path")
        if reference and not (re.fullmatch(r"@[0-9]+", reference) or _REFERENCE.match(reference)):
            raise _usage(text, f"{reference!r} is neither NAME:TAG nor @INDEX")
        return Spec("docker-archive", path, reference or None)
    if sep and transport == "oci":
        directory, _, tag = rest.partition(":")
        if not directory:
            raise _usage(text, "no layout directory")
        return Spec("oci", directory, tag or None)
    if sep and transport == "docker":
        raise _usage(text, "a registry source starts with docker://")
    if sep and transport in _UNSUPPORTED:
        raise _usage(text, f"the {transport} transport is not supported")
    return Spec("docker-daemon", _engine_reference(text, text))


def open_image(
    spec: Spec | str,
    *,
    registry: RegistryOpener | None = None,
    platform: Platform | None = None,
    docker_client: Any = None,
    docker_base_url: str | None = None,
) -> Image:
    """Open the image ``spec`` names. The caller closes it.

    ``registry`` opens ``docker://`` sources (UsageError when None). ``platform`` picks an
    image from a multi-platform index (layouts, registries). ``docker_client`` (a docker
    SDK client) or ``docker_base_url`` reach the engine; else the environment says where.
    """
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.transport == "docker-daemon":
        from imagekit.oci.engine import open_engine

        return open_engine(spec.location, client=docker_client, base_url=docker_base_url)
    if spec.transport == "docker-archive":
        from imagekit.oci.archive import open_archive

        return open_archive(spec.location, spec.reference, name=str(spec))
    if spec.transport == "oci":
        from imagekit.oci.layout import open_layout

        return open_layout(spec.location, spec.reference, platform=platform, name=str(spec))
    if registry is None:
        raise UsageError(f"{spec}: registry sources are not available here")
    return registry(spec.location, platform)
