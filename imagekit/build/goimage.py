"""``imagekit build go PATH``: a static Go service on a base, without a Dockerfile or a daemon.

For each platform the main package is compiled (:mod:`imagekit.build.gocompile`) and two
layers go on top of the base's layers, which stay as they are:

1. the support layer: the CA bundle at /etc/ssl/certs/ca-certificates.crt (unless
   ``ca_certificates`` is off), the time zone database when asked for, /etc/passwd and
   /etc/group with nonroot (65532) merged into the base's, /tmp on scratch. It changes only
   when the bundle, the zones or the base's accounts do, so its blob comes from the layer
   cache (:mod:`imagekit.build.layercache`) once it was gzipped;
2. the app layer: the binary alone, at /usr/local/bin/NAME. A release changes this layer.
   It is gzipped at level 1 (:data:`APP_LEVEL`), in a thread while the outputs that take
   tars (the engine) are written.

The compiles start first: the base and the support layer are laid out while they run.
The config runs the binary as nonroot with ``SSL_CERT_FILE`` set, labels and annotations
say what was built (version, source revision, base). Several platforms give an index.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from imagekit.build.accounts import NONROOT_UID, add_accounts
from imagekit.build.assemble import (
    ANNOTATION,
    DEFAULT_PATH,
    Built,
    BuiltImage,
    BuiltIndex,
    RunConfig,
    assemble,
    created_at,
    history_entry,
    merge_env,
)
from imagekit.build.base import Base, Opener, base_files, resolve_base
from imagekit.build.blobs import BlobStore
from imagekit.build.cabundle import BUNDLE, machine_bundle, read_bundle
from imagekit.build.dirsource import directory_entries
from imagekit.build.gocompile import Compile, GoBuild, binary_name, module_path, start_compiles
from imagekit.build.layer import Entry, FileData, directory, file
from imagekit.build.layercache import LayerCache
from imagekit.errors import InputError, UsageError
from imagekit.oci.manifest import Platform

BIN_DIR = "usr/local/bin"
#: gzip level of the app layer, the one layer a release changes and so gzips: level 1 is
#: four times as fast as 6 on a Go binary for 9 % more bytes (measured in bench/README.md),
#: the level go-containerregistry, and so ko, gzips layers at. A fixed level keeps the
#: digest reproducible.
APP_LEVEL = 1
ZONEINFO = Path("/usr/share/zoneinfo")


@dataclass(frozen=True, slots=True)
class GoImageRequest:
    """Everything ``imagekit build go`` is asked for. ``epoch`` is SOURCE_DATE_EPOCH."""

    module_dir: Path
    platforms: tuple[Platform, ...]
    package: str = "."
    name: str = ""
    base: str = "busybox"
    ca_certificates: bool = True
    ca_bundle: Path | None = None
    tzdata: bool = False
    zoneinfo: Path = ZONEINFO
    user: str = f"{NONROOT_UID}:{NONROOT_UID}"
    env: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    version: str = ""
    revision: str = ""
    tags: tuple[str, ...] = ()
    epoch: int | None = None


@dataclass(frozen=True, slots=True)
class GoEnvironment:
    """Where the compile runs: imagekit's cache directory (GOCACHE is under it) and PATH."""

    cache_dir: Path
    path: str


