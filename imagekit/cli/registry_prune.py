"""``imagekit registry prune``: a retention policy over one repository or all of them; a
dry run unless ``--yes``."""

from __future__ import annotations

import click

from imagekit.cli.common import config_of, err, format_option, out
from imagekit.errors import UsageError


def split_target(text: str) -> tuple[str | None, str]:
    """(registry or None, repository) of ``HOST[:PORT]/REPO`` or ``REPO``."""
    from imagekit.registry.reference import split_registry

    first, slash, _ = text.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return split_registry(text, text)
    return None, split_registry(f"registry.invalid/{text}", text)[1]


def add_prune(group: click.Group) -> None:
    from imagekit.cli.registry_cleanup import registry_options

    @group.command()
    @click.argument("repository", required=False, metavar="[HOST:PORT/]REPO")
    @click.option("--all", "every", is_flag=True, help="Apply the policy to every repository.")
    @click.option(
        "--keep-last",
        type=int,
        required=True,
        metavar="N",
        help="Keep the N newest tags of each repository (by the image's created time).",
    )
    @click.option(
        "--older-than",
        metavar="AGE",
        help="Delete only tags older than this (30d, 12h, 2w, 90m, 45s).",
    )
    @click.option(
        "--keep-tag",
        "keep_tags",
        multiple=True,
        metavar="GLOB",
        help="Keep tags matching this glob (repeatable), e.g. 'v*' or 'release-*'.",
    )
    @click.option(
        "--registry",
        "registry_option",
        metavar="HOST:PORT",
        help="The registry of --all or of a bare REPO (default: the embedded registry).",
    )
    @click.option("--yes", is_flag=True, help="Delete; without it nothing is deleted.")
    @registry_options
    @format_option(("table", "json", "markdown"), "table")
    @click.pass_context
    def prune(
        ctx: click.Context,
        repository: str | None,
        every: bool,
        keep_last: int,
        older_than: str | None,
        keep_tags: tuple[str, ...],
        registry_option: str | None,
        yes: bool,
        insecure: bool,
        ca_cert: str | None,
        workers: int,
        fmt: str,
    ) -> None:
        """Delete the tags a retention policy does not keep, in REPO or (--all) every
        repository: the --keep-last newest, those matching --keep-tag, those younger than
        --older-than, and any tag naming a kept digest stay. A dry run lists what would go
        and the bytes it would free (shared layers not counted); --yes deletes the
        manifests through the registry API. `imagekit registry gc` then frees the space."""
        from imagekit.cli.registry_cleanup import (
            ledger_push_times,
            make_walker,
            now,
            read,
            require_repositories,
            resolve_registry,
        )
        from imagekit.report.prune import agreed, carry_out, render_plan
        from imagekit.report.retention import Policy, parse_age, parse_created, plan
        from imagekit.report.usage import usage

        if every == (repository is not None):
            raise UsageError(
                "name one REPO or give --all", hint="e.g. prune team/app --keep-last 5"
            )
        if keep_last == 0 and not yes:
            raise UsageError(
                "--keep-last 0 keeps no tag by count: it needs --yes to be meant",
                hint="preview with --keep-last 1, or add --older-than or --keep-tag and --yes",
            )
        policy = Policy(keep_last, parse_age(older_than) if older_than else None, keep_tags)
        given, name = split_target(repository) if repository else (None, "")
        if given and registry_option and given != registry_option:
            raise UsageError(f"{repository} is on {given}, not on --registry {registry_option}")
        config = config_of(ctx)
        address, ca = resolve_registry(config, given or registry_option)
        walker = make_walker(
            config, address, insecure=insecure, ca_cert=ca_cert or ca, workers=workers
        )
        snapshot = read(walker)
        targets = [name] if name else [r.name for r in snapshot.repositories]
        require_repositories(snapshot, targets)
        found = usage(snapshot)
        moment = now()
        undated = any(
            parse_created(t.created) is None
            for r in found.repositories
            if r.name in targets
            for t in r.tags
        )
        pushed = ledger_push_times(config, address, targets) if undated else {}
        planned = plan(snapshot, found, policy, targets, now=moment, pushed=pushed)
        if not yes or not planned.deletions:
            out(render_plan(planned, fmt))
            return
        concerned = sorted({d.repository for d in planned.deletions})
        fresh_snapshot = read(walker, concerned)
        fresh = plan(
            fresh_snapshot, usage(fresh_snapshot), policy, concerned, now=moment, pushed=pushed
        )
        deletions, skipped = agreed(planned, fresh)
        result = carry_out(
            walker.client, deletions, skipped, progress=lambda line: err(f"imagekit: {line}")
        )
        out(render_plan(planned, fmt, result))
        if result.deleted:
            err("imagekit: the space comes back with `imagekit registry gc`")
        if result.errors:
            from imagekit.errors import RegistryError

            first = result.errors[0]
            raise RegistryError(
                f"{len(result.errors)} deletes failed; the first: {first.where}: {first.message}"
            )
