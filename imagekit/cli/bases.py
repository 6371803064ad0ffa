"""``imagekit build base [NAME...]``: the shared base images of ``baseimages/*.yaml``.

The definitions are validated first (every problem with its line, as ``imagekit
validate-config`` shows them); then :class:`~imagekit.build.bases.BaseBuilder` builds them
in dependency order, skipping the unchanged ones; with ``--push PREFIX`` each base goes to
``PREFIX/NAME:TAG`` for each of its tags, with the size report. stdout: one line per base
(or with ``--format json`` a list of summaries); progress and findings on stderr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import config_of, err, format_option, out
from imagekit.config import Config
from imagekit.errors import ConfigError, UsageError

if TYPE_CHECKING:
    import click

    from imagekit.build.basedef import BaseDefinition
    from imagekit.build.bases import BaseResult
    from imagekit.build.dockerbuild import Engine
    from imagekit.cli.buildpush import Pushed


def engine_of(config: Config) -> Engine:
    """The engine builds go to (DOCKER_HOST), and the environment of its docker CLI."""
    from imagekit.build.dockerbuild import Engine

    env = {"PATH": config.path, "DOCKER_CONFIG": config.docker_config}
    if config.docker_host:
        env["DOCKER_HOST"] = config.docker_host
    return Engine(base_url=config.docker_host or None, cli_env=env)


def load_definitions(directory: str) -> list[BaseDefinition]:
    """The definitions of ``directory``; ConfigError on the first problem (and how many more)."""
    from imagekit.build.basedef import BaseDefinition
    from imagekit.config.baseimages import check_paths, definition_files, read_base

    if not os.path.isdir(directory):
        raise UsageError(f"--dir {directory}: no such directory")
    paths = definition_files(directory)
    if not paths:
        raise UsageError(f"{directory}: no base definitions (*.yaml) found")
    _, problems = check_paths(paths)
    if problems:
        more = len(problems) - 1
        extra = f" ({more} more; `imagekit validate-config {directory}` lists all)" if more else ""
        raise ConfigError(f"{problems[0]}{extra}")
    definitions = []
    for path in paths:
        data, _ = read_base(path)
        assert data is not None
        definitions.append(BaseDefinition.from_mapping(data))
    return definitions


def _show_findings(results: Sequence[BaseResult]) -> None:
    for result in results:
        for f in result.findings:
            err(
                f"{f['file']}:{f['line']}:{f['column']}: {f['rule']} {f['severity']} "
                f"[{f['name']}] {f['message']}"
            )
        if result.action == "lint-failed" and result.dockerfile:
            err(f"the Dockerfile of base {result.name}:")
            for number, line in enumerate(result.dockerfile.splitlines(), start=1):
                err(f"  {number:3} {line}")


def _line(result: BaseResult) -> str:
    from imagekit.report.sizes import human_size

    size = human_size(result.size) if result.size is not None else "?"
    return (
        f"{result.name}\t{result.action}\t{result.reference}\t{result.image_id}\t"
        f"{size} compressed, {human_size(result.uncompressed_size)} uncompressed"
    )


def run_bases(
    config: Config,
    names: Sequence[str],
    *,
    directory: str,
    jobs: int,
    no_cache: bool,
    push: str | None,
    fmt: str,
    config_path: str | None,
    isolated: bool,
    insecure: bool,
) -> int:
    from imagekit.build.bases import BaseBuilder, BaseLintFailure, BaseOptions, select
    from imagekit.cli.build import source_date_epoch
    from imagekit.cli.gates import BaseGate, LintGate, SizeCache

    definitions = select(load_definitions(directory), names)
    if push is not None:
        _check_prefix(push)
    engine = engine_of(config)
    gate = BaseGate(LintGate(config_path, isolated), SizeCache(config.cache_dir, engine.base_url))
    options = BaseOptions(jobs=jobs, no_cache=no_cache, epoch=source_date_epoch(config))
    builder = BaseBuilder(engine, gate, options, on_line=err)
    try:
        results = builder.run(definitions)
    except BaseLintFailure as failure:
        _show_findings(failure.results)
        if fmt == "json":
            out(json.dumps([r.to_dict() for r in failure.results], indent=2))
        raise
    _show_findings([r for r in results if r.findings])
    pushed: dict[str, Pushed] = {}
    if push is not None:
        pushed = _push_all(config, results, definitions, push, insecure)
    if fmt == "json":
        out(json.dumps([_summary(r, pushed.get(r.name)) for r in results], indent=2))
    else:
        for result in results:
            out(_line(result))
    if pushed:
        from imagekit.report.sizerender import render_size_report
        from imagekit.report.sizereport import merge

        report = merge([p.report for p in pushed.values()])
        err(render_size_report(report, "table").rstrip("\n"))
    return 0


def _check_prefix(prefix: str) -> None:
    from imagekit.registry.push import parse_destination

    parse_destination(f"{prefix.rstrip('/')}/probe:tag")


def _summary(result: BaseResult, pushed: Pushed | None) -> dict[str, Any]:
    summary = result.to_dict()
    if pushed is not None:
        summary["push"] = pushed.to_dict()
        summary.update(pushed.extra)
    return summary


def _push_all(
    config: Config,
    results: Sequence[BaseResult],
    definitions: Sequence[BaseDefinition],
    prefix: str,
    insecure: bool,
) -> dict[str, Pushed]:
    from imagekit.cli.buildpush import PushOptions, push_engine_image

    by_name = {d.name: d for d in definitions}
    pushed: dict[str, Pushed] = {}
    for result in results:
        definition = by_name[result.name]
        tags = definition.render_tags(result.input_hash)
        destinations = [f"{prefix.rstrip('/')}/{definition.name}:{tag}" for tag in tags]
        err(f"pushing {result.reference} to {', '.join(destinations)}")
        pushed[result.name] = push_engine_image(
            config, result.reference, destinations, PushOptions(insecure=insecure)
        )
    return pushed


def add_base_commands(build: click.Group) -> None:
    """Add ``base`` (and ``dockerfile``) to the ``build`` group."""
    import click

    from imagekit.cli.dockerbuild import add_dockerfile_command

    @build.command(name="base")
    @click.argument("names", nargs=-1, metavar="[NAME...]")
    @click.option(
        "--dir",
        "directory",
        default="baseimages",
        show_default=True,
        metavar="DIR",
        help="Where the definitions (*.yaml) are.",
    )
    @click.option(
        "--jobs",
        type=click.IntRange(1, 64),
        default=2,
        show_default=True,
        help="Independent bases built at the same time.",
    )
    @click.option(
        "--push",
        metavar="PREFIX",
        help="Push each base to PREFIX/NAME:TAG (e.g. 127.0.0.1:5000/bases) for each of "
        "its tags, and print the size report.",
    )
    @click.option(
        "--no-cache",
        is_flag=True,
        help="Build every base again, without the engine's layer cache.",
    )
    @click.option("--config", "config_path", metavar="FILE", help="Lint under this configuration.")
    @click.option("--isolated", is_flag=True, help="Lint without configuration files.")
    @click.option("--insecure", is_flag=True, help="Plain HTTP for a registry not on loopback.")
    @format_option(("text", "json"), "text")
    @click.pass_context
    def base(ctx: click.Context, /, names: tuple[str, ...], **options: Any) -> None:
        """Build the shared base images of baseimages/*.yaml (NAMEs and what they are
        built on; all by default), in dependency order on the docker engine (DOCKER_HOST).

        \b
        A base lists packages (imagekit writes the Dockerfile: one RUN, no recommends,
        ca-certificates, lists and caches removed) or has a Dockerfile of its own. Every
        Dockerfile is linted first: findings at or above the failure threshold stop the
        build and are shown. A base whose inputs (definition, files, Dockerfile, parent
        image) are unchanged is skipped; tags carry the version and the input hash.
        A Dockerfile that needs BuildKit is built by /usr/bin/docker with DOCKER_BUILDKIT=1.

        \b
        stdout: NAME ACTION REFERENCE IMAGE-ID SIZES per base, or with --format json
        [{name, reference, digest, size, uncompressed_size, action, lint: {findings}},
        ...] (push and size_report added with --push, for `imagekit report pr`).
        Exit status: 0 built or skipped, 1 the lint gate stopped it, 2 a bad definition
        or usage, 3 a push failed, 4 a build failed.
        """
        code = run_bases(config_of(ctx), names, **options)
        if code:
            raise click.exceptions.Exit(code)

    add_dockerfile_command(build)
