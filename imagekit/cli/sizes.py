"""The size commands of ``imagekit report`` (``compare``, ``history``), and the budget flags
(``--fail-on-growth``, ``--max-size``) that ``imagekit push`` takes too.

Budgets: :func:`budget_options` adds the two flags to a command, :func:`budget_from_flags`
turns their values into a :class:`~imagekit.report.budget.Budget` (UsageError for bad
ones). A command prints its report first, then one line per crossed limit on stderr, and
exits 1 (:class:`~imagekit.errors.PolicyFailure`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from imagekit.cli.common import (
    apply,
    err,
    format_option,
    insecure_registry_option,
    out,
    platform_option,
)
from imagekit.config import Config
from imagekit.errors import PolicyFailure, UsageError

if TYPE_CHECKING:
    import click

    from imagekit.registry.client import RegistryClient
    from imagekit.registry.push import PushResult
    from imagekit.report.budget import Budget
    from imagekit.report.ledger import Ledger
    from imagekit.report.previous import Before
    from imagekit.report.record import LedgerRecord
    from imagekit.report.sizereport import SizeReport

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "json", "markdown")


def budget_options() -> Callable[[F], F]:
    """``--fail-on-growth`` and ``--max-size``, stored as ``fail_on_growth`` and ``max_size``."""
    import click

    def decorate(function: F) -> F:
        return apply(
            function,
            click.option(
                "--fail-on-growth",
                metavar="P%,SIZE",
                help="Fail when an image grew by more than P percent or SIZE compressed bytes "
                "over the old one (either crossing fails; one alone is allowed).",
            ),
            click.option(
                "--max-size",
                metavar="SIZE",
                help="Fail when an image's compressed size (layers and config) is larger.",
            ),
        )

    return decorate


def budget_from_flags(fail_on_growth: str | None, max_size: str | None) -> Budget:
    """The budget the flags give, sizes parsed as the configuration parses them."""
    from imagekit.config.schema import parse_size
    from imagekit.report.budget import parse_budget

    return parse_budget(fail_on_growth, max_size, parse_size=parse_size)


def finish(report: SizeReport) -> int:
    """One stderr line per crossed limit; the exit code (1 when any was crossed)."""
    for crossing in report.crossings:
        err(PolicyFailure(crossing.message).format())
    return PolicyFailure.exit_code if report.crossings else 0


def _pairs(sources: Sequence[str]) -> list[tuple[str, str]]:
    if len(sources) % 2:
        raise UsageError(
            f"compare takes pairs of images, OLD NEW [OLD NEW ...]; got {len(sources)}",
            hint="name the old and the new image of each pair",
        )
    return [(sources[i], sources[i + 1]) for i in range(0, len(sources), 2)]


def run_compare(
    sources: Sequence[str],
    *,
    fmt: str,
    compute_compressed: bool,
    platform: str | None,
    insecure_registry: bool,
    fail_on_growth: str | None,
    max_size: str | None,
) -> int:
    """``imagekit report compare``: the report on stdout, crossed limits on stderr."""
    from imagekit.report.compare import compare_sources
    from imagekit.report.sizerender import render_size_report
    from imagekit.report.sizereport import size_report
    from imagekit.report.sources import parse_platform

    pairs = _pairs(sources)
    budget = budget_from_flags(fail_on_growth, max_size)
    deltas = compare_sources(
        pairs,
        compute_compressed=compute_compressed,
        platform=parse_platform(platform),
        insecure=insecure_registry,
    )
    report = size_report(deltas, budget)
    out(render_size_report(report, fmt))
    return finish(report)


def _repository(text: str) -> tuple[str, str, str | None]:
    """``HOST/REPO[:TAG]`` as (registry, repository, tag or None)."""
    from imagekit.registry.reference import parse

    reference = parse(text)
    if reference.digest is not None:
        raise UsageError(f"history {text!r}: name a repository (and a tag), not a digest")
    explicit = ":" in text.rpartition("/")[2]
    return reference.registry, reference.repository, reference.tag if explicit else None


def run_history(
    name: str,
    *,
    config: Config,
    ledger: str | None,
    s3_endpoint: str | None,
    limit: int,
    fmt: str,
    chart: Path | None,
) -> int:
    """``imagekit report history``: the trend on stdout, skipped records on stderr."""
    from imagekit.report.trend import render_history, trend_rows

    registry, repository, tag = _repository(name)
    store = ledger_for(config, [registry], ledger=ledger, s3_endpoint=s3_endpoint)
    if store is None:
        raise UsageError(
            f"history: {registry} is not the embedded registry, and no --ledger was given",
            hint="pass --ledger s3://BUCKET/PREFIX (and --s3-endpoint URL for a local S3)",
        )
    read = store.records(registry, repository, tag, limit + 1)  # one more: the first delta
    for warning in read.warnings:
        err(f"imagekit: warning: {warning}")
    rows = trend_rows(read.records, limit)
    if chart is not None:
        from imagekit.report.chart import draw_chart

        draw_chart(rows, chart)
        err(f"imagekit: wrote {chart}")
    out(render_history(rows, fmt, spark=sys.stdout.isatty()))
    return 0


def add_size_commands(group: click.Group) -> None:
    """Add ``compare`` and ``history`` to the ``report`` group."""
    import click

    @group.command()
    @click.argument("sources", nargs=-1, required=True, metavar="OLD NEW [OLD NEW ...]")
    @format_option(FORMATS, "table")
    @platform_option()
    @insecure_registry_option()
    @click.option(
        "--compute-compressed",
        is_flag=True,
        help="Measure compressed sizes by gzipping each layer, where the source has "
        "none (docker-daemon, docker-archive).",
    )
    @budget_options()
    def compare(sources: tuple[str, ...], **options: Any) -> None:
        """Size deltas from each OLD image to its NEW one, without pushing: one row per
        pair and a total.

        \b
        Sources: docker-daemon:NAME[:TAG] (or a bare NAME[:TAG]), docker-archive:PATH,
        oci:DIR[:TAG] or docker://HOST/REPO[:TAG|@DIGEST].

        Sizes are compressed (layer blobs and config, what a pull downloads). Layers are
        matched by blob digest (by diff ID when a source has no compressed blobs).
        Exit status: 0, 1 a budget crossed (the report is still printed; one line per
        crossed limit on stderr), 2 bad input.
        """
        raise click.exceptions.Exit(run_compare(sources, **options))

    @group.command()
    @click.argument("name", metavar="HOST/REPO[:TAG]")
    @click.option(
        "--ledger",
        metavar="s3://BUCKET/PREFIX",
        help="Where the size ledger is (default: the embedded registry's bucket).",
    )
    @click.option(
        "--s3-endpoint",
        metavar="URL",
        help="The S3 endpoint (default: AWS). Credentials come from boto3's usual chain "
        "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...).",
    )
    @click.option(
        "--limit",
        type=click.IntRange(1, 10_000),
        default=30,
        show_default=True,
        help="Show the newest N pushes.",
    )
    @format_option(FORMATS, "table")
    @click.option(
        "--chart",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE.svg|FILE.png",
        help="Also draw the compressed size over time (needs imagekit[charts]).",
    )
    def history(name: str, **options: Any) -> None:
        """The size trend of the repository HOST/REPO (of one TAG when given) from the size
        ledger: time, tag, digest, compressed size, change to the push before, commit and
        branch; on a terminal, a sparkline of the sizes. The ledger is --ledger, else the
        embedded registry's own when HOST is the embedded registry."""
        from imagekit.cli.common import config_of

        config = config_of(click.get_current_context())
        raise click.exceptions.Exit(run_history(name, config=config, **options))


