"""IK527 wget-without-progress: ``wget`` in a RUN with its default progress output.

A wget command is fine when it sets ``--progress=...``, is quiet (``-q``, ``--quiet``, also
inside a bundle such as ``-qO-``), prints one line per file (``-nv``, ``--no-verbose``) or
sends its log to a file (``-o FILE``, ``-a FILE`` and their long forms). Short bundles are
read letter by letter until a letter that takes a value, so ``-O/tmp/quux`` is not quiet.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK527"
_QUIET_LONG = ("--progress", "--quiet", "--no-verbose", "--output-file", "--append-output")
_QUIET_SHORT = frozenset("qoa")
# Short options whose value follows (in the same word or the next one).
_VALUE_SHORT = frozenset("OoaetTwPUiBQlARDXIYe")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name == "wget" and not _quiet(command):
                    yield ctx.on(
                        RULE,
                        command,
                        "`wget` without a progress option prints a line of dots every few "
                        "kilobytes into the build log; add `--progress=dot:giga`, or `-nv` "
                        "or `-q`",
                    )


def _quiet(command: Command) -> bool:
    for arg in command.argv:
        if arg == "--":
            break
        if arg.startswith("--"):
            if any(arg == n or arg.startswith(n + "=") for n in _QUIET_LONG):
                return True
        elif arg == "-nv" or (_short_bundle(arg) and _short_quiet(arg[1:])):
            return True
    return False


def _short_bundle(arg: str) -> bool:
    """``-qO-`` and the like; ``-n`` starts two-letter options (``-nc``, ``-nd``) instead."""
    return arg.startswith("-") and len(arg) > 1 and not arg.startswith("-n")


def _short_quiet(bundle: str) -> bool:
    for letter in bundle:
        if letter in _QUIET_SHORT:
            return True
        if letter in _VALUE_SHORT:
            return False
    return False
