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

    from imagekit.cli.gostart import EarlyGo

#: The command-group modules, in the order ``imagekit --help`` lists their commands, and
#: the top-level commands each registers (a test holds the two together).
GROUPS = {
    "lint": ("lint",),
    "catalog": ("explain", "rules", "validate-config"),
    "inspect": ("inspect", "diff"),
    "push": ("push",),
    "registry": ("registry",),
    "report": ("report",),
    "build": ("build",),
}


def groups_for(args: Sequence[str]) -> tuple[str, ...]:
    """The group modules a command line needs: the one that registers the command its
    first argument names, else all of them (help, version, a misspelt command)."""
    first = args[0] if args else ""
    for module, commands in GROUPS.items():
        if first in commands:
            return (module,)
    return tuple(GROUPS)


def build_cli(early: EarlyGo | None = None, groups: Sequence[str] = tuple(GROUPS)) -> click.Group:
    """The click application (imports click) with the command ``groups`` (all by default;
    :func:`groups_for` picks those a command line needs); ``early`` is a ``build go``
    compile started before it (:mod:`imagekit.cli.gostart`), for the command to adopt."""
    import click

    from imagekit.cli.common import group_class
    from imagekit.cli.gostart import META_KEY

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
        if early is not None:
            ctx.meta[META_KEY] = early
        if ctx.invoked_subcommand is None:
            click.echo(ctx.get_help(), err=True)
            ctx.exit(UsageError.exit_code)

    for name in groups:
        importlib.import_module(f"imagekit.cli.{name}").register(cli)
    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":
        return build_cli()
    raise AttributeError(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``imagekit`` script: run the CLI and return the exit code.

    Called without ``argv`` the process ends after this call: every object left is then
    frozen (:func:`gc.freeze`), so the interpreter's last collection does not walk them all
    for nothing (about 10 ms of a ``build go`` release). A caller's ``main(argv)`` keeps
    its collector as it was."""
    config = from_env(os.environ)
    args = list(sys.argv[1:] if argv is None else argv)
    early = None
    try:
        if args[:2] == ["build", "go"]:
            from imagekit.cli.gostart import start_early

            early = start_early(args[2:], config)
        if args[:1] == ["lint"]:
            from imagekit.cli.lint import fast_lint_args, run_fast_lint

            fast = fast_lint_args(args[1:])
            if fast is not None:
                return run_fast_lint(fast, config, exiting=argv is None)
        import click

        try:
            cli = build_cli(early, groups_for(args))
            result = cli.main(args=args, prog_name="imagekit", standalone_mode=False)
        except click.exceptions.Exit as exc:
            return exc.exit_code
        return result if isinstance(result, int) else 0
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return report_error(exc, config)
    finally:
        if early is not None:
            early.close()
        if argv is None:
            import gc

            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
