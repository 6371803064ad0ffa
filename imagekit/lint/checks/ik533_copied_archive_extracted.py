"""IK533 copied-archive-extracted: a COPY of a local archive that a later RUN extracts.

The stages that end up in the target image are judged, in build order (a COPY in a parent
stage and the extraction in the shipped stage count together). An archive is a COPY source
named ``*.tar``, ``*.tar.gz``/``*.tgz``, ``*.tar.bz2``/``*.tbz2``, ``*.tar.xz``/``*.txz``,
``*.tar.zst`` or ``*.zip``; ``COPY --from`` and sources holding a variable are left alone.
An extraction is ``tar``/``bsdtar`` in extract mode (``-x``, ``xzf``, ``--extract``) or
``unzip`` (not ``-l``/``-t``/``-v``/``-z``/``-Z``), given a word whose file name is the
copied archive's name where it landed.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pathfacts import copy_sources

RULE = "IK533"
_TARS = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")
_ARCHIVES = (*_TARS, ".zip")


def check(ctx: Context) -> Iterator[Violation]:
    pending: dict[str, Instruction] = {}  # archive file name where it landed -> its COPY
    reported: set[int] = set()
    for stage in ctx.shipped:
        for instruction in stage.instructions:
            if instruction.keyword == "COPY":
                for name in _copied_archives(ctx, instruction):
                    pending[name] = instruction
            elif instruction.keyword == "RUN" and pending:
                for command in ctx.commands(instruction):
                    for name in _extracted(command, pending):
                        copy = pending.pop(name)
                        if copy.index in reported:
                            continue
                        reported.add(copy.index)
                        yield _finding(ctx, copy, instruction, name)


def _finding(ctx: Context, copy: Instruction, run: Instruction, name: str) -> Violation:
    line = ctx.dockerfile.span(run.start, run.end).line
    if name.lower().endswith(_TARS):
        fix = f"use `ADD {name} <dir>/`, which unpacks a local tar without keeping it"
    else:
        fix = "extract it in a RUN with `--mount=type=bind,source=...` instead of copying it"
    return ctx.at(
        RULE,
        copy,
        f"COPY brings in `{name}` and the RUN on line {line} extracts it: the COPY layer keeps "
        f"the archive, so the image carries it and its contents; {fix}",
    )


def _copied_archives(ctx: Context, instruction: Instruction) -> list[str]:
    """File names the archives of a local COPY have where they land."""
    if instruction.heredocs or instruction.flag("from") is not None:
        return []
    parsed = copy_sources(instruction, ctx.dockerfile.escape)
    if parsed is None:
        return []
    sources, dest = parsed
    archives = [s for s in sources if "$" not in s and s.lower().endswith(_ARCHIVES)]
    if not archives:
        return []
    into_dir = dest.endswith(("/", "/.")) or dest in (".", "./") or len(sources) > 1
    if into_dir or "$" in dest:
        return [posixpath.basename(s) for s in archives]
    return [posixpath.basename(dest)]


def _extracted(command: Command, pending: dict[str, Instruction]) -> list[str]:
    """Names in ``pending`` that ``command`` extracts."""
    if command.name in ("tar", "bsdtar"):
        if not _tar_extracts(command.argv):
            return []
    elif command.name != "unzip" or _unzip_only_reads(command.argv):
        return []
    found: list[str] = []
    for arg in command.argv:
        value = arg.partition("=")[2] if arg.startswith("--file=") else arg
        name = posixpath.basename(value.strip("'\""))
        if name in pending and name not in found:
            found.append(name)
    return found


def _unzip_only_reads(argv: tuple[str, ...]) -> bool:
    """``unzip -l``/``-t``/``-v``/``-z``/``-Z`` list, test or show comments: nothing lands."""
    for arg in argv:
        if not arg.startswith("-") or arg.startswith(("--", "-d", "-x")):
            continue  # -d DIR and -x FILES take values
        if set(arg[1:]) & set("ltvzZ"):
            return True
    return False


def _tar_extracts(argv: tuple[str, ...]) -> bool:
    if not argv:
        return False
    first = argv[0]
    if not first.startswith("-") and "x" in first:
        return True  # old-style bundle: tar xzf FILE
    for arg in argv:
        if arg == "--":
            break
        if arg in ("--extract", "--get"):
            return True
        if arg.startswith("-") and not arg.startswith("--") and "x" in arg[1:]:
            return True
    return False
