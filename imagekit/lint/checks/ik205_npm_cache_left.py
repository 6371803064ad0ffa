"""IK205 npm-cache-left: npm or yarn installs packages and the RUN keeps their cache.

npm caches tarballs in ``~/.npm`` (``--cache`` or ``npm_config_cache`` move it); yarn 1
caches unpacked packages in /usr/local/share/.cache/yarn when run as root and in
``~/.cache/yarn`` otherwise (``--cache-folder`` or ``YARN_CACHE_FOLDER`` move it; yarn 2+
uses ``~/.yarn/berry``). An install is fine when a later command of the same RUN cleans
that cache (``npm cache clean --force``: npm 5 and later refuse to clean without
``--force``; ``yarn cache clean``) or removes its directory, or when a cache or tmpfs mount
covers it. The home directory follows USER (``/root`` for root).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, normalize_path
from imagekit.lint.edits import cleanup_fix
from imagekit.lint.findings import Fix, Violation
from imagekit.lint.shellfacts import (
    Removals,
    has_option,
    option_values,
    positionals,
    shipped_runs,
    subcommand,
)

RULE = "IK205"
YARN_ROOT_CACHE = "/usr/local/share/.cache/yarn"

NPM_INSTALLS = frozenset(
    {
        # npm install and its aliases
        "install", "i", "in", "ins", "inst", "insta", "instal",
        "isnt", "isnta", "isntal", "isntall", "add",
        # npm ci, install-test, install-ci-test and their aliases
        "ci", "clean-install", "ic", "install-clean", "isntall-clean",
        "install-test", "it", "install-ci-test", "cit", "clean-install-test", "sit",
    }
)  # fmt: skip
NPM_VALUE_OPTIONS = (
    "--prefix",
    "-C",
    "--cache",
    "--registry",
    "--loglevel",
    "-w",
    "--workspace",
    "--userconfig",
    "--globalconfig",
    "--omit",
    "--include",
    "--only",
    "--tag",
    "--install-strategy",
    "--before",
    "--location",
    "--scope",
    "--cpu",
    "--os",
    "--libc",
    "--fetch-retries",
    "--fetch-timeout",
)
YARN_VALUE_OPTIONS = (
    "--cwd",
    "--cache-folder",
    "--modules-folder",
    "--global-folder",
    "--link-folder",
    "--preferred-cache-folder",
    "--network-timeout",
    "--network-concurrency",
    "--child-concurrency",
    "--mutex",
    "--registry",
    "--use-yarnrc",
)


def npm_install(command: Command) -> bool:
    """``npm install``/``npm ci`` (and aliases), with or without package names."""
    return command.name == "npm" and subcommand(command, NPM_VALUE_OPTIONS) in NPM_INSTALLS


def yarn_install(command: Command) -> bool:
    """``yarn``, ``yarn install``: installing the project's dependencies."""
    return command.name == "yarn" and subcommand(command, YARN_VALUE_OPTIONS) in (None, "install")


def yarn_adds(command: Command) -> bool:
    """``yarn add PKG`` and ``yarn global add PKG``."""
    if command.name != "yarn":
        return False
    words = positionals(command, YARN_VALUE_OPTIONS)
    return words[:1] == ["add"] or words[:2] == ["global", "add"]


def check(ctx: Context) -> Iterator[Violation]:
    for run, commands, env, home in shipped_runs(ctx):
        removals: Removals | None = None
        last_clean: dict[str, int] = {}  # per tool: the order of its last cache clean
        for command in commands:
            if npm_install(command):
                tool, dirs = "npm", _npm_cache(command, env, home)
            elif yarn_install(command) or yarn_adds(command):
                tool, dirs = "yarn", _yarn_cache(command, env, home)
            else:
                continue
            if any(ctx.cache_mounted(run, d, home) for d in dirs):
                continue
            if tool not in last_clean:
                last_clean[tool] = max((c.order for c in commands if _cleans(c, tool)), default=-1)
            if last_clean[tool] > command.order:
                continue
            if removals is None:
                removals = Removals(commands, home)
            if any(removals.after(command.order, d) for d in dirs):
                continue
            yield ctx.on(
                RULE, command, _message(tool, command, dirs), _fix(ctx, run, command, tool)
            )


def _fix(ctx: Context, run: Instruction, command: Command, tool: str) -> Fix | None:
    """End the RUN with the tool's cache clean, unless the cache was moved for this command
    only (``--cache``, ``--cache-folder`` or an assignment before it): the clean would then
    empty another directory."""
    moved = ("--cache", "--cache-folder")
    if any(a.partition("=")[0] in moved for a in command.argv):
        return None
    if any(key.lower() in ("npm_config_cache", "yarn_cache_folder") for key, _ in command.env):
        return None
    clean = "npm cache clean --force" if tool == "npm" else "yarn cache clean"
    return cleanup_fix(ctx, run, [clean], f"clean the {tool} cache", "sudo" in command.wrappers)


def _npm_cache(command: Command, env: dict[str, str], home: str) -> list[str]:
    """The cache directory, then its ``_cacache`` (the tarballs; the rest is small logs)."""
    cache = posixpath.join(home, ".npm")
    values = option_values(command, "--cache")
    if values:
        cache = normalize_path(values[-1], home)
    else:
        for source in (env, dict(command.env)):
            for key, value in source.items():
                if key.lower() == "npm_config_cache" and value:
                    cache = normalize_path(value, home)
    return [cache, posixpath.join(cache, "_cacache")]


def _yarn_cache(command: Command, env: dict[str, str], home: str) -> list[str]:
    values = option_values(command, "--cache-folder")
    if values:
        return [normalize_path(values[-1], home)]
    for source in (dict(command.env), env):
        if source.get("YARN_CACHE_FOLDER"):
            return [normalize_path(source["YARN_CACHE_FOLDER"], home)]
    berry = posixpath.join(home, ".yarn", "berry")  # yarn 2+ global cache
    if home == "/root":
        return [YARN_ROOT_CACHE, "/root/.cache/yarn", berry]
    return [posixpath.join(home, ".cache", "yarn"), berry]


def _cleans(command: Command, tool: str) -> bool:
    if command.name != tool:
        return False
    words: Sequence[str] = positionals(
        command, NPM_VALUE_OPTIONS if tool == "npm" else YARN_VALUE_OPTIONS
    )
    if tool == "npm":
        return (
            words[:1] == ["cache"]
            and words[1:2] in (["clean"], ["clear"], ["rm"])
            and has_option(command, "--force", "-f")
        )
    return words[:2] == ["cache", "clean"]


def _message(tool: str, command: Command, dirs: list[str]) -> str:
    if tool == "npm":
        return (
            f"`npm {subcommand(command, NPM_VALUE_OPTIONS)}` leaves its cache in {dirs[0]}; "
            "end the RUN with `npm cache clean --force` or use "
            f"`RUN --mount=type=cache,target={dirs[0]}`"
        )
    return (
        f"`yarn` leaves its package cache in {dirs[0]}; end the RUN with `yarn cache clean` "
        f"or use `RUN --mount=type=cache,target={dirs[0]}`"
    )
