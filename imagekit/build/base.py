"""The image an app is laid on: ``scratch``, a root made here, or any image source.

``busybox`` is the busybox root made on the fly (it is small and quick); ``runtime`` is the
runtime root, made once per suite, platform and SOURCE_DATE_EPOCH and kept in the cache
directory as an OCI layout (a release then finds its base unchanged, byte for byte); any
other name is an image source in the transport syntax (``docker-daemon:``, ``oci:``,
``docker-archive:``, ``docker://``), opened by the caller's opener. The base's layers are
kept as they are (uncompressed ones are gzipped, deterministically), with their history
and run configuration; :func:`base_files` finds the files the app layers merge with.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagekit.build.assemble import RunConfig, base_history
from imagekit.build.blobs import BlobStore
from imagekit.build.ocilayout import write_oci
from imagekit.build.roots import RootRequest, build_root
from imagekit.errors import BuildError
from imagekit.oci.digest import Digest
from imagekit.oci.image import Image, Layer
from imagekit.oci.layout import open_layout
from imagekit.oci.manifest import Platform

#: Opens an image source for a platform (the CLI passes one that reaches registries too).
Opener = Callable[[str, Platform], Image]
KEYWORDS = ("busybox", "scratch", "runtime")
WANTED = ("etc/passwd", "etc/group")


@dataclass(frozen=True, slots=True)
class Base:
    """A base, ready to be built on. ``reference`` is set for an image source (it goes into
    the ``base.name`` annotation); ``digest`` is its manifest digest when known."""

    name: str
    layers: tuple[Layer, ...] = ()
    history: tuple[dict[str, Any], ...] = ()
    run: RunConfig = field(default_factory=RunConfig)
    platform: Platform | None = None
    digest: Digest | None = None
    reference: str = ""

    @property
    def scratch(self) -> bool:
        return not self.layers


def _of_image(name: str, image: Image, store: BlobStore, created: str, reference: str) -> Base:
    layers = tuple(store.adopt(layer, f"{name} layer {i}") for i, layer in enumerate(image.layers))
    history = tuple(base_history(image.config.raw, len(layers), created))
    return Base(
        name,
        layers,
        history,
        RunConfig.from_config(image.config.raw),
        image.config.platform,
        image.digest,
        reference,
    )


def _cached_runtime(
    request: RootRequest, store: BlobStore, cache_dir: Path, platform: Platform
) -> Image:
    key = f"runtime-{request.suite}-{platform.os}-{platform.architecture}{platform.variant}"
    layout = cache_dir / "roots" / f"{key}-{request.epoch or 0}"
    if not (layout / "index.json").exists():
        built = build_root(request, store)
        scratch = layout.with_name(layout.name + ".partial")
        write_oci(built, scratch, "runtime")
        scratch.rename(layout)
    return open_layout(layout, "runtime")


def resolve_base(
    name: str,
    platform: Platform,
    store: BlobStore,
    *,
    epoch: int | None,
    created: str,
    cache_dir: Path,
    opener: Opener | None = None,
) -> Base:
    """The base ``name`` names, for ``platform``."""
    if name == "scratch":
        return Base(name)
    if name in ("busybox", "runtime"):
        request = RootRequest(name, epoch=epoch, platform=platform)
        if name == "busybox":
            image: Image = build_root(request, store)
        else:
            image = _cached_runtime(request, store, cache_dir, platform)
        return _check(_of_image(name, image, store, created, ""), platform)
    if opener is None:
        raise BuildError(f"--base {name}: image sources cannot be opened here")
    image = opener(name, platform)
    try:
        return _check(_of_image(name, image, store, created, name), platform)
    finally:
        image.close()


def _check(base: Base, platform: Platform) -> Base:
    have = base.platform
    if (
        have is not None
        and have.os
        and (have.os, have.architecture)
        != (
            platform.os,
            platform.architecture,
        )
    ):
        raise BuildError(
            f"--base {base.name} is a {have} image, not {platform}",
            hint="name a base of that platform (an index lets --platform pick one)",
        )
    return base


def base_files(base: Base, wanted: tuple[str, ...] = WANTED) -> dict[str, bytes]:
    """The files of ``wanted`` as the base's merged layers have them (deleted or absent ones
    left out), read from the top layer down."""
    found: dict[str, bytes] = {}
    gone: set[str] = set()
    for layer in reversed(base.layers):
        hidden: set[str] = set()
        with layer.open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                name = info.name.removeprefix("./").strip("/")
                folder, _, leaf = name.rpartition("/")
                if leaf == ".wh..wh..opq":
                    hidden |= {w for w in wanted if w.startswith(folder + "/")}
                elif leaf.startswith(".wh."):
                    hidden.add(f"{folder}/{leaf[4:]}" if folder else leaf[4:])
                elif name in wanted and name not in found and name not in gone and info.isreg():
                    data = tar.extractfile(info)
                    if data is not None:
                        found[name] = data.read()
        gone |= hidden
        if all(name in found or name in gone for name in wanted):
            break
    return found
