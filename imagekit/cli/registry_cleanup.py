"""``imagekit registry usage``, ``prune`` and ``gc``: what a registry stores, retention,
and getting the space back (registered by :func:`imagekit.cli.registry._cleanup_commands`).

REGISTRY defaults to the embedded registry running from Config.registry_dir. Tables go
to stdout (``--format json`` for machines); progress and what was read to stderr.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from imagekit.cli.common import config_of, err, format_option, out
from imagekit.config import Config
from imagekit.errors import UsageError

if TYPE_CHECKING:
    from imagekit.oci.digest import Digest
    from imagekit.registry.snapshot import Snapshot
    from imagekit.registry.walk import RegistryWalker

#: Where the walker keeps manifests and configs, under Config.cache_dir.
DOCUMENT_CACHE = "registry-documents"
#: Unreadable items named on stderr at most (the rest are counted).
SHOWN_ERRORS = 5


def embedded_address(config: Config) -> tuple[str | None, str | None]:
    """(address, CA certificate) of the embedded registry running from
    Config.registry_dir; (None, None) when none runs there."""
    from imagekit.services import load

    found = load(Path(config.registry_dir))
    if found is None:
        return None, None
    return found.address, str(found.ca_cert) if found.ca_cert else None


def resolve_registry(config: Config, given: str | None) -> tuple[str, str | None]:
    """The registry to read (``given``, else the embedded one) and a CA file for it."""
    address, ca_cert = embedded_address(config)
    if given:
        return given, ca_cert if given == address else None
    if address is None:
        raise UsageError(
            f"no REGISTRY given and no embedded registry runs from {config.registry_dir}",
            hint="name one (HOST:PORT), or start the embedded one: imagekit registry up",
        )
    return address, ca_cert


def make_walker(
    config: Config,
    registry: str,
    *,
    insecure: bool,
    ca_cert: str | None,
    workers: int,
) -> RegistryWalker:
    from imagekit.cli.push import client_factory
    from imagekit.registry.walk import RegistryWalker

    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    client = client_factory(config, insecure=insecure, ca_cert=ca_cert)(registry)
    return RegistryWalker(client, Path(config.cache_dir) / DOCUMENT_CACHE, workers)


def read(walker: RegistryWalker, repositories: Sequence[str] | None = None) -> Snapshot:
    """A snapshot, with a line on stderr about what it took."""
    snapshot = walker.snapshot(repositories)
    s = snapshot.stats
    tags = sum(len(r.tags) for r in snapshot.repositories)
    err(
        f"imagekit: read {len(snapshot.repositories)} repositories and {tags} tags of "
        f"{snapshot.registry} in {s.seconds:.2f}s ({s.tag_lists} tag lists, {s.heads} HEADs, "
        f"{s.tag_gets} GETs by tag, "
        f"{s.manifest_gets} manifests and {s.config_gets} configs fetched, {s.cache_hits} "
        "from the cache)"
    )
    for error in snapshot.errors[:SHOWN_ERRORS]:
        err(f"imagekit: warning: {error.kind} {error.where}: {error.message}")
    if len(snapshot.errors) > SHOWN_ERRORS:
        more = len(snapshot.errors) - SHOWN_ERRORS
        err(f"imagekit: warning: {more} more items unreadable (all of them in --format json)")
    return snapshot


def require_repositories(snapshot: Snapshot, names: Sequence[str]) -> None:
    known = {r.name for r in snapshot.repositories}
    for name in names:
        if name not in known:
            raise UsageError(
                f"no repository {name!r} in {snapshot.registry}",
                hint="`imagekit registry usage` lists the repositories",
            )


def registry_options(function: Any) -> Any:
    for decorator in reversed(
        (
            click.option("--insecure", is_flag=True, help="Reach the registry over plain HTTP."),
            click.option(
                "--ca-cert",
                type=click.Path(dir_okay=False),
                help="Trust the CA certificates in this PEM file for the registry's HTTPS.",
            ),
            click.option(
                "--workers",
                type=int,
                default=8,
                show_default=True,
                help="Requests sent at once while reading the registry.",
            ),
        )
    ):
        function = decorator(function)
    return function


def add_commands(group: click.Group) -> None:
    from imagekit.cli.registry_gc import add_gc
    from imagekit.cli.registry_prune import add_prune

    @group.command()
    @click.argument("registry", required=False)
    @click.option(
        "--repository",
        "repositories",
        multiple=True,
        metavar="NAME",
        help="Show only this repository (repeatable); unique bytes are still the registry's.",
    )
    @registry_options
    @format_option(("table", "json", "markdown"), "table")
    @click.pass_context
    def usage(
        ctx: click.Context,
        registry: str | None,
        repositories: tuple[str, ...],
        insecure: bool,
        ca_cert: str | None,
        workers: int,
        fmt: str,
    ) -> None:
        """Storage of REGISTRY (default: the embedded registry): the total with each blob
        counted once, per repository the bytes it references, holds alone and shares, per
        tag its size, created time and what it alone holds. Manifests and configs are
        cached on disk, so a second run reads only tag lists and HEADs."""
        from imagekit.report.usage import select, usage
        from imagekit.report.usagerender import render_usage

        config = config_of(ctx)
        address, ca = resolve_registry(config, registry)
        walker = make_walker(
            config, address, insecure=insecure, ca_cert=ca_cert or ca, workers=workers
        )
        snapshot = read(walker)
        require_repositories(snapshot, repositories)
        found = usage(snapshot)
        if repositories:
            found = select(found, repositories)
        out(render_usage(found, fmt))

    add_prune(group)
    add_gc(group)


def ledger_push_times(
    config: Config, registry: str, repositories: Sequence[str]
) -> dict[tuple[str, Digest], float]:
    """When the size ledger of the embedded registry recorded each (repository, digest)
    push; {} when ``registry`` is not the embedded one."""
    from imagekit.cli.sizes import ledger_for

    ledger = ledger_for(config, [registry], ledger=None, s3_endpoint=None)
    if ledger is None:
        return {}
    times: dict[tuple[str, Digest], float] = {}
    for name in repositories:
        for record in ledger.records(registry, name, limit=None).records:
            times.setdefault((name, record.digest), record.time)
    return times


def now() -> float:
    return time.time()
