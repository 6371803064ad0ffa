"""The image an app is laid on: ``scratch``, a root made here, or any image source.

``busybox`` and ``runtime`` are roots made here, once per busybox binary (or suite),
platform and SOURCE_DATE_EPOCH, and kept in the cache directory as OCI layouts (a release
then finds its base unchanged, byte for byte, and does not make it again); any
other name is an image source in the transport syntax (``docker-daemon:``, ``oci:``,
``docker-archive:``, ``docker://``), opened by the caller's opener. The base's layers are
kept as they are (uncompressed ones are gzipped, deterministically), with their history
and run configuration; :func:`base_files` finds the files the app layers merge with.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagekit.build.assemble import RunConfig, base_history
from imagekit.build.blobs import BlobStore
from imagekit.build.layercache import LayerCache
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
#: Part of the cache key of roots: changes when the roots' contents would.
ROOTS_FORMAT = "r1"
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


def _cached_root(request: RootRequest, store: BlobStore, cache_dir: Path, key: str) -> Image:
    """The root ``request`` names, from the cache directory's layout ``key`` (made there
    the first time): a release then finds its base unchanged, and a build skips it."""
    layout = cache_dir / "roots" / key
    if not (layout / "index.json").exists():
        built = build_root(request, store)
        layout.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=layout.parent))
        write_oci(built, scratch, request.name)
        try:
            scratch.rename(layout)
        except OSError:  # another build made it meanwhile
            shutil.rmtree(scratch, ignore_errors=True)
    return open_layout(layout, request.name)


def _root_key(request: RootRequest, platform: Platform) -> str:
    where = f"{platform.os}-{platform.architecture}{platform.variant}-{request.epoch or 0}"
    if request.name == "busybox":
        try:
            binary = Digest.of_bytes(request.busybox.read_bytes()).hex[:16]
        except OSError:  # not cached: build_root says what is wrong with it
            binary = "unreadable"
        return f"busybox-{binary}-{where}-{ROOTS_FORMAT}"
    return f"{request.name}-{request.suite}-{where}-{ROOTS_FORMAT}"


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
        image = _cached_root(request, store, cache_dir, _root_key(request, platform))
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


def base_files(
    base: Base, wanted: tuple[str, ...] = WANTED, cache: LayerCache | None = None
) -> dict[str, bytes]:
    """The files of ``wanted`` as the base's merged layers have them (deleted or absent ones
    left out), read from the top layer down; through ``cache`` when given (the answer is
    the layers' own, so the diff IDs are the key)."""
    chain = [layer.diff_id for layer in base.layers]
    if cache is not None:
        known = cache.find_files(chain, wanted)
        if known is not None:
            return known
    found = _read_files(base, wanted)
    if cache is not None:
        cache.put_files(chain, wanted, found)
    return found


def _read_files(base: Base, wanted: tuple[str, ...]) -> dict[str, bytes]:
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
