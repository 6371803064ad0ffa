"""Where a built image goes, named in the transport syntax of :mod:`imagekit.oci.transport`:

- ``oci:DIR[:TAG]``: an OCI layout (an index of several platforms is stored whole);
- ``docker-archive:PATH[:NAME:TAG]``: a ``docker save`` archive, for ``docker load``;
- ``docker-daemon:NAME[:TAG]``: loaded into the docker engine through the docker SDK
  (:mod:`imagekit.build.engineload`: an archive of the layers the engine lacks, streamed
  into its load API, then the loaded image ID is checked).

A docker archive and the engine hold one platform: an index goes there only when the
caller picks one of its images (:func:`pick_platform`). Registries are reached through the
pusher (``--push``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imagekit.build.assemble import Built, BuiltImage
from imagekit.build.engineload import EarlyLoad, load_into_engine
from imagekit.build.ocilayout import write_oci
from imagekit.errors import UsageError
from imagekit.oci.archive_write import write_archive
from imagekit.oci.digest import Digest
from imagekit.oci.manifest import Platform
from imagekit.oci.transport import Spec, parse_spec

FORMS = "oci:DIR[:TAG], docker-archive:PATH[:NAME:TAG], docker-daemon:NAME[:TAG]"
__all__ = ["FORMS", "Written", "load_into_engine", "parse_output", "write_output", "write_outputs"]


@dataclass(frozen=True, slots=True)
class Written:
    """One output written: where (as named), the digest it holds, and the engine's image
    ID for ``docker-daemon`` (the config digest; the engine keeps no manifest)."""

    output: str
    digest: Digest
    image_id: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"output": self.output, "digest": str(self.digest)}
        if self.image_id:
            out["image_id"] = self.image_id
        return out


def parse_output(text: str) -> Spec:
    """``--output TEXT`` as a :class:`Spec`; UsageError naming the forms otherwise."""
    transport = text.partition(":")[0]
    if transport not in ("oci", "docker-archive", "docker-daemon"):
        hint = "push to a registry with --push REF" if transport == "docker" else None
        raise UsageError(
            f"--output {text!r}: expected one of {FORMS}",
            hint=hint or "name the transport, e.g. docker-daemon:NAME:TAG",
        )
    spec = parse_spec(text)
    if spec.transport == "docker-archive" and (spec.reference or "").startswith("@"):
        raise UsageError(f"--output {text!r}: an archive is written with NAME:TAG, not @INDEX")
    return spec


def pick_platform(built: Built, platform: Platform | None, what: str) -> BuiltImage:
    """The one image of ``built`` an output of one platform takes."""
    if isinstance(built, BuiltImage):
        return built
    for image in built.images:
        if platform is not None and (image.platform.os, image.platform.architecture) == (
            platform.os,
            platform.architecture,
        ):
            return image
    found = ", ".join(str(image.platform) for image in built.images)
    raise UsageError(
        f"{what} holds one platform and the build made {len(built.images)} ({found})",
        hint="write the index to oci:DIR, or build one --platform for this output",
    )


def write_output(
    built: Built,
    spec: Spec,
    *,
    platform: Platform | None = None,
    docker_client: Any = None,
    docker_base_url: str | None = None,
    early_load: EarlyLoad | None = None,
) -> Written:
    """Write ``built`` to the output ``spec`` names (:func:`parse_output`); a
    ``docker-daemon`` output through ``early_load`` (which the caller cancels when this
    fails before the load)."""
    name = str(spec)
    if spec.transport == "oci":
        entry = write_oci(built, spec.location, spec.reference)
        return Written(name, entry.digest)
    image = pick_platform(built, platform, name)
    if spec.transport == "docker-archive":
        tags = [spec.reference] if spec.reference else []
        write_archive(image, spec.location, tags)
        return Written(name, image.digest)
    image_id = load_into_engine(
        image, spec.location, client=docker_client, base_url=docker_base_url, early=early_load
    )
    return Written(name, image.digest, image_id)


def write_outputs(
    built: Built,
    outputs: list[Spec],
    *,
    platform: Platform | None = None,
    docker_client: Any = None,
    docker_base_url: str | None = None,
    early_load: EarlyLoad | None = None,
) -> list[Written]:
    """Every output, in order; ``early_load`` serves the first ``docker-daemon`` one and is
    cut short when it did not."""
    written = []
    taken = False
    try:
        for spec in outputs:
            early = None
            if spec.transport == "docker-daemon" and not taken:
                early, taken = early_load, True
            written.append(
                write_output(
                    built,
                    spec,
                    platform=platform,
                    docker_client=docker_client,
                    docker_base_url=docker_base_url,
                    early_load=early,
                )
            )
    finally:
        if early_load is not None:
            early_load.cancel()
    return written
