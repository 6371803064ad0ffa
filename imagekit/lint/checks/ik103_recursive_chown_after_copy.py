"""IK103 recursive-chown-after-copy: ``chown -R``/``chmod -R`` over files an earlier COPY added.

A recursive chown or chmod in a later RUN copies every file it touches into the new layer,
so a COPYed tree is stored twice. The path argument counts when it is where an earlier
COPY or ADD of the shipped stages put files, lies inside such a copied directory, or
contains it. Relative paths are resolved against WORKDIR (and ``cd`` in the same RUN).

The fix (unsafe) moves the change into the copy when the command targets exactly what one
COPY or ADD of the same stage put there, and nothing else copied overlaps it:
``chown -R U:G PATH`` becomes ``COPY --chown=U:G``, and ``chmod -R 0755 PATH`` becomes
``COPY --chmod=0755`` where the Dockerfile already needs BuildKit (``--chmod`` is
BuildKit's); the command leaves its RUN (the RUN goes when it was its only command). Unsafe
because files other instructions put there, and the target directory itself when it
existed before the copy, keep their owner and mode.
"""

import re
from collections.abc import Iterator
from typing import NamedTuple

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, path_covers
from imagekit.lint.findings import Edit, Fix, FixSafety, Violation
from imagekit.lint.pathfacts import (
    Step,
    command_dirs,
    copy_targets,
    covers,
    has_glob,
    resolve,
    steps,
)
from imagekit.lint.pathindex import Marks
from imagekit.lint.removal import remove_command
from imagekit.lint.shellfacts import has_option, positionals

RULE = "IK103"

# Patterns are compiled on first use (re caches them): the module loads for every file
# with a chown or chmod in it.
_MODE = r"^(?:[0-7]{1,4}|[ugoa]*(?:[-+=][rwxXstugo]*)+(?:,[ugoa]*(?:[-+=][rwxXstugo]*)+)*)$"
_VALUE_OPTIONS = ("--from",)


class _Copied(NamedTuple):
    path: str
    keyword: str
    line: int
    instruction: Instruction
    targets: int
    """How many places the instruction copied to."""


def check(ctx: Context) -> Iterator[Violation]:
    copied: list[_Copied] = []
    # Positions in `copied` by path: all of them, and those not copied to /.
    targets, trees = Marks(min), Marks(min)
    escape = ctx.dockerfile.escape
    for step in steps(ctx, ctx.shipped):
        instruction = step.instruction
        if instruction.keyword in ("COPY", "ADD"):
            line = ctx.dockerfile.span(instruction.start, instruction.start).line
            landed = copy_targets(step, escape)
            for p in landed:
                targets.add(p, len(copied))
                if p != "/":
                    trees.add(p, len(copied))
                copied.append(_Copied(p, instruction.keyword, line, instruction, len(landed)))
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
                    fix = move_fix(ctx, step, command, setting, path, hit, copied)
                    yield ctx.on(RULE, command, _message(command, setting, path, hit), fix)
                    break


def _arguments(command: Command) -> tuple[str | None, list[str]]:
    """The owner or mode being set (None with ``--reference``) and the paths."""
    args = positionals(command, _VALUE_OPTIONS)
    if any(a.startswith("--reference") for a in command.argv):
        return None, args
    if command.name == "chmod":
        # A mode such as -w looks like an option and is not among the positionals.
        if args and re.match(_MODE, args[0]):
            return args[0], args[1:]
        dashed = [a for a in command.argv if a.startswith("-") and re.match(_MODE, a)]
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


# The fix: move the change into the COPY ---------------------------------------------------

#: Options that change nothing about which files a recursive chown or chmod touches.
_HARMLESS = frozenset({"-R", "--recursive", "-v", "--verbose", "-c", "--changes", "-f"})
_HARMLESS_LETTERS = frozenset("Rvcf")
_OWNER = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$"
_OCTAL = r"^[0-7]{3,4}$"
#: Flags only BuildKit knows; a Dockerfile using one is built with BuildKit already.
_BUILDKIT_FLAGS = frozenset({"mount", "network", "security", "link", "chmod", "parents"})
_BUILDKIT_FLAGS |= {"exclude", "checksum", "keep-git-dir"}


def move_fix(
    ctx: Context,
    step: Step,
    command: Command,
    setting: str | None,
    path: str,
    hit: _Copied,
    copied: list[_Copied],
) -> Fix | None:
    """Set the owner or mode in the COPY and drop the command (see the module docstring)."""
    copy = hit.instruction
    if hit.path != path or hit.targets != 1 or setting is None:
        return None
    if ctx.dockerfile.stage_of(copy) is not step.stage:
        return None
    if any(
        c is not hit and (path_covers(path, c.path) or path_covers(c.path, path)) for c in copied
    ):
        return None
    if len(_arguments(command)[1]) != 1 or not _harmless_options(command):
        return None
    if command.name == "chown":
        flag = "chown"
        if not re.match(_OWNER, setting) or (":" not in setting and "." in setting):
            return None
    else:
        flag = "chmod"
        if not re.match(_OCTAL, setting) or not _needs_buildkit(ctx):
            return None
    if copy.flag(flag) is not None:
        return None
    removal = remove_command(ctx, step.instruction, command)
    if not removal:
        return None
    at = copy.line.source_offset(len(copy.keyword))
    edits = (Edit(at, at, f" --{flag}={setting}"), *removal)
    what = "owner" if flag == "chown" else "mode"
    return Fix(
        FixSafety.UNSAFE,
        f"set the {what} in the {copy.keyword} on line {hit.line} (`{copy.keyword} "
        f"--{flag}={setting}`) and drop `{command.name} -R` (unsafe: files that other "
        f"instructions put in {path}, and {path} itself if it existed before the "
        f"{copy.keyword}, keep their {what})",
        edits,
    )


def _harmless_options(command: Command) -> bool:
    for arg in command.argv:
        if arg == "--":
            return False
        if arg.startswith("--") and arg not in _HARMLESS:
            return False
        short = arg.startswith("-") and not arg.startswith("--") and len(arg) > 1
        if short and not _HARMLESS_LETTERS.issuperset(arg[1:]):
            return False
    return True


def _needs_buildkit(ctx: Context) -> bool:
    """True when the Dockerfile builds only with BuildKit: a ``# syntax=`` line, heredocs,
    or flags the classic builder does not know."""
    dockerfile = ctx.dockerfile
    if "syntax" in dockerfile.directives:
        return True
    return any(
        instruction.heredocs or any(f.name in _BUILDKIT_FLAGS for f in instruction.flags)
        for instruction in dockerfile.instructions
    )