#: Where the size ledger lives in the embedded registry's bucket (beside the registry's
#: own root directory, which garbage collection never leaves).
EMBEDDED_LEDGER_PREFIX = "imagekit/ledger"


def ledger_for(
    config: Config,
    registries: Sequence[str],
    *,
    ledger: str | None,
    s3_endpoint: str | None,
) -> Ledger | None:
    """The size ledger: ``--ledger s3://BUCKET/PREFIX`` (boto3's credentials, ``--s3-endpoint``
    for a local S3), else the embedded registry's bucket when every one of ``registries``
    is the embedded registry (Config.registry_dir), else None."""
    from imagekit.report.ledger import Ledger, parse_ledger_url, s3_client

    if ledger is not None:
        bucket, prefix = parse_ledger_url(ledger)
        return Ledger(s3_client(s3_endpoint), bucket, prefix)
    from imagekit.services import load

    embedded = load(Path(config.registry_dir))
    if embedded is None or not registries or any(r != embedded.address for r in registries):
        return None
    return Ledger(embedded.s3_client(), embedded.bucket, EMBEDDED_LEDGER_PREFIX)


class PushSizes:
    """The size report and ledger records of one ``imagekit push``.

    :meth:`read_before` runs before anything is sent (what each destination tag names,
    or ``--compare-to``); :meth:`after` makes the report, appends the ledger records and
    reads the trend back.
    """

    def __init__(
        self,
        config: Config,
        destinations: Sequence[str],
        *,
        compare_to: str | None,
        budget: Budget,
        ledger: Ledger | None,
        clock: Callable[[], float],
    ) -> None:
        from imagekit.registry.push import parse_destination

        self.config = config
        self.targets = [parse_destination(text) for text in destinations]
        self.compare_to = parse_destination(compare_to) if compare_to else None
        self.budget = budget
        self.ledger = ledger
        self.clock = clock
        self.befores: dict[str, Before | None] = {}
        self.old: Before | None = None
        self.keys: list[str] = []
        self.trends: list[list[LedgerRecord]] = []
        self.warnings: list[str] = []

    def read_before(self, client_for: Callable[[str], RegistryClient]) -> None:
        from imagekit.report.previous import read_before
        from imagekit.report.pushreport import tag_of

        for ref in self.targets:
            client = client_for(ref.registry)
            self.befores[str(tag_of(ref))] = read_before(client, ref.repository, ref.identifier)
        if self.compare_to is not None:
            ref = self.compare_to
            self.old = read_before(client_for(ref.registry), ref.repository, ref.identifier)
            if self.old is None:
                self.warnings.append(
                    f"--compare-to {ref}: the registry has no such image; sizes are shown "
                    "as a first push"
                )

    def after(self, result: PushResult) -> SizeReport:
        from imagekit.report.pushreport import push_deltas, push_records
        from imagekit.report.record import ci_revision
        from imagekit.report.sizereport import size_report

        report = size_report(push_deltas(result, self.befores, self.old), self.budget)
        if self.ledger is not None:
            commit, branch = ci_revision(self.config.ci_var)
            records = push_records(result, time=self.clock(), commit=commit, branch=branch)
            self.keys = [self.ledger.append(record) for record in records]
            for record in records:
                read = self.ledger.records(record.registry, record.repository, record.tag, 30)
                self.warnings.extend(read.warnings)
                self.trends.append(list(read.records))
        return report

    def to_dict(self, report: SizeReport) -> dict[str, Any]:
        """The keys ``imagekit push --format json`` adds to the push's own."""
        return {
            "size_report": report.to_dict(),
            "ledger": None if self.ledger is None else self.ledger.url,
            "trends": [[record.to_dict() for record in trend] for trend in self.trends],
        }
