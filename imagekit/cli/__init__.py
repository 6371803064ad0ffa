"""The ``imagekit`` command line: a thin shell over the wings below it.

The only package that imports click. One module per command group registers its commands
(:data:`GROUPS`); :mod:`imagekit.cli.common` holds the one place exceptions become exit
codes (documented there and in the README), the output helpers and the shared options.

A plain ``imagekit lint FILE`` does not load click at all (:mod:`imagekit.cli.lint`).
Commands import their heavy libraries (docker, boto3, progress bars) inside their bodies,
so building the command tree stays cheap.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imagekit.cli.common import report_error
from imagekit.config import from_env
from imagekit.errors import UsageError

if TYPE_CHECKING:
    import click

#: The command-group modules, in the order ``imagekit --help`` lists their commands.
GROUPS = ("lint", "catalog", "inspect", "push", "registry", "report", "build")


def build_cli() -> click.Group:
    """The click application (imports click)."""
    import click

    from imagekit.cli.common import group_class

    @click.group(
        name="imagekit",
        cls=group_class(),
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

    for name in GROUPS:
        importlib.import_module(f"imagekit.cli.{name}").register(cli)
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
            from imagekit.cli.lint import fast_lint_args, run_fast_lint

            fast = fast_lint_args(args[1:])
            if fast is not None:
                return run_fast_lint(fast, config, exiting=argv is None)
        import click

        try:
            result = build_cli().main(args=args, prog_name="imagekit", standalone_mode=False)
        except click.exceptions.Exit as exc:
            return exc.exit_code
        return result if isinstance(result, int) else 0
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return report_error(exc, config)


if __name__ == "__main__":
    sys.exit(main())
