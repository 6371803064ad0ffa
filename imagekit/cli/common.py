"""What every command shares: the one place exceptions become exit codes, output helpers,
and the options several command groups take.

====  =====================================================================
0     success
1     policy failure: findings at or above the failure threshold, a size
      budget or an image limit crossed
2     usage error, unreadable input, invalid configuration, unparsable Dockerfile
3     registry error
4     build error
5     service error (the embedded S3 endpoint or registry)
6     publishing error (a pull-request comment or the size ledger)
70    internal error (a bug); IMAGEKIT_DEBUG=1 shows the traceback
130   interrupted
====  =====================================================================

click is imported only inside the helpers that need it: ``imagekit lint`` runs from
pre-commit once per file and reports its errors through :func:`report_error` without
loading click.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from imagekit.config import Config, from_env
from imagekit.errors import ImagekitError, InternalError, UsageError

if TYPE_CHECKING:
    import click

INTERRUPTED = 130
F = TypeVar("F", bound=Callable[..., Any])


def err(line: str) -> None:
    """One line on stderr, flushed."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def out(text: str) -> None:
    """``text`` on stdout, ending with one newline, flushed."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def report_error(exc: BaseException, config: Config) -> int:
    """Write one line about ``exc`` to stderr and return its exit code."""
    click = sys.modules.get("click")
    if isinstance(exc, ImagekitError):
        err(exc.format())
        return exc.exit_code
    if click is not None and isinstance(exc, click.ClickException):
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if isinstance(ctx, click.Context) else "imagekit"
        err(UsageError(message, hint=f"see `{command} --help`").format())
        return UsageError.exit_code
    if isinstance(exc, KeyboardInterrupt) or (click is not None and isinstance(exc, click.Abort)):
        err("imagekit: interrupted")
        return INTERRUPTED
    if config.debug:
        raise exc
    detail = " ".join(str(exc).split())
    err(f"imagekit: internal error: {type(exc).__name__}: {detail}")
    return InternalError.exit_code


def config_of(ctx: click.Context) -> Config:
    """The run's Config, made once by the top-level group."""
    found = ctx.find_object(Config)
    return found if found is not None else from_env(os.environ)


def group_class() -> type[click.Group]:
    """A click Group that maps errors raised by its commands to exit codes (also under
    ``CliRunner``), for the top-level group and every command group."""
    import click

    class ImagekitGroup(click.Group):
        def invoke(self, ctx: click.Context) -> Any:
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
                raise
            except Exception as exc:
                ctx.exit(report_error(exc, config_of(ctx)))

    return ImagekitGroup


def format_option(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    """``--format`` with ``choices``, stored as ``fmt``."""
    import click

    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def apply(function: F, *decorators: Callable[[F], F]) -> F:
    """``function`` with ``decorators`` applied as if written above it, first on top."""
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def platform_option() -> Callable[[F], F]:
    import click

    return click.option(
        "--platform",
        metavar="OS/ARCH[/VARIANT]",
        help="Pick this platform from a multi-platform image.",
    )


def insecure_registry_option() -> Callable[[F], F]:
    import click

    return click.option(
        "--insecure-registry",
        is_flag=True,
        help="Reach docker:// registries over plain HTTP (loopback addresses always are).",
    )