def source_revision(directory: Path) -> str:
    """The commit checked out where ``directory`` is (``git rev-parse HEAD``), or ""."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = result.stdout.decode().strip()
    return text if result.returncode == 0 and len(text) in (40, 64) else ""


def _bundle(request: GoImageRequest) -> bytes:
    if request.ca_bundle is not None:
        return read_bundle(request.ca_bundle, "--ca-bundle")
    return machine_bundle()


def support_entries(
    request: GoImageRequest, base: Base, bundle: bytes | None, cache: LayerCache | None = None
) -> list[Entry]:
    """The support layer's entries (see the module's docstring); the base's accounts are
    read through ``cache`` when given."""
    have = base_files(base, cache=cache) if not base.scratch else {}
    passwd, group = add_accounts(
        have.get("etc/passwd", b"").decode(errors="replace"),
        have.get("etc/group", b"").decode(errors="replace"),
    )
    entries = [file("etc/passwd", passwd), file("etc/group", group)]
    if bundle is not None:
        entries.append(file(BUNDLE, bundle))
    if request.tzdata:
        entries += directory_entries(request.zoneinfo, "usr/share/zoneinfo")
    if base.scratch:
        entries.append(directory("tmp", 0o1777))
    return entries


def _labels(request: GoImageRequest, name: str) -> dict[str, str]:
    labels = {f"{ANNOTATION}.title": name}
    if request.version:
        labels[f"{ANNOTATION}.version"] = request.version
    if request.revision:
        labels[f"{ANNOTATION}.revision"] = request.revision
    labels.update(request.labels)
    return labels


def _image(
    request: GoImageRequest,
    store: BlobStore,
    base: Base,
    compile_: Compile,
    name: str,
    bundle: bytes | None,
) -> BuiltImage:
    """The image of one platform: the support layer is laid (or found in the cache) while
    the binary compiles, then the app layer once it is there."""
    platform = compile_.build.platform
    mtime = request.epoch or 0
    created = created_at(mtime)
    entries = support_entries(request, base, bundle, store.cache)
    support = store.add_layer(entries, mtime=mtime, reuse=True)
    binary = compile_.wait()
    path = f"{BIN_DIR}/{name}"
    app_file = file(path, FileData(binary, binary.stat().st_size), 0o755)
    app = store.add_layer_in_background([app_file], mtime=mtime, level=APP_LEVEL)
    what = ["passwd/group with nonroot"]
    what += ["CA bundle"] if bundle is not None else []
    what += ["tzdata"] if request.tzdata else []
    history = [
        *base.history,
        history_entry(f"imagekit build go: {', '.join(what)}", created),
        history_entry(
            f"imagekit build go: /{path}",
            created,
            f"{module_path(request.module_dir)} {request.package}",
        ),
    ]
    env = merge_env(base.run.env or (DEFAULT_PATH,), ())
    if bundle is not None:
        env = merge_env(env, (f"SSL_CERT_FILE=/{BUNDLE}",))
    env = merge_env(env, request.env)
    labels = {**dict(base.run.labels), **_labels(request, name)}
    run = RunConfig(
        env=env,
        entrypoint=(f"/{path}",),
        user=request.user,
        working_dir=base.run.working_dir,
        labels=tuple(sorted(labels.items())),
        exposed_ports=base.run.exposed_ports,
        stop_signal=base.run.stop_signal,
    )
    annotations = {
        f"{ANNOTATION}.created": created,
        **{k: v for k, v in _labels(request, name).items() if k.startswith(ANNOTATION)},
    }
    if base.reference:
        annotations[f"{ANNOTATION}.base.name"] = base.reference
    if base.digest is not None:
        annotations[f"{ANNOTATION}.base.digest"] = str(base.digest)
    annotations.update(request.annotations)
    layers = [*base.layers, support, app]
    return assemble(name, platform, layers, history, run, created=created, annotations=annotations)


def go_builds(request: GoImageRequest) -> list[GoBuild]:
    """The compiles ``request`` asks for, one per platform."""
    return [
        GoBuild(request.module_dir, platform, request.package, request.tags)
        for platform in request.platforms
    ]


def build_go_image(
    request: GoImageRequest,
    store: BlobStore,
    environment: GoEnvironment,
    *,
    opener: Opener | None = None,
    compiling: Callable[[], object] | None = None,
    compiles: Sequence[Compile] | None = None,
) -> Built:
    """Compile and lay out the image for every platform of ``request``; one platform gives
    an image, several an index of them. The compiles start first and run while the bases
    and support layers are laid out; ``compiling`` is called once they have started (the
    caller's chance to prepare its outputs in the meantime). ``compiles`` are compiles the
    caller started already (:func:`go_builds`, :func:`start_compiles`), one per platform in
    order; they are stopped when the build fails."""
    if not request.module_dir.is_dir():
        raise InputError(f"{request.module_dir}: no such directory")
    if not request.platforms:
        raise UsageError("build go needs at least one platform")
    name = request.name or binary_name(request.module_dir, request.package)
    bundle = _bundle(request) if request.ca_certificates else None
    created = created_at(request.epoch or 0)
    builds = go_builds(request)
    started = list(compiles or ())
    if started and [c.build for c in started] != builds:
        raise ValueError("the compiles started are not the request's")
    try:
        if not started:
            bin_dir = store.root / "bin"
            path = environment.path
            started = start_compiles(
                builds, bin_dir, name, cache_dir=environment.cache_dir, path=path
            )
        if compiling is not None:
            compiling()
        images = []
        for compile_ in started:
            base = resolve_base(
                request.base,
                compile_.build.platform,
                store,
                epoch=request.epoch,
                created=created,
                cache_dir=environment.cache_dir,
                opener=opener,
            )
            images.append(_image(request, store, base, compile_, name, bundle))
    except BaseException:
        for compile_ in started:
            compile_.cancel()
        raise
    if len(images) == 1:
        return images[0]
    annotations = {
        f"{ANNOTATION}.created": created,
        **{k: v for k, v in _labels(request, name).items() if k.startswith(ANNOTATION)},
    }
    return BuiltIndex.of(name, images, annotations)
