"""``imagekit build root NAME`` and ``imagekit build go PATH``: images made without a
Dockerfile, a daemon or Docker Hub.

Both write the image to every ``--output`` (``oci:DIR[:TAG]``, ``docker-archive:PATH``,
``docker-daemon:NAME:TAG``) and print its digest on stdout, or with ``--format json`` the
build summary (:func:`imagekit.build.summary.summary`); the layers go to stderr. The image
is assembled in a temporary directory that is removed once every output is written.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import apply, config_of, err, format_option, out
from imagekit.config import Config
from imagekit.errors import ConfigError, UsageError

if TYPE_CHECKING:
    import click

    from imagekit.build.assemble import Built
    from imagekit.build.blobs import BlobStore
    from imagekit.oci.image import Image
    from imagekit.oci.manifest import Platform


def source_date_epoch(config: Config) -> int | None:
    """SOURCE_DATE_EPOCH as seconds; ConfigError for anything but a non-negative integer."""
    text = config.source_date_epoch
    if not text:
        return None
    if not text.isdigit():
        raise ConfigError(
            f"SOURCE_DATE_EPOCH={text!r} is not a number of seconds since the epoch",
            hint="set it to e.g. $(git log -1 --format=%ct), or unset it",
        )
    return int(text)


def pairs(values: Sequence[str], flag: str) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` flags as pairs; UsageError for one without ``=``."""
    found = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} {value!r}: expected KEY=VALUE")
        found.append((key, rest))
    return tuple(found)


def platforms(values: Sequence[str]) -> tuple[Platform, ...]:
    """``--platform`` values, each one or several comma-separated ``OS/ARCH[/VARIANT]``."""
    from imagekit.errors import ImageError
    from imagekit.oci.manifest import Platform

    found: list[Platform] = []
    for value in values:
        for text in filter(None, (part.strip() for part in value.split(","))):
            try:
                platform = Platform.parse(text)
            except ImageError as exc:
                raise UsageError(f"--platform: {exc.message}") from None
            if platform not in found:
                found.append(platform)
    return tuple(found)


@contextmanager
def work_store(config: Config | None = None, directory: str | None = None) -> Iterator[BlobStore]:
    """A blob store in ``directory``, or in a temporary directory removed afterwards; its
    layer cache is ``layers/`` in the cache directory of ``config`` (none without one).
    Compressions still running are waited for at the end."""
    from imagekit.build.blobs import BlobStore
    from imagekit.build.layercache import LayerCache

    cache = LayerCache(Path(config.cache_dir) / "layers") if config and config.cache_dir else None
    with contextlib.ExitStack() as stack:
        if directory is None:
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="imagekit-build-"))
        store = BlobStore(directory, cache)
        try:
            yield store
        finally:
            store.wait()


def push_built(
    built: Built, references: Sequence[str], config: Config, *, insecure: bool
) -> list[dict[str, Any]]:
    """Push ``built`` byte for byte (its manifests keep their digests) to every reference,
    through the pusher of ``imagekit push``; what each push did, as ``push --format json``."""
    from imagekit.build.ocilayout import write_oci
    from imagekit.cli.push import push_json, run_push

    with tempfile.TemporaryDirectory(prefix="imagekit-push-") as scratch:
        write_oci(built, scratch, "build")
        result = run_push(f"oci:{scratch}:build", references, config=config, insecure=insecure)
    return [push_json(result)]


#: What :func:`deliver` imports: a command with time to spare (a compile running) imports
#: them ahead (:class:`imagekit.cli.buildgo.Preload`).
DELIVERY_MODULES = ("imagekit.build.outputs", "imagekit.build.summary", "imagekit.report.sizes")


