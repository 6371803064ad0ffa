"""``imagekit push SOURCE DEST...``: push an image (or a whole index) to registries.

Pushing is one call, :func:`run_push`, returning the :class:`PushResult`; rendering is
:func:`render_push` (and :func:`push_json`), so that other commands (a size report, the
ledger) can push and add to what is printed. Progress goes to stderr: a bar per layer on
a terminal (rich, imported only here, inside the command), one plain line per step in CI
or when stderr is not a terminal. stdout: the pushed digest, or the JSON.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import apply, config_of, err, format_option, out, platform_option
from imagekit.cli.progress import progress_for
from imagekit.config import Config
from imagekit.errors import InputError, UsageError

if TYPE_CHECKING:
    import ssl

    import click

    from imagekit.registry.auth import Credentials
    from imagekit.registry.client import RegistryClient
    from imagekit.registry.push import MountCandidates, PushEvent, PushResult


def credentials_for(registry: str, config: Config) -> Credentials | None:
    """The stored credentials for ``registry`` (docker's config.json and credential
    helpers, as :mod:`imagekit.registry.credentials` reads them), or None."""
    from imagekit.registry.credentials import CredentialStore

    return CredentialStore(Path(config.docker_config), path=config.path).get(registry)


def _ssl_context(ca_cert: str | None) -> ssl.SSLContext | None:
    if ca_cert is None:
        return None
    import ssl  # here: every command line registers this module, few need TLS

    try:
        return ssl.create_default_context(cafile=ca_cert)
    except FileNotFoundError:
        raise InputError(f"--ca-cert {ca_cert}: no such file") from None
    except (ssl.SSLError, OSError) as exc:
        raise InputError(f"--ca-cert {ca_cert}: not a readable PEM certificate ({exc})") from None


def client_factory(
    config: Config, *, insecure: bool = False, ca_cert: str | None = None
) -> Callable[[str], RegistryClient]:
    """One client per registry host, made when first asked for (thread-safe)."""
    from imagekit.registry.client import RegistryClient
    from imagekit.registry.transport import Transport

    transport = Transport(ssl_context=_ssl_context(ca_cert))
    clients: dict[str, RegistryClient] = {}
    lock = threading.Lock()

    def client_for(registry: str) -> RegistryClient:
        with lock:
            if registry not in clients:
                clients[registry] = RegistryClient(
                    registry,
                    insecure=insecure,
                    tls=ca_cert is not None,
                    credentials=credentials_for(registry, config),
                    transport=transport,
                )
            return clients[registry]

    return client_for


def run_push(
    source: str,
    destinations: Sequence[str],
    *,
    config: Config,
    compression: str = "gzip",
    jobs: int = 4,
    chunk_size: int | None = None,
    platform: str | None = None,
    insecure: bool = False,
    ca_cert: str | None = None,
    oci: bool = False,
    mount_candidates: MountCandidates | None = None,
    on_event: Callable[[PushEvent], None] | None = None,
    before_push: Callable[[Callable[[str], RegistryClient]], None] | None = None,
) -> PushResult:
    """Push the image SOURCE names to every destination; what was pushed.

    ``before_push`` is called with the client factory once the registries answer and
    before anything is sent (the size report reads the tags about to move there)."""
    from imagekit.registry.push import parse_destination, push
    from imagekit.registry.pushplan import PushOptions
    from imagekit.registry.pushsource import open_push_source
    from imagekit.report.sources import parse_platform

    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be at least 1")
    if chunk_size is not None and chunk_size < 1:
        raise UsageError("--chunk-size: must be at least one byte")
    targets = [parse_destination(text) for text in destinations]
    if not targets:
        raise UsageError("push needs at least one destination")
    options = PushOptions(compression=compression, oci=oci, jobs=jobs, chunk_size=chunk_size)
    client_for = client_factory(config, insecure=insecure, ca_cert=ca_cert)
    for registry in dict.fromkeys(target.registry for target in targets):
        client_for(registry).ping()  # an unreachable registry fails before any work
    if before_push is not None:
        before_push(client_for)
    image = open_push_source(source, platform=parse_platform(platform), client_for=client_for)
    try:
        return push(
            image,
            targets,
            client_for=client_for,
            cache_dir=config.cache_dir,
            options=options,
            mount_candidates=mount_candidates,
            on_event=on_event,
        )
    finally:
        image.close()


def push_json(result: PushResult) -> dict[str, Any]:
    """The JSON document ``--format json`` prints."""
    return {
        "reference": str(result.reference),
        "references": [str(ref) for ref in result.references],
        "digest": str(result.digest),
        "media_type": result.media_type,
        "uploaded_bytes": result.uploaded_bytes,
        "compressed_layers": result.compressed_layers,
        "blobs": [
            {
                "digest": str(blob.digest),
                "size": blob.size,
                "media_type": blob.media_type,
                "action": blob.action,
                "repository": blob.repository,
                **({"mounted_from": blob.mounted_from} if blob.mounted_from else {}),
            }
            for blob in result.blobs
        ],
    }


def render_push(result: PushResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(push_json(result), indent=2) + "\n"
    return f"{result.digest}\n"


def parse_registry(destination: str) -> str:
    """The registry host of a destination reference (UsageError when malformed)."""
    from imagekit.registry.push import parse_destination

    return parse_destination(destination).registry


def register(cli: click.Group) -> None:
    """Add ``push`` to ``cli``."""
    import click

    from imagekit.cli.sizes import budget_options

    def size(value: str | None) -> int | None:
        from imagekit.config.schema import parse_size

        if value is None:
            return None
        try:
            return parse_size(value)
        except ValueError as exc:
            raise UsageError(f"--chunk-size: {exc}") from None

    def command(
        source: str,
        dest: tuple[str, ...],
        fmt: str,
        chunk_size: str | None,
        compare_to: str | None,
        fail_on_growth: str | None,
        max_size: str | None,
        ledger: str | None,
        s3_endpoint: str | None,
        no_ledger: bool,
        **options: Any,
    ) -> None:
        """Push the image SOURCE to the registry references DEST (one or more), and report
        what the push changed in size.

        \b
        SOURCE: docker-daemon:NAME[:TAG] (or a bare NAME[:TAG]), docker-archive:PATH,
        oci:DIR[:TAG] or docker://HOST/REPO[:TAG|@DIGEST]. An oci: or docker:// source
        naming an index pushes the whole index unless --platform picks one image.
        DEST: [docker://]HOST/REPO[:TAG].

        Blobs the registry has are skipped, blobs in another repository of the same
        registry are mounted. Layers without a compressed blob (docker-daemon,
        docker-archive) are compressed on the way (gzip, or --compression zstd), always
        to the same bytes.

        Before a tag moves, what it named is read (or --compare-to REF): the size report
        (on stderr; in the JSON under size_report) shows the compressed size, the change,
        the layers shared, added and removed and the bytes sent. Each push is recorded in
        the size ledger (--ledger, or the embedded registry's bucket).

        Prints the pushed manifest digest. Exit status: 0 pushed, 1 a budget crossed
        (after the push and the report), 2 bad input, 3 a registry error, 6 the ledger
        could not be written.
        """
        import time

        from imagekit.cli.sizes import PushSizes, budget_from_flags, finish, ledger_for
        from imagekit.report.sizerender import render_size_report

        ctx = click.get_current_context()
        config = config_of(ctx)
        budget = budget_from_flags(fail_on_growth, max_size)
        registries = [parse_registry(text) for text in dest]
        book = (
            None
            if no_ledger
            else ledger_for(config, registries, ledger=ledger, s3_endpoint=s3_endpoint)
        )
        sizes = PushSizes(
            config, dest, compare_to=compare_to, budget=budget, ledger=book, clock=time.time
        )
        candidates = None if book is None else book.mount_candidates(registries)
        progress = progress_for(config)
        try:
            result = run_push(
                source,
                dest,
                config=config,
                chunk_size=size(chunk_size),
                on_event=progress,
                mount_candidates=candidates,
                before_push=sizes.read_before,
                **options,
            )
        finally:
            progress.close()
        report = sizes.after(result)
        for warning in sizes.warnings:
            err(f"imagekit: warning: {warning}")
        if fmt == "json":
            out(json.dumps({**push_json(result), **sizes.to_dict(report)}, indent=2))
        else:
            out(render_push(result, fmt))
            err(render_size_report(report, "table").rstrip("\n"))
            if book is not None:
                err(f"recorded in the size ledger {book.url}")
        raise click.exceptions.Exit(finish(report))

    cli.command(name="push")(
        apply(
            command,
            click.argument("source"),
            click.argument("dest", nargs=-1, required=True),
            format_option(("text", "json"), "text"),
            click.option(
                "--compare-to",
                metavar="REF",
                help="Report sizes against this image (e.g. the main branch's tag) instead "
                "of what each DEST tag named before the push.",
            ),
            budget_options(),
            click.option(
                "--ledger",
                metavar="s3://BUCKET/PREFIX",
                help="Record the push in this size ledger (default: the embedded "
                "registry's bucket when DEST is the embedded registry).",
            ),
            click.option(
                "--s3-endpoint",
                metavar="URL",
                help="The ledger's S3 endpoint (default: AWS; credentials from boto3's chain).",
            ),
            click.option("--no-ledger", is_flag=True, help="Do not record the push."),
            click.option(
                "--compression",
                type=click.Choice(["gzip", "zstd"]),
                default="gzip",
                show_default=True,
                help="For layers the source has uncompressed (docker-daemon, docker-archive).",
            ),
            click.option(
                "--oci",
                is_flag=True,
                help="Write an OCI manifest for such sources (zstd always does; gzip "
                "writes Docker schema 2 unless this is given).",
            ),
            click.option(
                "--jobs",
                type=int,
                default=4,
                show_default=True,
                help="Blobs sent at the same time.",
            ),
            click.option(
                "--chunk-size",
                metavar="SIZE",
                help="Upload in PATCH chunks of SIZE (e.g. 16MiB) instead of one PUT.",
            ),
            platform_option(),
            click.option(
                "--insecure",
                is_flag=True,
                help="Plain HTTP for registries that are not on loopback (loopback "
                "registries are plain HTTP already, unless --ca-cert is given).",
            ),
            click.option(
                "--ca-cert",
                metavar="FILE",
                type=click.Path(dir_okay=False),
                help="Trust this CA (PEM) for the registries; HTTPS even on loopback.",
            ),
        )
    )
