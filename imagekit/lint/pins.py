"""Version pins on package-manager command lines, shared by the ``*-version-unpinned`` rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation


def unpinned_violations(
    ctx: Context,
    rule: str,
    unpinned: Callable[[Command], list[str]],
    message: str,
) -> Iterator[Violation]:
    """One finding per command of every stage that names packages without a version.

    ``unpinned(command)`` lists the command's unpinned packages (empty: not judged or all
    pinned). ``message`` is formatted with ``command`` (the command's name) and ``names``
    (the packages, each in backquotes, joined by commas).
    """
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                loose = unpinned(command)
                if loose:
                    names = ", ".join(f"`{name}`" for name in loose)
                    yield ctx.on(rule, command, message.format(command=command.name, names=names))