def deliver(
    built: Built,
    outputs: Sequence[str],
    fmt: str,
    *,
    platform: Platform | None = None,
    pushes: Sequence[str] = (),
    config: Config | None = None,
    insecure: bool = False,
    docker_client: Any = None,
    early_load: Any = None,
) -> None:
    """Write ``built`` to every output and push it to every ``--push`` reference, then
    print the result (digest or JSON) on stdout and the layers on stderr. ``docker_client``
    serves ``docker-daemon:`` outputs (else the engine of ``config``'s DOCKER_HOST does);
    ``early_load`` (an :class:`~imagekit.build.engineload.EarlyLoad`) the first of them."""
    from imagekit.build.outputs import parse_output, write_outputs
    from imagekit.build.summary import summary
    from imagekit.report.sizes import human_size

    specs = [parse_output(text) for text in outputs]
    written = write_outputs(
        built,
        specs,
        platform=platform,
        docker_client=docker_client,
        docker_base_url=config.docker_host if config is not None else None,
        early_load=early_load,
    )
    result = summary(built, written)
    if pushes:
        assert config is not None
        result["pushed"] = push_built(built, pushes, config, insecure=insecure)
    if fmt == "json":
        out(json.dumps(result, indent=2))
        return
    for layer in result["layers"]:
        where = f" [{layer['platform']}]" if "platform" in layer else ""
        err(
            f"  layer {layer['digest'][7:19]}{where} {human_size(layer['size'])} "
            f"({human_size(layer['uncompressed_size'])} uncompressed)  {layer['created_by']}"
        )
    err(
        f"{result['name']}: {human_size(result['size'])} compressed, "
        f"{human_size(result['uncompressed_size'])} uncompressed"
    )
    for item in written:
        err(f"wrote {item.output}")
    for pushed in result.get("pushed", []):
        err(f"pushed {', '.join(pushed['references'])} ({pushed['uploaded_bytes']} bytes sent)")
    if not written and not pushes:
        err("no --output given: the image was built and not kept")
    out(result["digest"])


def output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    import click

    from imagekit.cli.common import insecure_registry_option

    return apply(
        function,
        click.option(
            "--output",
            "-o",
            "outputs",
            multiple=True,
            metavar="DEST",
            help="Write the image here (repeatable): oci:DIR[:TAG], "
            "docker-archive:PATH[:NAME:TAG] or docker-daemon:NAME[:TAG].",
        ),
        click.option(
            "--push",
            "pushes",
            multiple=True,
            metavar="REF",
            help="Push the image to HOST/REPO[:TAG] (repeatable), byte for byte, as "
            "`imagekit push` does.",
        ),
        insecure_registry_option(),
        format_option(("text", "json"), "text"),
    )


def run_root(
    config: Config, name: str, options: dict[str, Any], outputs: Sequence[str], fmt: str
) -> None:
    from imagekit.build.roots import RootRequest, build_root

    chosen = platforms([options["platform"]] if options["platform"] else [])
    if len(chosen) > 1:
        raise UsageError("build root makes one platform at a time")
    request = RootRequest(
        name,
        epoch=source_date_epoch(config),
        platform=chosen[0] if chosen else None,
        suite=options["suite"],
        variant=options["variant"],
        include=tuple(options["include"]),
        ca_certificates=options["ca_certificates"],
        sources=Path(options["sources"]) if options["sources"] else None,
        busybox=Path(options["busybox"]),
    )
    err(f"building the {name} root")
    with work_store(config) as store:
        deliver(
            build_root(request, store),
            outputs,
            fmt,
            pushes=options["pushes"],
            config=config,
            insecure=options["insecure_registry"],
        )


def opener_of(insecure: bool) -> Callable[[str, Platform], Image]:
    """What opens the image source `--base` names (registries too)."""

    def opener(text: str, platform: Platform) -> Image:
        from imagekit.report.sources import open_source

        return open_source(text, platform=platform, insecure=insecure)

    return opener


