"""``imagekit build root NAME``: the roots every other image starts from, as one-layer images.

- ``busybox``: this machine's static busybox, applets as hard links, accounts, /tmp 1777;
- ``debian``: an mmdebstrap root with apt (and ca-certificates unless left out);
- ``runtime``: libc, CA bundle, tzdata, base-files, netbase and accounts, no package manager.

Each is written by the deterministic layer writer (mtime and ``created`` from
SOURCE_DATE_EPOCH, else 0), never through ``docker import``, which stamps the time of the
import into the config.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from imagekit.build.assemble import (
    DEFAULT_PATH,
    BuiltImage,
    RunConfig,
    assemble,
    created_at,
    history_entry,
)
from imagekit.build.blobs import BlobStore
from imagekit.build.busybox import busybox_entries, inspect_busybox
from imagekit.build.cabundle import BUNDLE
from imagekit.build.debian import (
    SUITE,
    VARIANT,
    deb_arch,
    debian_entries,
    host_arch,
    mmdebstrap_command,
    platform_of,
    run_mmdebstrap,
)
from imagekit.build.layer import Entry
from imagekit.build.runtime import PACKAGES, build_runtime_entries
from imagekit.errors import BuildError, UsageError
from imagekit.oci.manifest import Platform

ROOTS = ("busybox", "debian", "runtime")
BUSYBOX = Path("/bin/busybox")
SSL_CERT_FILE = f"SSL_CERT_FILE=/{BUNDLE}"
#: Label naming the root an image was made as, and what it was made from.
ROOT_LABEL = "org.imagekit.root"


@dataclass(frozen=True, slots=True)
class RootRequest:
    """What to make. ``epoch`` is SOURCE_DATE_EPOCH (None: mtimes and ``created`` are 0
    and mmdebstrap gets no SOURCE_DATE_EPOCH)."""

    name: str
    epoch: int | None = None
    platform: Platform | None = None
    suite: str = SUITE
    variant: str = VARIANT
    include: tuple[str, ...] = ()
    ca_certificates: bool = True
    sources: Path | None = None
    busybox: Path = BUSYBOX

    @property
    def mtime(self) -> int:
        return self.epoch or 0


def _image(
    request: RootRequest,
    store: BlobStore,
    entries: list[Entry],
    platform: Platform,
    run: RunConfig,
    made_from: str,
) -> BuiltImage:
    created = created_at(request.mtime)
    # the busybox root recurs under every Go image: its blob comes from the layer cache
    layer = store.add_layer(entries, mtime=request.mtime, reuse=request.name == "busybox")
    command = f"imagekit build root {request.name}"
    labels = ((ROOT_LABEL, f"{request.name} {made_from}"),)
    run = RunConfig(run.env, run.entrypoint, run.cmd, run.user, labels=labels)
    annotations = {"org.opencontainers.image.created": created}
    history = [history_entry(command, created, made_from)]
    return assemble(
        request.name, platform, [layer], history, run, created=created, annotations=annotations
    )


def _busybox(request: RootRequest, store: BlobStore) -> BuiltImage:
    busybox = inspect_busybox(request.busybox)
    if request.platform is not None and request.platform != busybox.platform:
        raise BuildError(
            f"the busybox root is made from {request.busybox}, a {busybox.platform} binary, "
            f"not {request.platform}",
            hint="use --base scratch, or a busybox image of that platform",
        )
    entries = busybox_entries(busybox.path, busybox.applets)
    run = RunConfig(env=(DEFAULT_PATH,), cmd=("sh",))
    return _image(request, store, entries, busybox.platform, run, f"BusyBox {busybox.version}")


def _debian(request: RootRequest, store: BlobStore, scratch: Path) -> BuiltImage:
    arch = deb_arch(request.platform) if request.platform else host_arch()
    include = list(request.include)
    if request.ca_certificates and "ca-certificates" not in include:
        include.append("ca-certificates")
    tar = scratch / "debian.tar"
    command = mmdebstrap_command(
        request.suite,
        tar,
        variant=request.variant,
        arch=arch,
        include=include,
        sources=request.sources,
    )
    run_mmdebstrap(command, request.epoch, f"bootstrap Debian {request.suite}")
    run = RunConfig(env=(DEFAULT_PATH,), cmd=("bash",))
    made_from = f"Debian {request.suite} {request.variant}"
    if include:
        made_from += f" with {', '.join(include)}"
    return _image(request, store, debian_entries(tar), platform_of(arch), run, made_from)


def _runtime(request: RootRequest, store: BlobStore, scratch: Path) -> BuiltImage:
    arch = deb_arch(request.platform) if request.platform else host_arch()
    packages = [p for p in PACKAGES if request.ca_certificates or p != "ca-certificates"]
    packages += [p for p in request.include if p not in packages]
    entries = build_runtime_entries(
        request.suite, arch, packages, scratch, epoch=request.epoch, sources=request.sources
    )
    env = (DEFAULT_PATH, SSL_CERT_FILE) if request.ca_certificates else (DEFAULT_PATH,)
    made_from = f"Debian {request.suite} packages {', '.join(packages)}"
    return _image(request, store, entries, platform_of(arch), RunConfig(env=env), made_from)


def build_root(request: RootRequest, store: BlobStore) -> BuiltImage:
    """Make the root ``request`` names; its layer blob is written into ``store``."""
    if request.name not in ROOTS:
        raise UsageError(f"no root named {request.name!r}", hint=f"one of {', '.join(ROOTS)}")
    if request.name == "busybox":
        return _busybox(request, store)
    with tempfile.TemporaryDirectory(prefix="imagekit-root-", dir=store.root) as name:
        scratch = Path(name)
        if request.name == "debian":
            return _debian(request, store, scratch)
        return _runtime(request, store, scratch)
