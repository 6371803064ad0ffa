"""Facts about shell commands that several checks share: options, removals, fetches."""

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, normalize_path, path_covers
from imagekit.lint.pathindex import Marks


def has_option(command: Command, *names: str) -> bool:
    """True when any of ``names`` is given: ``--long``, ``--long=value``, ``-x`` or ``-xyz``.

    Short names are single letters after one dash (``-y``) and are also found inside
    bundles (``-qy``); long names match exactly or with ``=value``.
    """
    longs = [n for n in names if n.startswith("--")]
    shorts = [n[1] for n in names if len(n) == 2 and n[0] == "-" and n[1] != "-"]
    for arg in command.argv:
        if arg == "--":
            break
        if arg.startswith("--"):
            if any(arg == n or arg.startswith(n + "=") for n in longs):
                return True
        elif arg.startswith("-") and len(arg) > 1 and any(s in arg[1:] for s in shorts):
            return True
    return False


def option_values(command: Command, name: str) -> list[str]:
    """Values of ``name VALUE`` or ``name=VALUE`` (e.g. apt-get's ``-o``)."""
    values: list[str] = []
    argv = command.argv
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif arg.startswith(name + "=") and name.startswith("--"):
            values.append(arg[len(name) + 1 :])
        elif len(name) == 2 and arg.startswith(name) and len(arg) > 2 and not name.startswith("--"):
            values.append(arg[2:])
    return values


#: apt-get and apt options that take the next argument as their value.
APT_VALUE_OPTIONS = ("-o", "-c", "-t", "--target-release", "--option", "--config-file")

#: pip's general options that take the next argument as their value.
PIP_VALUE_OPTIONS = frozenset(
    {
        "--python",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--use-feature",
        "--use-deprecated",
        "--keyring-provider",
    }
)


_PIP = re.compile(r"^pip(?:\d+(?:\.\d+)*)?$")
_PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)*)?$")
_PYTHON_VALUE_OPTIONS = frozenset({"-W", "-X", "-Q"})


def pip_args(command: Command) -> tuple[str, ...] | None:
    """pip's own arguments: after ``pip``, or after ``-m pip`` of a python interpreter."""
    if _PIP.match(command.name):
        return command.argv
    if not _PYTHON.match(command.name):
        return None
    argv = command.argv
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-m" and i + 1 < len(argv):
            return argv[i + 2 :] if argv[i + 1] == "pip" else None
        if arg == "-mpip":
            return argv[i + 1 :]
        if arg in _PYTHON_VALUE_OPTIONS:
            i += 2
            continue
        if not arg.startswith("-") or arg == "-c":
            return None  # a script or `-c CODE`
        i += 1
    return None


def apt_action(command: Command) -> str | None:
    """The action of an ``apt-get``/``apt`` command (``update``, ``install`` ...), else None."""
    if command.name not in ("apt-get", "apt"):
        return None
    return subcommand(command, APT_VALUE_OPTIONS)


def subcommand(command: Command, value_options: Iterable[str] = ()) -> str | None:
    """The first positional argument (``install`` in ``apt-get -y install x``)."""
    return first_positional(command.argv, value_options)


def positionals(command: Command, value_options: Iterable[str] = ()) -> list[str]:
    return argv_positionals(command.argv, value_options)


def first_positional(argv: Sequence[str], value_options: Iterable[str] = ()) -> str | None:
    found = argv_positionals(argv, value_options, limit=1)
    return found[0] if found else None


def argv_positionals(
    argv: Sequence[str], value_options: Iterable[str] = (), limit: int | None = None
) -> list[str]:
    """Arguments that are not options; ``value_options`` take the next argument as value."""
    takes_value = set(value_options)
    out: list[str] = []
    i = 0
    while i < len(argv) and (limit is None or len(out) < limit):
        arg = argv[i]
        if arg in takes_value:
            i += 2
            continue
        if arg == "--":
            out.extend(argv[i + 1 :])
            break
        if not arg.startswith("-"):
            out.append(arg)
        i += 1
    return out if limit is None else out[:limit]


def exported(commands: Sequence[Command]) -> list[dict[str, str | None]]:
    """Per command, what the RUN's earlier ``export`` and ``unset`` commands did to the
    environment it inherits: a value, or None for a variable unset.

    ``export NAME=VALUE`` and ``declare -x``/``typeset -x NAME=VALUE`` count; so does
    ``unset NAME``. Only commands outside subshells and ``$(...)`` reach the commands after
    them; ``export NAME`` of a shell variable has no value known here and is skipped.
    """
    env: dict[str, str | None] = {}
    out: list[dict[str, str | None]] = []
    for command in commands:
        out.append(env)
        if command.scoped:
            continue
        name, argv = command.name, command.argv
        if name == "unset":
            names = [a for a in argv if not a.startswith("-")]
            if "-f" not in argv and names:
                env = {**env, **dict.fromkeys(names)}
            continue
        if name in ("declare", "typeset"):
            flags = "".join(a[1:] for a in argv if a.startswith("-"))
            if "x" not in flags:
                continue
        elif name != "export":
            continue
        settings = {
            key: value
            for key, eq, value in (a.partition("=") for a in argv if not a.startswith("-"))
            if eq and key
        }
        if settings:
            env = {**env, **settings}
    return out


def removed_paths(command: Command, home: str = "/root") -> list[str]:
    """Paths a command deletes: ``rm`` arguments and ``find PATH ... -delete``/``-exec rm``."""
    if command.name == "rm":
        return [normalize_path(p, home) for p in positionals(command)]
    if command.name == "find":
        argv = command.argv
        deletes = "-delete" in argv or any(
            a == "-exec" and i + 1 < len(argv) and argv[i + 1] in ("rm", "/bin/rm")
            for i, a in enumerate(argv)
        )
        if deletes:
            roots: list[str] = []
            for arg in argv:
                if arg.startswith("-") or arg in ("(", "!"):
                    break
                roots.append(normalize_path(arg, home))
            return roots
    return []


def removes(command: Command, path: str, home: str = "/root") -> bool:
    """True when the command deletes ``path`` or a directory containing it."""
    target = normalize_path(path, home)
    return any(path_covers(removed, target) for removed in removed_paths(command, home))


class Removals:
    """What the commands of one RUN delete, filed once for many ``removes`` questions."""

    def __init__(self, commands: Iterable[Command], home: str = "/root") -> None:
        self._home = home
        self._latest = Marks(max)
        for command in commands:
            for removed in removed_paths(command, home):
                self._latest.add(removed, command.order)

    def after(self, order: int, path: str) -> bool:
        """True when a command after position ``order`` deletes ``path`` (``removes``)."""
        latest = self._latest.over(normalize_path(path, self._home))
        return latest is not None and latest > order


class ShippedRun(NamedTuple):
    """A RUN of a shipped stage with its commands, the environment before it and HOME."""

    run: Instruction
    commands: tuple[Command, ...]
    env: dict[str, str]
    home: str


def shipped_runs(ctx: Context) -> Iterator[ShippedRun]:
    """Every RUN of the stages that end up in the target image, in order."""
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            yield ShippedRun(
                run, ctx.commands(run), ctx.env_before(stage, run), ctx.home(stage, run)
            )