def register(cli: click.Group) -> None:
    """Add the ``build`` group (``root``, ``go``, ``base``, ``dockerfile``) to ``cli``."""
    import click

    from imagekit.cli.common import group_class

    @cli.group(name="build", cls=group_class())
    def build() -> None:
        """Build images: roots and static Go services without a Dockerfile or a daemon,
        the shared bases of baseimages/, and Dockerfiles with the CI gates."""

    @build.command(name="root")
    @click.argument("name", type=click.Choice(["busybox", "debian", "runtime"]))
    @output_options
    @click.option("--platform", metavar="OS/ARCH[/VARIANT]", help="Default: this machine's.")
    @click.option("--suite", default="bookworm", show_default=True, help="Debian suite.")
    @click.option(
        "--variant",
        default="apt",
        show_default=True,
        help="mmdebstrap variant of the debian root (minbase adds Priority: required).",
    )
    @click.option(
        "--include", multiple=True, metavar="PKG", help="More Debian packages (repeatable)."
    )
    @click.option(
        "--no-ca-certificates",
        "ca_certificates",
        flag_value=False,
        default=True,
        help="Leave ca-certificates out of the debian and runtime roots.",
    )
    @click.option(
        "--sources",
        metavar="FILE",
        type=click.Path(dir_okay=False, exists=True),
        help="apt sources (one-line or deb822) instead of the suite's Debian mirror.",
    )
    @click.option(
        "--busybox",
        default="/bin/busybox",
        show_default=True,
        metavar="PATH",
        help="The static busybox binary of the busybox root.",
    )
    @click.pass_context
    def root(
        ctx: click.Context, /, name: str, outputs: tuple[str, ...], fmt: str, **options: Any
    ) -> None:
        """Make the root NAME: busybox, debian or runtime.

        \b
        busybox  this machine's busybox-static, applets as hard links, root and
                 nonroot (65532), /tmp 1777 (about 2 MB)
        debian   mmdebstrap: apt, ca-certificates, merged /usr, no docs, manuals,
                 translations, apt lists or caches (about 77 MB)
        runtime  libc, CA bundle, tzdata, base-files, netbase, nonroot; no shell,
                 dpkg or apt (about 16 MB)

        Layer mtimes and `created` come from SOURCE_DATE_EPOCH (else 0): the same
        inputs give the same digest.
        """
        run_root(config_of(ctx), name, options, outputs, fmt)

    @build.command(name="go")
    @click.argument("path", type=click.Path(file_okay=False))
    @output_options
    @click.option(
        "--platform",
        multiple=True,
        metavar="OS/ARCH[,...]",
        help="Target platform(s), repeatable or comma-separated; several give an index. "
        "Default: this machine's.",
    )
    @click.option(
        "--base",
        default="busybox",
        show_default=True,
        metavar="BASE",
        help="busybox, scratch, runtime, or an image source (docker-daemon:NAME:TAG, "
        "oci:DIR[:TAG], docker-archive:PATH, docker://HOST/REPO:TAG).",
    )
    @click.option("--package", default=".", show_default=True, help="The main package.")
    @click.option("--name", help="The binary's name (default: the package's or module's).")
    @click.option(
        "--ca-bundle",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Put this PEM bundle at /etc/ssl/certs/ca-certificates.crt (default: the "
        "certificates of this machine's ca-certificates package).",
    )
    @click.option(
        "--no-ca-certificates",
        "ca_certificates",
        flag_value=False,
        default=True,
        help="No CA bundle (and no SSL_CERT_FILE).",
    )
    @click.option("--tzdata", is_flag=True, help="Add this machine's /usr/share/zoneinfo.")
    @click.option("--user", default="65532:65532", show_default=True, help="USER[:GROUP].")
    @click.option("--env", multiple=True, metavar="KEY=VALUE", help="Environment (repeatable).")
    @click.option("--label", multiple=True, metavar="KEY=VALUE", help="Label (repeatable).")
    @click.option("--annotation", multiple=True, metavar="KEY=VALUE", help="Manifest annotation.")
    @click.option("--image-version", metavar="VERSION", help="org.opencontainers.image.version.")
    @click.option(
        "--no-git",
        is_flag=True,
        help="No org.opencontainers.image.revision from the checked-out commit.",
    )
    @click.option("--tags", metavar="TAG[,...]", help="Go build tags.")
    @click.pass_context
    def go(
        ctx: click.Context, /, path: str, outputs: tuple[str, ...], fmt: str, **options: Any
    ) -> None:
        """Build the Go module at PATH into a static image, without a Dockerfile.

        Compiled with CGO_ENABLED=0 -trimpath -ldflags "-s -w -buildid=" (GOCACHE in
        imagekit's cache directory; no module proxy: dependencies come from vendor/).
        Two layers go on the unchanged base layers: the CA bundle and accounts, then
        the binary at /usr/local/bin/NAME, so a release changes only the last layer.
        The image runs as nonroot (65532) with SSL_CERT_FILE set. Reproducible: the
        same sources and SOURCE_DATE_EPOCH give the same digest.
        """
        from imagekit.cli.buildgo import run_go
        from imagekit.cli.gostart import META_KEY

        run_go(config_of(ctx), path, options, outputs, fmt, ctx.meta.get(META_KEY))

    _base_commands(build)


def _base_commands(group: click.Group) -> None:
    """``base`` and ``dockerfile``: images built from definitions and Dockerfiles on the
    engine (:mod:`imagekit.cli.bases`, :mod:`imagekit.cli.dockerbuild`)."""
    from imagekit.cli.bases import add_base_commands

    add_base_commands(group)
