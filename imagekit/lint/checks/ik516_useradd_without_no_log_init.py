"""IK516 useradd-without-no-log-init: ``useradd`` with a high UID and without ``-l``.

useradd writes the new user's record into ``/var/log/lastlog`` and ``/var/log/faillog``
at an offset proportional to the UID. The files are sparse on the build host, but the
layer tar stores the gap as zeros: about 300 bytes per UID below the new one, some 20 MB
for UID 65536 and 300 MB for 1000000. shadow 4.13 and later (Debian 12 on) only rewrite
an entry that lies inside the file and leave a short file alone; older releases (Debian
11, Ubuntu 22.04 and their kin) extend it. Every stage is judged (a builder stage pays it
in build time and cache). Reported when the UID (``-u N``, ``-uN``, ``--uid N``,
``--uid=N``, also in a bundle like ``-ou N``) is 65536 or more and neither ``-l`` (also
bundled, as in ``-lu``) nor ``--no-log-init`` is given. hadolint only looks at UIDs of
six digits or more, and also at variables; a UID left to a variable is judged here only
when its ENV/ARG value is known.

Debian's ``adduser`` (a Perl front end, checked in version 3.134) runs
``useradd -d HOME -g GID -s SHELL -u UID NAME`` (``useradd -r ... -u UID`` for
``--system``) and has no option that adds ``--no-log-init``, so it costs the same as a
bare useradd and is reported alike when given ``--uid N``/``--uid=N`` (or Getopt's
one-dash spellings ``-uid N`` and ``-u N``). BusyBox ``adduser`` (Alpine) writes
``/etc/passwd`` itself and never touches lastlog or faillog: an ``adduser`` with one of
BusyBox's short options ``-D``, ``-S``, ``-H``, ``-h``, ``-g``, ``-s``, ``-G`` or ``-k``
(alone or bundled, as in ``-DH``), which Debian's adduser rejects or reads as ``--help``,
is taken for BusyBox and left alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction, Stage
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
                if command.name == "useradd":
                    if has_option(command, "-l", "--no-log-init"):
                        continue
                    value = uid_value(command.argv)
                    fix = "add `--no-log-init` (`-l`)"
                elif command.name == "adduser":
                    if busybox_adduser(command.argv):
                        continue
                    value = adduser_uid_value(command.argv)
                    fix = "adduser cannot pass it on: call `useradd --no-log-init` instead"
                else:
                    continue
                uid = _uid(ctx, stage, instruction, value)
                if uid is None or uid < HIGH_UID:
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    f"`{command.name}` with UID {uid} and without `--no-log-init`: lastlog "
                    f"and faillog grow to about {uid * 324 // 1_000_000} MB of zeros in this "
                    f"layer; {fix}",
                )


def _uid(ctx: Context, stage: Stage, instruction: Instruction, value: str | None) -> int | None:
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


def adduser_uid_value(argv: tuple[str, ...]) -> str | None:
    """The UID given to Debian's adduser as written, or None.

    Its options are parsed by Perl's Getopt::Long: long names take one or two dashes and
    may be cut short to a unique prefix, so ``-u``/``-uid`` mean ``--uid`` there.
    """
    found: str | None = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, equals, rest = arg.partition("=")
        if name not in ("-u", "-uid", "--u", "--uid"):
            continue
        if equals:
            found = rest
        elif i + 1 < len(argv):
            found = argv[i + 1]
    return found


_BUSYBOX_FLAGS = "DSH"
_BUSYBOX_VALUED = "hgsGku"


def busybox_adduser(argv: tuple[str, ...]) -> bool:
    """True when an option only BusyBox's adduser understands is given (``-D``, ``-DHu``).

    A lone ``-u`` fits both adduser programs; a lone ``-h``, ``-g``, ``-s``, ``-G`` or
    ``-k`` and bundles of ``-D``/``-S``/``-H`` (optionally ending in a letter that takes
    a value) are BusyBox's. Debian's one-dash long names (``-shell``, ``-uid``) are not.
    """
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("--") or not arg.startswith("-") or len(arg) < 2:
            continue
        letters = arg[1:]
        if len(letters) == 1 and letters in _BUSYBOX_VALUED and letters != "u":
            return True
        if _busybox_bundle(letters):
            return True
    return False


def _busybox_bundle(letters: str) -> bool:
    flags = False
    for letter in letters:
        if letter in _BUSYBOX_FLAGS:
            flags = True
        elif letter in _BUSYBOX_VALUED:
            return flags  # the rest of the word is that option's value
        else:
            return False
    return flags
