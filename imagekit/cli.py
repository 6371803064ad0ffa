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

click itself is imported only when a command needs it: ``imagekit lint`` runs from
pre-commit once per file, so its common invocations are parsed from the option table
below without loading click (or table, YAML, docker or AWS libraries). Anything the
small parser does not understand (``--help``, a bad value) goes to click, which
reports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from imagekit.config import Config, from_env
from imagekit.errors import ImagekitError, InputError, InternalError, PolicyFailure, UsageError
from imagekit.lint.formats import FORMATS

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from imagekit.catalog import Severity

_SEVERITY_NAMES = ("error", "warning", "info", "style")
_INTERRUPTED = 130


class _Option(NamedTuple):
    name: str
    dest: str
    help: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    flag: bool = False
    metavar: str | None = None
    directory: bool = False


#: The options of ``imagekit lint``: one table for click and for the fast parser.
LINT_OPTIONS = (
    _Option("--format", "fmt", "Output format.", choices=FORMATS, default="tty"),
    _Option("--target", "target", "Lint as if building this stage.", metavar="NAME"),
    _Option(
        "--context",
        "context",
        "Build context directory (where .dockerignore is looked for).",
        directory=True,
        metavar="DIR",
    ),
    _Option(
        "--failure-threshold",
        "failure_threshold",
        "Exit 1 when a finding has this severity or a higher one.",
        choices=(*_SEVERITY_NAMES, "none"),
        default="warning",
    ),
    _Option("--no-color", "no_color", "Never colour the output.", flag=True),
)


def _report(exc: BaseException, config: Config) -> int:
    """Write one line about ``exc`` to stderr and return its exit code."""
    click = sys.modules.get("click")
    if isinstance(exc, ImagekitError):
        _err(exc.format())
        return exc.exit_code
    if click is not None and isinstance(exc, click.ClickException):
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if isinstance(ctx, click.Context) else "imagekit"
        _err(UsageError(message, hint=f"see `{command} --help`").format())
        return UsageError.exit_code
    if isinstance(exc, KeyboardInterrupt) or (click is not None and isinstance(exc, click.Abort)):
        _err("imagekit: interrupted")
        return _INTERRUPTED
    if config.debug:
        raise exc
    detail = " ".join(str(exc).split())
    _err(f"imagekit: internal error: {type(exc).__name__}: {detail}")
    return InternalError.exit_code


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


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


def run_lint(
    paths: Sequence[str],
    *,
    fmt: str,
    target: str | None,
    context: Path | None,
    failure_threshold: str,
    no_color: bool,
    config: Config,
) -> int:
    """Lint, print findings on stdout and unreadable inputs on stderr, return the exit code."""
    from imagekit.lint.engine import LintOptions, lint_paths
    from imagekit.lint.output import render

    color = sys.stdout.isatty() and not config.no_color and not no_color
    result = lint_paths(paths, LintOptions(target=target, context=context), sys.stdin.buffer)
    output = render(result.findings, fmt, color, files=result.files)
    if output:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")
        sys.stdout.flush()
    for line in result.errors:
        _err(line if line.startswith("imagekit:") else InputError(line).format())
    return lint_exit_code(result.findings, result.errors, failure_threshold)


def _fast_lint_args(args: Sequence[str]) -> dict[str, Any] | None:
    """Parse ``imagekit lint`` arguments from LINT_OPTIONS; None when click should handle them."""
    by_name = {o.name: o for o in LINT_OPTIONS}
    values: dict[str, Any] = {o.dest: (False if o.flag else o.default) for o in LINT_OPTIONS}
    paths: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            paths.extend(args[i:])
            break
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=")
        option = by_name.get(name)
        if option is None:
            return None
        if option.flag:
            if eq:
                return None
            values[option.dest] = True
            continue
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if option.choices and value not in option.choices:
            return None
        if option.directory:
            if not os.path.isdir(value):
                return None
            from pathlib import Path

            values[option.dest] = Path(value)
        else:
            values[option.dest] = value
    if not paths:
        return None
    values["paths"] = tuple(paths)
    return values


def build_cli() -> click.Group:
    """The click application (imports click)."""
    from pathlib import Path

    import click

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
    @click.version_option(
        package_name="imagekit", prog_name="imagekit", message="%(prog)s %(version)s"
    )
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
        import json

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
        import json

        from imagekit.catalog import explain_text, load_catalog

        found = load_catalog().lookup(rule)
        if fmt == "json":
            click.echo(json.dumps(found.to_dict(), indent=2))
        else:
            click.echo(explain_text(found), nl=False)

    def lint_options(function: Any) -> Any:
        for option in reversed(LINT_OPTIONS):
            if option.flag:
                decorator = click.option(option.name, option.dest, is_flag=True, help=option.help)
            else:
                kind: Any = None
                if option.choices:
                    kind = click.Choice(list(option.choices))
                elif option.directory:
                    kind = click.Path(exists=True, file_okay=False, path_type=Path)
                decorator = click.option(
                    option.name,
                    option.dest,
                    type=kind,
                    default=option.default,
                    show_default=option.default is not None,
                    metavar=option.metavar,
                    help=option.help,
                )
            function = decorator(function)
        return function

    @cli.command()
    @click.argument("paths", nargs=-1, required=True)
    @lint_options
    @click.pass_context
    def lint(ctx: click.Context, /, paths: tuple[str, ...], **options: Any) -> None:
        """Lint Dockerfiles. PATHS are files or directories; `-` reads standard input.

        Exit status: 0 clean, 1 findings at or above the failure threshold,
        2 a file could not be read or parsed (IK001).
        """
        config = ctx.obj if isinstance(ctx.obj, Config) else from_env(os.environ)
        ctx.exit(run_lint(paths, config=config, **options))

    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":
        return build_cli()
    raise AttributeError(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``imagekit`` script: run the CLI and return the exit code."""
    config = from_env(os.environ)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["lint"]:
            fast = _fast_lint_args(args[1:])
            if fast is not None:
                return run_lint(fast.pop("paths"), config=config, **fast)
        import click

        try:
            result = build_cli().main(args=args, prog_name="imagekit", standalone_mode=False)
        except click.exceptions.Exit as exc:
            return exc.exit_code
        return result if isinstance(result, int) else 0
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return _report(exc, config)


if __name__ == "__main__":
    sys.exit(main())
