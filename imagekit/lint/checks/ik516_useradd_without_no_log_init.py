"""IK516 useradd-without-no-log-init: ``useradd`` with a high UID and without ``-l``.

useradd writes the new user's record into ``/var/log/lastlog`` and ``/var/log/faillog``
at an offset proportional to the UID. The files are sparse on the build host, but the
layer tar stores the gap as zeros: about 300 bytes per UID below the new one, some 20 MB
for UID 65536 and 300 MB for 1000000. Every stage is judged (a builder stage pays it in
build time and cache). Reported when the UID (``-u N``, ``-uN``, ``--uid N``, ``--uid=N``,
also in a bundle like ``-ou N``) is 65536 or more and neither ``-l`` (also bundled, as in
``-lu``) nor ``--no-log-init`` is given. hadolint only looks at UIDs of six digits or
more, and also at variables; a UID left to a variable is judged here only when its
ENV/ARG value is known.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.dockerfile.words import expand
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import has_option

RULE = "IK516"
HIGH_UID = 65536
_VALUE_SHORTS = frozenset("bcdefgGkKpsuZ")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name != "useradd" or has_option(command, "-l", "--no-log-init"):
                    continue
                uid = _uid(ctx, stage, instruction, command)
                if uid is None or uid < HIGH_UID:
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    f"`useradd` with UID {uid} and without `--no-log-init`: lastlog and "
                    f"faillog grow to about {uid * 324 // 1_000_000} MB of zeros in this "
                    "layer; add `--no-log-init` (`-l`)",
                )


def _uid(ctx: Context, stage: Stage, instruction: Instruction, command: Command) -> int | None:
    value = uid_value(command.argv)
    if value is None:
        return None
    if "$" in value:
        value, resolved = expand(value, dict(ctx.env_before(stage, instruction)))
        if not resolved:
            return None
    return int(value) if value.isdigit() else None


def uid_value(argv: tuple[str, ...]) -> str | None:
    """The UID given to useradd as written, or None."""
    found: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        if arg in ("--uid", "-u"):
            found = argv[i + 1] if i + 1 < len(argv) else None
            i += 2
            continue
        if arg.startswith("--uid="):
            found = arg[len("--uid=") :]
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            for j, letter in enumerate(arg[1:], start=1):
                if letter not in _VALUE_SHORTS:
                    continue
                rest = arg[j + 1 :]
                value = rest if rest else (argv[i + 1] if i + 1 < len(argv) else None)
                if letter == "u":
                    found = value
                if not rest:
                    i += 1
                break
        i += 1
    return found
