"""IK533 copied-archive-extracted: a COPY of a local archive that a later RUN extracts.

The stages that end up in the target image are judged, in build order (a COPY in a parent
stage and the extraction in the shipped stage count together). An archive is a COPY source
named ``*.tar``, ``*.tar.gz``/``*.tgz``, ``*.tar.bz2``/``*.tbz2``, ``*.tar.xz``/``*.txz``,
``*.tar.zst`` or ``*.zip``; ``COPY --from`` and sources holding a variable are left alone.
An extraction is ``tar``/``bsdtar`` in extract mode (``-x``, ``xzf``, ``--extract``) or
``unzip`` (not ``-l``/``-t``/``-v``/``-z``/``-Z``), given a word whose file name is the
copied archive's name where it landed. A pipeline counts too: a reader given the archive
(``cat``, ``zcat``/``xzcat``/``bzcat``/``zstdcat``, ``gunzip -c``, ``gzip -dc``,
``xz -dc``, ``bzip2 -dc``, ``zstd -dc`` and the like) whose pipeline continues into a
``tar``/``bsdtar`` in extract mode that reads its standard input (no ``-f``, or ``-f -``).
A redirection such as ``tar -xf - < app.tar`` is not seen: the shell model keeps no
redirections.
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
                commands = ctx.commands(instruction)
                for i, command in enumerate(commands):
                    names = _extracted(command, pending) + _piped(commands, i, pending)
                    for name in names:
                        if name not in pending:
                            continue
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


# Readers that write a file's (decompressed) bytes to standard output: always, with
# ``-c``/``--stdout``, or with both ``-d`` (decompress) and ``-c``.
_CATS = frozenset(("cat", "zcat", "gzcat", "xzcat", "lzcat", "bzcat", "zstdcat", "pzstd"))
_WITH_STDOUT = frozenset(("gunzip", "unxz", "unlzma", "bunzip2", "unzstd", "unpigz"))
_WITH_DECOMPRESS = frozenset(("gzip", "pigz", "xz", "lzma", "bzip2", "pbzip2", "zstd"))
_STDOUT_LONGS = ("--stdout", "--to-stdout")
_DECOMPRESS_LONGS = ("--decompress", "--uncompress")


def _piped(commands: tuple[Command, ...], index: int, pending: dict[str, Instruction]) -> list[str]:
    """Names in ``pending`` that ``commands[index]`` reads into a pipe that a tar extracts."""
    reader = commands[index]
    if reader.pipeline < 1 or not _writes_to_stdout(reader):
        return []
    names: list[str] = []
    for arg in reader.argv:
        if arg.startswith("-"):
            continue
        name = posixpath.basename(arg)
        if name in pending and name not in names:
            names.append(name)
    if not names:
        return []
    last = reader.pipeline
    for command in commands[index + 1 :]:
        if command.pipeline < 0 or command.pipeline > last:
            break  # left the pipeline
        if command.pipeline < last:
            last = command.pipeline
        if last < reader.pipeline and _tar_extracts_stdin(command):
            return names
    return []


def _writes_to_stdout(command: Command) -> bool:
    name = command.name
    if name in _CATS:
        return True
    if name not in _WITH_STDOUT and name not in _WITH_DECOMPRESS:
        return False
    shorts = "".join(a[1:] for a in command.argv if a.startswith("-") and a[1:2] != "-")
    longs = [a for a in command.argv if a.startswith("--")]
    stdout = "c" in shorts or any(a in _STDOUT_LONGS for a in longs)
    if name in _WITH_STDOUT:
        return stdout
    return stdout and ("d" in shorts or any(a in _DECOMPRESS_LONGS for a in longs))


def _tar_extracts_stdin(command: Command) -> bool:
    if command.name not in ("tar", "bsdtar") or not _tar_extracts(command.argv):
        return False
    archive = _tar_archive(command.argv)
    return archive is None or archive == "-"


def _tar_archive(argv: tuple[str, ...]) -> str | None:
    """The archive tar is told to use (``-f``/``--file``), or None when none is given."""
    if argv and not argv[0].startswith("-") and "f" in argv[0]:
        # Old-style bundle (``tar xzf FILE``): values follow in the order of their letters.
        valued = [letter for letter in argv[0] if letter in "bfCFgKLNTV"]
        at = 1 + valued.index("f")
        return argv[at] if at < len(argv) else ""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--file="):
            return arg[len("--file=") :]
        if arg == "--file":
            return argv[i + 1] if i + 1 < len(argv) else ""
        if arg.startswith("-") and not arg.startswith("--") and "f" in arg[1:]:
            rest = arg[arg.index("f", 1) + 1 :]
            if rest:
                return rest
            return argv[i + 1] if i + 1 < len(argv) else ""
    return None


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
