"""The ``imagekit`` command line.

The only module that imports click, and the one place where exceptions become exit codes:

====  =====================================================================
0     success
1     policy failure: findings at or above the failure threshold
2     usage error, unreadable input, invalid configuration, unparsable Dockerfile
3     registry error
4     build error
70    internal error (a bug); IMAGEKIT_DEBUG=1 shows the traceback
130   interrupted
====  =====================================================================

Commands import their dependencies inside their bodies so that ``imagekit lint`` starts
without loading table, YAML, docker or AWS libraries.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from imagekit.config import Config, from_env
from imagekit.errors import ImagekitError, InputError, InternalError, PolicyFailure, UsageError

if TYPE_CHECKING:
    from imagekit.catalog import Severity

_SEVERITY_NAMES = ("error", "warning", "info", "style")
_INTERRUPTED = 130


def _report(exc: BaseException, config: Config) -> int:
    """Write one line about ``exc`` to stderr and return its exit code."""
    if isinstance(exc, ImagekitError):
        click.echo(exc.format(), err=True)
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if isinstance(ctx, click.Context) else "imagekit"
        click.echo(UsageError(message, hint=f"see `{command} --help`").format(), err=True)
        return UsageError.exit_code
    if isinstance(exc, KeyboardInterrupt | click.Abort):
        click.echo("imagekit: interrupted", err=True)
        return _INTERRUPTED
    if config.debug:
        raise exc
    detail = " ".join(str(exc).split())
    click.echo(f"imagekit: internal error: {type(exc).__name__}: {detail}", err=True)
    return InternalError.exit_code


class _Group(click.Group):
    """Maps errors raised by a command to an exit code, also under ``CliRunner``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            config = ctx.obj if isinstance(ctx.obj, Config) else from_env(os.environ)
            ctx.exit(_report(exc, config))


@click.group(
    name="imagekit",
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="imagekit", prog_name="imagekit", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Make Docker images small."""
    ctx.obj = from_env(os.environ)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help(), err=True)
        ctx.exit(UsageError.exit_code)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def rules(fmt: str) -> None:
    """List the rules.

    Shows each rule's id, name, severity, category, summary and hadolint equivalents.
    """
    from imagekit.catalog import load_catalog, markdown_table

    catalog = load_catalog()
    if fmt == "json":
        click.echo(json.dumps([rule.to_dict() for rule in catalog], indent=2))
    elif fmt == "markdown":
        click.echo(markdown_table(catalog), nl=False)
    else:
        from tabulate import tabulate

        rows = [
            (r.id, r.name, r.severity.value, r.category, r.summary, ", ".join(r.hadolint))
            for r in catalog
        ]
        headers = ("id", "name", "severity", "category", "summary", "hadolint")
        click.echo(tabulate(rows, headers=headers, tablefmt="simple"))


@cli.command()
@click.argument("rule")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def explain(rule: str, fmt: str) -> None:
    """Explain RULE, given by id (IK201) or name (apt-lists-left)."""
    from imagekit.catalog import explain_text, load_catalog

    found = load_catalog().lookup(rule)
    if fmt == "json":
        click.echo(json.dumps(found.to_dict(), indent=2))
    else:
        click.echo(explain_text(found), nl=False)


class _FindingLike(Protocol):
    @property
    def rule(self) -> str: ...

    @property
    def severity(self) -> Severity: ...


def lint_exit_code(findings: Sequence[_FindingLike], errors: Sequence[str], threshold: str) -> int:
    """2 for unreadable inputs or unparsable files, 1 for findings at or above ``threshold``."""
    from imagekit.catalog import Severity

    if errors or any(f.rule == "IK001" for f in findings):
        return InputError.exit_code
    if threshold == "none":
        return 0
    floor = Severity.parse(threshold).rank
    if any(f.severity.rank >= floor for f in findings):
        return PolicyFailure.exit_code
    return 0


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tty", "json"]),
    default="tty",
    show_default=True,
    help="Output format.",
)
@click.option("--target", metavar="NAME", help="Lint as if building this stage.")
@click.option(
    "--context",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Build context directory (where .dockerignore is looked for).",
)
@click.option(
    "--failure-threshold",
    type=click.Choice([*_SEVERITY_NAMES, "none"]),
    default="warning",
    show_default=True,
    help="Exit 1 when a finding has this severity or a higher one.",
)
@click.option("--no-color", is_flag=True, help="Never colour the output.")
@click.pass_context
def lint(
    ctx: click.Context,
    paths: tuple[str, ...],
    fmt: str,
    target: str | None,
    context: Path | None,
    failure_threshold: str,
    no_color: bool,
) -> None:
    """Lint Dockerfiles. PATHS are files or directories; `-` reads standard input."""
    from imagekit.lint.engine import LintOptions, lint_paths
    from imagekit.lint.output import render

    config = ctx.obj if isinstance(ctx.obj, Config) else from_env(os.environ)
    color = sys.stdout.isatty() and not config.no_color and not no_color

    result = lint_paths(paths, LintOptions(target=target, context=context), sys.stdin.buffer)
    output = render(result.findings, fmt, color)
    if output:
        click.echo(output, nl=not output.endswith("\n"))
    for line in result.errors:
        click.echo(line if line.startswith("imagekit:") else InputError(line).format(), err=True)
    ctx.exit(lint_exit_code(result.findings, result.errors, failure_threshold))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``imagekit`` script: run the CLI and return the exit code."""
    config = from_env(os.environ)
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="imagekit",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return _report(exc, config)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
