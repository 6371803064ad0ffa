"""IK103 recursive-chown-after-copy: ``chown -R``/``chmod -R`` over files an earlier COPY added.

A recursive chown or chmod in a later RUN copies every file it touches into the new layer,
so a COPYed tree is stored twice. The path argument counts when it is where an earlier
COPY or ADD of the shipped stages put files, lies inside such a copied directory, or
contains it. Relative paths are resolved against WORKDIR (and ``cd`` in the same RUN).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, path_covers
from imagekit.lint.findings import Violation
from imagekit.lint.pathfacts import command_dirs, copy_targets, covers, has_glob, resolve, steps
from imagekit.lint.pathindex import Marks
from imagekit.lint.shellfacts import has_option, positionals

RULE = "IK103"

_MODE = re.compile(
    r"^(?:[0-7]{1,4}|[ugoa]*(?:[-+=][rwxXstugo]*)+(?:,[ugoa]*(?:[-+=][rwxXstugo]*)+)*)$"
)
_VALUE_OPTIONS = ("--from",)


class _Copied(NamedTuple):
    path: str
    keyword: str
    line: int


def check(ctx: Context) -> Iterator[Violation]:
    copied: list[_Copied] = []
    # Positions in `copied` by path: all of them, and those not copied to /.
    targets, trees = Marks(min), Marks(min)
    escape = ctx.dockerfile.escape
    for step in steps(ctx, ctx.shipped):
        instruction = step.instruction
        if instruction.keyword in ("COPY", "ADD"):
            line = ctx.dockerfile.span(instruction.start, instruction.start).line
            for p in copy_targets(step, escape):
                targets.add(p, len(copied))
                if p != "/":
                    trees.add(p, len(copied))
                copied.append(_Copied(p, instruction.keyword, line))
            continue
        if instruction.keyword != "RUN" or not copied:
            continue
        commands = ctx.commands(instruction)
        dirs = command_dirs(commands, step.workdir, step.home, step.env)
        for command, cwd in zip(commands, dirs, strict=True):
            if command.name not in ("chown", "chmod"):
                continue
            if not has_option(command, "-R", "--recursive"):
                continue
            setting, paths = _arguments(command)
            for raw in paths:
                path = resolve(raw, cwd, step.home, step.env)
                if path is None:
                    continue
                hit = _overlap(path, copied, targets, trees)
                if hit is not None:
                    yield ctx.on(RULE, command, _message(command, setting, path, hit))
                    break


def _arguments(command: Command) -> tuple[str | None, list[str]]:
    """The owner or mode being set (None with ``--reference``) and the paths."""
    args = positionals(command, _VALUE_OPTIONS)
    if any(a.startswith("--reference") for a in command.argv):
        return None, args
    if command.name == "chmod":
        # A mode such as -w looks like an option and is not among the positionals.
        if args and _MODE.match(args[0]):
            return args[0], args[1:]
        dashed = [a for a in command.argv if a.startswith("-") and _MODE.match(a)]
        return (dashed[0] if dashed else None), args
    return (args[0] if args else None), args[1:]


def _overlap(path: str, copied: list[_Copied], targets: Marks, trees: Marks) -> _Copied | None:
    """The first copy that ``path`` covers or lies inside (a COPY to / does not count)."""
    if has_glob(path):
        for c in copied:
            if covers(path, c.path):
                return c
            # Inside a copied tree; a COPY to / says nothing about what lies below it.
            if c.path != "/" and path_covers(c.path, path):
                return c
        return None
    found = [i for i in (targets.under(path), trees.over(path)) if i is not None]
    return copied[min(found)] if found else None


def _message(command: Command, setting: str | None, path: str, hit: _Copied) -> str:
    flag = "--chown" if command.name == "chown" else "--chmod"
    value = setting if setting is not None and not setting.startswith("-") else None
    suggestion = f"`{hit.keyword} {flag}={value}`" if value else f"`{hit.keyword} {flag}=...`"
    return (
        f"`{command.name} -R` on {path} rewrites the files the {hit.keyword} on line {hit.line} "
        f"put in {hit.path}: the new layer stores every one of them a second time; set "
        f"{'the owner' if command.name == 'chown' else 'the mode'} while copying with "
        f"{suggestion} instead"
    )
