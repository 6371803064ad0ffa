"""``imagekit inspect`` and ``imagekit diff``: where an image's bytes come from, and what
changed between two images."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import (
    apply,
    err,
    format_option,
    insecure_registry_option,
    platform_option,
)
from imagekit.errors import ConfigError, PolicyFailure, UsageError

if TYPE_CHECKING:
    import click

    from imagekit.report.gate import Limits

REPORT_FORMATS = ("table", "json", "markdown")


def _inspect_limits(
    flags: dict[str, str | None], config_path: str | None, isolated: bool
) -> Limits:
    """The gate's limits: the flags over the ``inspect`` section of the configuration file
    (``--config FILE``, else the one found from the current directory upward)."""
    from imagekit.config import files, schema
    from imagekit.report.gate import Limit, Limits

    settings = schema.InspectSettings()
    path = config_path if config_path is not None else None if isolated else files.find(".")
    if path is not None:
        if not os.path.isfile(path):
            raise ConfigError(f"configuration file {path} not found")
        project, problems = schema.validate(files.read(path))
        if problems:
            more = len(problems) - 1
            extra = f" ({more} more; `imagekit validate-config {path}` lists all)" if more else ""
            raise ConfigError(f"{problems[0]}{extra}")
        settings = project.inspect
    lines = dict(settings.lines)
    parsers: dict[str, Callable[[str], float]] = {
        "max-size": schema.parse_size,
        "max-wasted-bytes": schema.parse_size,
        "max-wasted-percent": lambda v: schema.parse_fraction(v, 0, 100, percent=True),
        "min-efficiency": lambda v: schema.parse_fraction(v, 0, 1),
    }
    limits: dict[str, Limit | None] = {}
    for key, parse in parsers.items():
        flag = flags.get(key)
        field = key.replace("-", "_")
        if flag is not None:
            try:
                limits[field] = Limit(parse(flag), f"--{key}")
            except ValueError as exc:
                raise UsageError(f"--{key}: {exc}") from None
        else:
            value = getattr(settings, field)
            where = f"{path}:{lines.get(key, 1)}"
            limits[field] = None if value is None else Limit(value, where)
    return Limits(**limits)


def run_inspect(
    source: str,
    *,
    fmt: str,
    files: bool,
    base: str | None,
    compute_compressed: bool,
    platform: str | None,
    insecure_registry: bool,
    limits: dict[str, str | None],
    config_path: str | None,
    isolated: bool,
) -> int:
    """``imagekit inspect``: the report on stdout, crossed limits on stderr; the exit code."""
    from imagekit.analyze import analyze
    from imagekit.report.gate import check
    from imagekit.report.inspect import render_inspect
    from imagekit.report.sources import open_source, parse_platform, resolve_base

    gate = _inspect_limits(limits, config_path, isolated)
    wanted = parse_platform(platform)
    image = open_source(source, platform=wanted, insecure=insecure_registry)
    try:
        count = resolve_base(image, base, platform=wanted, insecure=insecure_registry)
        analysis = analyze(image, base=count, files=files, compute_compressed=compute_compressed)
    finally:
        image.close()
    crossings = check(analysis, gate)
    sys.stdout.write(render_inspect(analysis, fmt, crossings if gate.any else None))
    sys.stdout.flush()
    for crossing in crossings:
        err(PolicyFailure(crossing.message).format())
    return PolicyFailure.exit_code if crossings else 0


def run_diff(
    old: str,
    new: str,
    *,
    fmt: str,
    compute_compressed: bool,
    platform: str | None,
    insecure_registry: bool,
) -> int:
    """``imagekit diff``: what changed from OLD to NEW, on stdout."""
    from imagekit.analyze import analyze, diff
    from imagekit.report.diff import render_diff
    from imagekit.report.sources import open_source, parse_platform

    wanted = parse_platform(platform)
    analyses = []
    for source in (old, new):
        image = open_source(source, platform=wanted, insecure=insecure_registry)
        try:
            analyses.append(
                analyze(image, compute_compressed=compute_compressed, duplicate_min_size=None)
            )
        finally:
            image.close()
    sys.stdout.write(render_diff(diff(analyses[0], analyses[1]), fmt))
    sys.stdout.flush()
    return 0


def register(cli: click.Group) -> None:
    """Add ``inspect`` and ``diff`` to ``cli``."""
    import click

    report_format = format_option(REPORT_FORMATS, "table")

    def with_source_options(function: Any) -> Any:
        return apply(
            function,
            platform_option(),
            insecure_registry_option(),
            click.option(
                "--compute-compressed",
                is_flag=True,
                help="Measure compressed sizes by gzipping each layer, where the source has "
                "none (docker-daemon, docker-archive).",
            ),
        )

    @cli.command()
    @click.argument("source")
    @report_format
    @click.option(
        "--files", is_flag=True, help="List the files each layer adds, changes and removes."
    )
    @click.option(
        "--base",
        metavar="N|IMAGE",
        help="Leave the base image out of waste and findings: its first N layers, or the "
        "layers IMAGE (a source like SOURCE) shares with it.",
    )
    @with_source_options
    @click.option(
        "--max-size",
        metavar="SIZE",
        help="Fail when the image is larger (compressed where known, else uncompressed).",
    )
    @click.option("--max-wasted-bytes", metavar="SIZE", help="Fail when more bytes are wasted.")
    @click.option(
        "--max-wasted-percent",
        metavar="P",
        help="Fail when more than P% of all content bytes written are wasted.",
    )
    @click.option("--min-efficiency", metavar="E", help="Fail when efficiency (0..1) is lower.")
    @click.option(
        "--config",
        "config_path",
        metavar="FILE",
        help="Read the limits from this file instead of looking for .imagekit.yaml.",
    )
    @click.option("--isolated", is_flag=True, help="Ignore configuration files.")
    def inspect(
        source: str,
        max_size: str | None,
        max_wasted_bytes: str | None,
        max_wasted_percent: str | None,
        min_efficiency: str | None,
        **options: Any,
    ) -> None:
        """Show where every byte of the image SOURCE comes from.

        \b
        SOURCE: docker-daemon:NAME[:TAG] (or a bare NAME[:TAG]), docker-archive:PATH,
        oci:DIR[:TAG] or docker://HOST/REPO[:TAG|@DIGEST].

        Sizes (--max-size, --max-wasted-bytes) are bytes, or a number with kB, MB, GB
        (1000) or KiB, MiB, GiB (1024). Limits are also read from the `inspect:` section
        of .imagekit.yaml; flags win. Exit status: 0 within the limits, 1 a limit crossed
        (the report is still printed; one line per crossed limit on stderr), 2 bad input.
        """
        limits = {
            "max-size": max_size,
            "max-wasted-bytes": max_wasted_bytes,
            "max-wasted-percent": max_wasted_percent,
            "min-efficiency": min_efficiency,
        }
        raise click.exceptions.Exit(run_inspect(source, limits=limits, **options))

    @cli.command()
    @click.argument("old")
    @click.argument("new")
    @report_format
    @with_source_options
    def diff(old: str, new: str, **options: Any) -> None:
        """Compare the images OLD and NEW: size change, layers shared, added and removed
        (matched by diff ID), and the files added, removed, grown and shrunk the most."""
        raise click.exceptions.Exit(run_diff(old, new, **options))
