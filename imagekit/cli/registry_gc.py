"""``imagekit registry gc``: distribution's garbage collection on the embedded registry,
while it serves read-only, with the bytes reclaimed measured in its bucket."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from imagekit.cli.common import config_of, err, format_option, out
from imagekit.errors import UsageError

if TYPE_CHECKING:
    from imagekit.config import Config
    from imagekit.registry.snapshot import Snapshot
    from imagekit.services.maintenance import GcResult, Guard


def index_children(snapshot: Snapshot) -> set[tuple[str, str]]:
    """(repository, digest) of every manifest a tagged index of that repository reaches."""
    found: set[tuple[str, str]] = set()
    for tag in snapshot.tags:
        for node in snapshot.reach(tag.digest):
            if node.digest != tag.digest:
                found.add((tag.repository, str(node.digest)))
    return found


def render_gc(result: GcResult, fmt: str) -> str:
    from imagekit.report.sizes import human_size

    if fmt == "json":
        document = {
            "dry_run": result.dry_run,
            "delete_untagged": result.delete_untagged,
            "before": {"blobs": result.before.count, "bytes": result.before.total},
            "after": {"blobs": result.after.count, "bytes": result.after.total},
            "reclaimed_bytes": result.reclaimed_bytes,
            "reclaimed_blobs": result.reclaimed_blobs,
            "eligible_blobs": len(result.eligible),
            "eligible_bytes": result.eligible_bytes,
            "manifests_deleted": result.manifests_deleted,
            "abandoned_uploads": {
                "count": result.uploads.count,
                "bytes": result.uploads.bytes,
            },
            "seconds": round(result.seconds, 3),
            "log": str(result.log),
        }
        return json.dumps(document, indent=2) + "\n"
    uploads = (
        f"; {result.uploads.count} abandoned uploads ({human_size(result.uploads.bytes)})"
        if result.uploads.count
        else ""
    )
    if result.dry_run:
        return (
            f"would delete {len(result.eligible)} blobs, {human_size(result.eligible_bytes)} "
            f"of the {human_size(result.before.total)} in {result.before.count} blobs stored"
            f"{uploads} (a dry run; add --yes to collect; details in {result.log})\n"
        )
    return (
        f"reclaimed {human_size(result.reclaimed_bytes)} in {result.reclaimed_blobs} blobs: "
        f"{human_size(result.before.total)} in {result.before.count} blobs before, "
        f"{human_size(result.after.total)} in {result.after.count} after, measured in the "
        f"bucket ({result.manifests_deleted} untagged manifests deleted{uploads}, "
        f"{result.seconds:.1f}s; details in {result.log})\n"
    )


def add_gc(group: click.Group) -> None:
    @group.command()
    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        help="The embedded registry's data directory (default: IMAGEKIT_REGISTRY_DIR, else "
        "~/.local/share/imagekit/registry).",
    )
    @click.option(
        "--registry",
        "registry_option",
        metavar="HOST:PORT",
        help="Check that this is the embedded registry's address before collecting.",
    )
    @click.option(
        "--delete-untagged",
        is_flag=True,
        help="Delete untagged manifests too (those a moved tag left behind), and their blobs.",
    )
    @click.option("--yes", is_flag=True, help="Collect; without it, a dry run.")
    @format_option(("text", "json"), "text")
    @click.pass_context
    def gc(
        ctx: click.Context,
        data_dir: str | None,
        registry_option: str | None,
        delete_untagged: bool,
        yes: bool,
        fmt: str,
    ) -> None:
        """Collect the embedded registry's garbage with distribution's own
        `garbage-collect`: the registry is restarted read-only (pulls keep working), the
        blobs no manifest references are deleted, the registry comes back in normal mode,
        and the bytes reclaimed are measured in the bucket. Without --yes, a dry run."""
        from imagekit.services.maintenance import collect_garbage, running

        config = config_of(ctx)
        root = Path(data_dir or config.registry_dir)
        registry = running(root)
        if registry_option and registry_option != registry.address:
            raise UsageError(
                f"{registry_option} is not the embedded registry (the one from {root} serves "
                f"{registry.address}); gc works only on the embedded registry",
                hint="for another registry run `registry garbage-collect CONFIG` on its host",
            )
        guard = None
        if delete_untagged and yes:
            guard = _guard(config, registry.address, str(registry.ca_cert or "") or None)
        result = collect_garbage(
            root,
            delete_untagged=delete_untagged,
            dry_run=not yes,
            guard=guard,
            progress=lambda line: err(f"imagekit: {line}"),
        )
        out(render_gc(result, fmt))


def _guard(config: Config, address: str, ca_cert: str | None) -> Guard:
    """Refuses a ``--delete-untagged`` run that would delete the platform manifests of a
    tagged index (distribution 2.8 takes them for untagged): read while read-only."""

    def check(candidates: Sequence[tuple[str, str]]) -> None:
        from imagekit.cli.registry_cleanup import make_walker, read

        if not candidates:
            return
        walker = make_walker(config, address, insecure=False, ca_cert=ca_cert, workers=8)
        protected = index_children(read(walker))
        hit = [c for c in candidates if c in protected]
        if hit:
            repository, digest = hit[0]
            raise UsageError(
                f"--delete-untagged would delete {len(hit)} platform manifests of tagged "
                f"multi-platform images, e.g. {repository}@{digest}: distribution 2.8 counts "
                "an index's children as untagged (distribution issue 3004); nothing was deleted",
                hint="run `imagekit registry gc --yes` without --delete-untagged",
            )

    return check
