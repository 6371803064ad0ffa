"""IK204 pip-cache-left: pip install keeps downloaded and built wheels in ~/.cache/pip.

A pip install is fine when it passes ``--no-cache-dir`` (optparse also accepts the
unambiguous prefix ``--no-cache``), when PIP_NO_CACHE_DIR is set (ENV or ARG default in
the stage lineage, a ``PIP_NO_CACHE_DIR=1 pip install`` prefix, or an
``export PIP_NO_CACHE_DIR=1`` earlier in the same RUN), when an earlier
``pip config set <section>.no-cache-dir`` configured it, when its cache directory (or a
parent) is removed later in the same RUN, or when a cache or tmpfs mount covers it.
``pip --isolated`` ignores the environment and configuration, so only the option counts.

pip turns the cache off for every boolean value of PIP_NO_CACHE_DIR, ``false`` and ``0``
included (an old quirk kept for compatibility); a non-boolean value is an error in pip.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, normalize_path
from imagekit.lint.findings import Edit, Fix, FixSafety, Violation
from imagekit.lint.shellfacts import (
    PIP_VALUE_OPTIONS,
    Removals,
    exported,
    first_positional,
    pip_args,
)

RULE = "IK204"
_BOOLEANS = frozenset({"1", "0", "y", "n", "yes", "no", "t", "f", "true", "false", "on", "off"})


def check(ctx: Context) -> Iterator[Violation]:
    # Whether a command so far (the shipped stages are one lineage, oldest first) ran
    # `pip config set <section>.no-cache-dir ...`.
    configured = False
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            commands = ctx.commands(run)
            removals: Removals | None = None
            exports: list[dict[str, str | None]] | None = None
            for command in commands:
                args = pip_args(command)
                if args is None:
                    continue
                configured_before = configured
                configured = configured or _sets_no_cache(args)
                if first_positional(args, PIP_VALUE_OPTIONS) != "install":
                    continue
                if exports is None:
                    exports = exported(commands)
                env = _environment(ctx.env_before(stage, run), exports[command.order])
                if _cache_off(env, command, args, configured_before):
                    continue
                home = ctx.home(stage, run)
                cache = _cache_dir(env, command, args, home)
                if ctx.cache_mounted(run, cache, home) or _mounted_pip_cache(ctx, run):
                    continue
                if removals is None:
                    removals = Removals(commands, home)
                if removals.after(command.order, cache):
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    "`pip install` keeps downloaded wheels in ~/.cache/pip; add --no-cache-dir "
                    "or set `ENV PIP_NO_CACHE_DIR=1` before it",
                    _fix(ctx, run, command, args),
                )


def _fix(ctx: Context, run: Instruction, command: Command, args: Sequence[str]) -> Fix | None:
    """Insert ``--no-cache-dir`` after ``install``: pip then neither reads nor fills a cache."""
    if run.exec_form is not None or not ctx.script(run).shell:
        return None
    offset = len(command.argv) - len(args)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in PIP_VALUE_OPTIONS:
            i += 2
            continue
        if not arg.startswith("-"):
            break
        i += 1
    if i >= len(args) or args[i] != "install":
        return None
    word = command.args[offset + i]
    edit = Edit(word.end, word.end, " --no-cache-dir")
    return Fix(FixSafety.SAFE, "add --no-cache-dir to `pip install`", (edit,))


def _no_cache_flag(args: Sequence[str]) -> bool:
    for arg in args:
        if arg == "--":
            break
        name = arg.partition("=")[0]
        if len(name) >= len("--no-ca") and "--no-cache-dir".startswith(name):
            return True
    return False


def _disables(value: str | None) -> bool:
    if value is None:
        return False
    return value.strip().lower() in _BOOLEANS or "$" in value


def _environment(env: dict[str, str], exports: dict[str, str | None]) -> dict[str, str]:
    """ENV and ARG values before the RUN, with what its earlier commands exported or unset."""
    if not exports:
        return env
    merged = dict(env)
    for key, value in exports.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _cache_off(
    env: dict[str, str], command: Command, args: Sequence[str], configured: bool
) -> bool:
    if _no_cache_flag(args):
        return True
    if "--isolated" in args:
        return False  # pip then ignores environment variables and configuration files
    if _disables(command.env_value("PIP_NO_CACHE_DIR")):
        return True
    if _disables(env.get("PIP_NO_CACHE_DIR")):
        return True
    return configured  # by `pip config set <section>.no-cache-dir ...` earlier


def _sets_no_cache(args: Sequence[str]) -> bool:
    words = [a for a in args if not a.startswith("-")]
    return (
        len(words) >= 3
        and words[:2] == ["config", "set"]
        and words[2].partition(".")[2] == "no-cache-dir"
    )


def _cache_dir(env: dict[str, str], command: Command, args: Sequence[str], home: str) -> str:
    for i, arg in enumerate(args):
        if arg == "--cache-dir" and i + 1 < len(args):
            return normalize_path(args[i + 1], home)
        if arg.startswith("--cache-dir="):
            return normalize_path(arg.partition("=")[2], home)
    for source in (dict(command.env), env):
        if source.get("PIP_CACHE_DIR"):
            return normalize_path(source["PIP_CACHE_DIR"], home)
        if source.get("XDG_CACHE_HOME"):
            return posixpath.join(normalize_path(source["XDG_CACHE_HOME"], home), "pip")
    return posixpath.join(home, ".cache", "pip")


def _mounted_pip_cache(ctx: Context, run: Instruction) -> bool:
    """A cache mount of some user's pip cache (``/home/app/.cache/pip``, ``~/.cache``)."""
    for mount in ctx.mounts(run):
        if mount.type in ("cache", "tmpfs"):
            target = normalize_path(mount.target)
            if target.endswith("/.cache/pip") or target.endswith("/.cache"):
                return True
    return False
