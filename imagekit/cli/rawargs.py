"""A command line read before click loads, for the commands that start early: a plain
``imagekit lint FILE`` (which never loads click) and the compile of ``build go``.

It reads only what it is sure click reads the same way; anything else is None, and the
caller leaves the command line to click.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def split_args(
    args: Sequence[str], flags: Collection[str], valued: Collection[str]
) -> tuple[list[str], list[tuple[str, str | None]]] | None:
    """The positional arguments and the ``(option, value)`` pairs of ``args`` in order
    (None as a flag's value), read as click reads them: ``--name value``, ``--name=value``,
    ``-n value``, ``--`` before positionals only. None for an option not in ``flags`` or
    ``valued``, a flag given a value, a value missing, or ``-nVALUE``."""
    paths: list[str] = []
    pairs: list[tuple[str, str | None]] = []
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
        if name in flags and not eq:
            pairs.append((name, None))
            continue
        if name not in valued or (eq and not name.startswith("--")):
            return None
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        pairs.append((name, value))
    return paths, pairs
