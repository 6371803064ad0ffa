"""IK102 cleanup-in-later-layer: a RUN removes what an earlier layer of the image wrote.

What counts as written by a layer, in the shipped stages (the target and the stages it is
built FROM, which form one image):

- package manager lists and caches: apt (``/var/lib/apt/lists`` after ``update``,
  ``/var/cache/apt``), apk without ``--no-cache``, pip without ``--no-cache-dir``, npm, yarn,
  Gradle, Maven, yum, dnf; and ``node_modules`` after ``npm``/``yarn``/``pnpm install``;
- downloads: ``curl -o PATH``, ``curl -O URL``, ``wget URL``, ``wget -O PATH``;
- trees: ``git clone URL [DIR]``, ``tar -x -C DIR``, ``unzip -d DIR``, a ``mkdir DIR`` that
  the same RUN then works in, and the directory a build tool (make, npm, mvn...) runs in;
- everything a COPY or ADD brings in.

A RUN whose cache, tmpfs or bind mount covers a path writes nothing there into its layer.
Removals are ``rm``, ``find ... -delete`` without name filters, and the cache cleaners
(``apt-get clean``, ``npm cache clean``, ``pip cache purge``, ``yum clean all``...). Only a
removal of the written path itself (or a directory or glob containing it) is reported.
"""

import re
from collections.abc import Iterator
from functools import partial
from typing import NamedTuple, TypeVar

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, normalize_path, path_covers
from imagekit.lint.edits import merge_fix
from imagekit.lint.findings import Fix, Violation
from imagekit.lint.pathfacts import (
    Step,
    clone_dir,
    command_dirs,
    copy_targets,
    covers,
    curl_outputs,
    extracts,
    glob_literal,
    has_glob,
    resolve,
    steps,
    wget_outputs,
)
from imagekit.lint.pathindex import Marks, PathIndex
from imagekit.lint.shellfacts import (
    apt_action,
    has_option,
    option_values,
    positionals,
    removed_paths,
    subcommand,
)

RULE = "IK102"
_T = TypeVar("_T")

_APK_VALUE_OPTIONS = ("-X", "--repository", "-p", "--root", "--arch", "--keys-dir", "--cache-dir")
_YUM_VALUE_OPTIONS = ("-c", "-d", "-e", "--config", "--installroot", "--releasever", "--setopt")
_BUILD_TOOLS = frozenset(
    {
        "make",
        "cmake",
        "ninja",
        "meson",
        "configure",
        "cargo",
        "go",
        "mvn",
        "mvnw",
        "gradle",
        "gradlew",
        "npm",
        "yarn",
        "pnpm",
        "dotnet",
        "bundle",
        "composer",
    }
)
_FIND_FILTERS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-regex",
        "-iregex",
        "-newer",
        "-mtime",
        "-mmin",
        "-atime",
        "-size",
        "-user",
        "-group",
        "-perm",
        "-empty",
        "-links",
    }
)
_PIP = re.compile(r"^pip(?:\d+(?:\.\d+)?)?$")
_PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)?)?$")
_FIX = {
    "cache": "clean it in the RUN that fills it, or keep it out of the layer with "
    "`RUN --mount=type=cache,target={path}`",
    "copy": "bring it in with `RUN --mount=type=bind` for the RUN that needs it, or do that "
    "work in a build stage and COPY --from only the result",
    "build": "remove it in the RUN that creates it, or do that work in a build stage and "
    "COPY --from only the result",
}


class Written(NamedTuple):
    """A path an instruction put into its layer."""

    path: str
    what: str
    kind: str
    """``cache``, ``copy`` or ``build``: selects the suggested fix."""
    keyword: str
    line: int


class _Candidate(NamedTuple):
    written: Written
    order: int
    needs_use: bool
    """A ``mkdir``: it holds files only if later commands of the RUN work in it."""


def check(ctx: Context) -> Iterator[Violation]:
    # What earlier layers wrote, in order, filed by path.
    written: PathIndex[Written] = PathIndex()
    escape = ctx.dockerfile.escape
    for step in steps(ctx, ctx.shipped):
        instruction = step.instruction
        line = ctx.dockerfile.span(instruction.start, instruction.start).line
        if instruction.keyword in ("COPY", "ADD"):
            what = "the copied files" if instruction.keyword == "COPY" else "the added files"
            for path in copy_targets(step, escape):
                written.add(Written(path, what, "copy", instruction.keyword, line), path)
        elif instruction.keyword == "RUN":
            yield from _run(ctx, step, line, written)


def _run(ctx: Context, step: Step, line: int, written: PathIndex[Written]) -> Iterator[Violation]:
    run = step.instruction
    commands = ctx.commands(run)
    dirs = command_dirs(commands, step.workdir, step.home, step.env)
    pending: PathIndex[_Candidate] = PathIndex()
    for command, cwd in zip(commands, dirs, strict=True):
        env = {**step.env, **dict(command.env)} if command.env else step.env
        removed = [
            r
            for r in _removed(command, cwd, step.home, env)
            if not _mounted(ctx, run, r, step.home)
        ]
        if removed:
            earlier = _covered(written, removed)
            if earlier:
                yield ctx.on(RULE, command, _message(earlier), _fix(ctx, run, earlier))
                for w in earlier:
                    written.remove(w)
            for p in _covered(pending, removed):
                pending.remove(p)
        for candidate in _created(command, cwd, step.home, env, line):
            if not _mounted(ctx, run, candidate.written.path, step.home):
                pending.add(candidate, candidate.written.path)
    uses: Marks | None = None
    for candidate in pending:
        if candidate.needs_use:
            if uses is None:
                uses = _uses(commands, dirs, step)
            latest = uses.under(candidate.written.path)
            if latest is None or latest <= candidate.order:
                continue
        written.add(candidate.written, candidate.written.path)


def _covered(index: PathIndex[_T], removed: list[str]) -> list[_T]:
    """The filed values whose path one of ``removed`` covers (``covers``), in filing order."""
    found: list[_T] = []
    for r in removed:
        if has_glob(r):
            found.extend(index.matching(r, glob_literal(r), partial(covers, r)))
        else:
            found.extend(index.under(r))
    return index.ordered(found)


def _message(earlier: list[Written]) -> str:
    first: dict[str, Written] = {}
    for w in sorted(earlier, key=lambda w: w.line):
        first.setdefault(w.path, w)
    written = list(first.values())
    w = written[0]
    if all((x.keyword, x.line) == (w.keyword, w.line) for x in written):
        paths = ", ".join(x.path for x in written)
        return (
            f"the {w.keyword} on line {w.line} wrote {w.what} {paths} into its layer; removing "
            "it in a later RUN does not shrink the image: " + _FIX[w.kind].format(path=w.path)
        )
    listed = ", ".join(f"{x.path} ({x.keyword} on line {x.line})" for x in written)
    return (
        f"removes what earlier layers wrote: {listed}; the files stay in those layers, so this "
        "does not shrink the image: remove each in the instruction that creates it "
        "(or use a cache or bind mount, or a build stage)"
    )


def _fix(ctx: Context, run: Instruction, earlier: list[Written]) -> Fix | None:
    """Merge this RUN into the one right before it, when that RUN wrote all it removes."""
    if run.index == 0:
        return None
    previous = ctx.dockerfile.instructions[run.index - 1]
    if previous.keyword != "RUN":
        return None
    line = ctx.dockerfile.span(previous.start, previous.start).line
    if any(w.keyword != "RUN" or w.line != line for w in earlier):
        return None
    return merge_fix(ctx, previous, run)


def _mounted(ctx: Context, run: Instruction, path: str, home: str) -> bool:
    """True when a cache, tmpfs or bind mount of this RUN covers ``path``."""
    if ctx.cache_mounted(run, path, home):
        return True
    return any(
        mount.type == "bind" and path_covers(normalize_path(mount.target, home), path)
        for mount in ctx.mounts(run)
    )


def _uses(commands: tuple[Command, ...], dirs: list[str | None], step: Step) -> Marks:
    """The paths each command works in or names, marked with the latest command's order.

    A directory a ``mkdir`` created holds files when a later command uses a path it covers.
    """
    uses = Marks(max)
    for command, cwd in zip(commands, dirs, strict=True):
        if cwd is not None:
            uses.add(cwd, command.order)
        for arg in command.argv:
            if arg.startswith(("/", "~", "$")) or command.name in ("cd", "pushd"):
                path = resolve(arg, cwd, step.home, step.env)
                if path is not None:
                    uses.add(path, command.order)
    return uses


# Removals -----------------------------------------------------------------------------


def _removed(command: Command, cwd: str | None, home: str, env: dict[str, str]) -> list[str]:
    # find with a name or time filter deletes some files below its roots, not the roots.
    filtered = command.name == "find" and not _FIND_FILTERS.isdisjoint(command.argv)
    raw = [] if filtered else removed_paths(command, home)
    paths = [resolve(p, cwd, home, env) for p in raw]
    paths.extend(_cleaned(command, home, env))
    return [p for p in paths if p is not None and p != "/"]


def _cleaned(command: Command, home: str, env: dict[str, str]) -> list[str]:
    """Caches emptied by a package manager's own clean command."""
    name = command.name
    if apt_action(command) == "clean":
        return ["/var/cache/apt"]
    if name in ("yum", "dnf", "microdnf") and subcommand(command, _YUM_VALUE_OPTIONS) == "clean":
        return [_yum_cache(name)]
    args = positionals(command)
    if name == "apk" and args[:1] == ["cache"] and args[1:2] in (["clean"], ["purge"]):
        return ["/var/cache/apk"]
    if name == "npm" and args[:1] == ["cache"] and args[1:2] in (["clean"], ["clear"], ["rm"]):
        return [_npm_cache(home, env)]
    if name == "yarn" and args[:2] == ["cache", "clean"]:
        return [_yarn_cache(home, env)]
    pip = _pip_args(command)
    if pip is not None:
        pip_args = [a for a in pip if not a.startswith("-")]
        if pip_args[:1] == ["cache"] and pip_args[1:2] in (["purge"], ["remove"]):
            return [_pip_cache(home, env)]
    return []


# Creations ----------------------------------------------------------------------------


def _created(
    command: Command, cwd: str | None, home: str, env: dict[str, str], line: int
) -> Iterator[_Candidate]:
    def make(path: str | None, what: str, kind: str, needs_use: bool = False) -> _Candidate | None:
        if path is None or path in ("/", "/dev/null"):
            return None
        return _Candidate(Written(path, what, kind, "RUN", line), command.order, needs_use)

    found: list[_Candidate | None] = []
    for path, what in _caches(command, home, env):
        found.append(make(path, what, "cache"))
    name = command.name
    if name in ("npm", "yarn", "pnpm") and _installs_modules(command) and cwd is not None:
        found.append(
            make(resolve("node_modules", cwd, home, env), "the installed packages", "build")
        )
    if name == "curl":
        for path in curl_outputs(command):
            found.append(make(resolve(path, cwd, home, env), "the download", "build"))
    elif name == "wget":
        for path in wget_outputs(command):
            found.append(make(resolve(path, cwd, home, env), "the download", "build"))
    elif name == "git":
        clone = clone_dir(command)
        if clone is not None:
            base, directory = clone
            where = resolve(base, cwd, home, env) if base is not None else cwd
            found.append(make(resolve(directory, where, home, env), "the clone", "build"))
    elif name in ("tar", "bsdtar") and extracts(command):
        for directory in option_values(command, "-C") + option_values(command, "--directory"):
            found.append(make(resolve(directory, cwd, home, env), "the unpacked archive", "build"))
    elif name == "unzip":
        for directory in option_values(command, "-d"):
            found.append(make(resolve(directory, cwd, home, env), "the unpacked archive", "build"))
    elif name == "mkdir":
        for directory in positionals(command, ("-m", "--mode")):
            found.append(make(resolve(directory, cwd, home, env), "the directory", "build", True))
    if name in _BUILD_TOOLS and cwd is not None:
        found.append(make(cwd, "the build directory", "build"))
    yield from (c for c in found if c is not None)


def _caches(command: Command, home: str, env: dict[str, str]) -> list[tuple[str, str]]:
    name = command.name
    if name in ("apt-get", "apt"):
        sub = apt_action(command)
        if sub == "update":
            return [
                ("/var/lib/apt/lists", "the apt package lists"),
                ("/var/cache/apt", "the apt package cache"),
            ]
        if sub in ("install", "upgrade", "dist-upgrade", "full-upgrade", "reinstall", "build-dep"):
            return [("/var/cache/apt", "the apt package cache")]
    elif name == "apk":
        sub = subcommand(command, _APK_VALUE_OPTIONS)
        if sub in ("add", "update", "upgrade") and not has_option(command, "--no-cache"):
            return [("/var/cache/apk", "the apk package cache")]
    elif name in ("yum", "dnf", "microdnf"):
        sub = subcommand(command, _YUM_VALUE_OPTIONS)
        if sub in (
            "install",
            "update",
            "upgrade",
            "reinstall",
            "groupinstall",
            "makecache",
            "localinstall",
        ):
            return [(_yum_cache(name), f"the {name} cache")]
    elif name == "npm":
        if _installs_modules(command, global_too=True):
            return [(_npm_cache(home, env), "the npm cache")]
    elif name == "yarn":
        if _installs_modules(command) or positionals(command)[:2] == ["global", "add"]:
            return [(_yarn_cache(home, env), "the yarn cache")]
    elif name in ("gradle", "gradlew"):
        return [(env.get("GRADLE_USER_HOME") or f"{home}/.gradle", "the Gradle cache")]
    elif name in ("mvn", "mvnw"):
        return [(f"{home}/.m2", "the Maven repository")]
    pip = _pip_args(command)
    if pip is not None:
        words = [a for a in pip if not a.startswith("-")]
        no_cache = "--no-cache-dir" in pip or any(a.startswith("--no-cache-dir=") for a in pip)
        if words[:1] == ["install"] and not no_cache and not env.get("PIP_NO_CACHE_DIR"):
            return [(_pip_cache(home, env), "the pip cache")]
    return []


def _installs_modules(command: Command, global_too: bool = False) -> bool:
    if not global_too and has_option(command, "-g", "--global"):
        return False
    sub = subcommand(command)
    if command.name == "yarn":
        return sub in (None, "install", "add")
    return sub in ("install", "i", "ci", "add", "update", "install-clean", "clean-install")


def _pip_args(command: Command) -> tuple[str, ...] | None:
    """Arguments of pip, also when run as ``python -m pip``."""
    if _PIP.match(command.name):
        return command.argv
    if _PYTHON.match(command.name) and command.argv[:2] == ("-m", "pip"):
        return command.argv[2:]
    return None


def _pip_cache(home: str, env: dict[str, str]) -> str:
    if env.get("PIP_CACHE_DIR"):
        return normalize_path(env["PIP_CACHE_DIR"], home)
    base = env.get("XDG_CACHE_HOME") or f"{home}/.cache"
    return normalize_path(f"{base}/pip", home)


def _npm_cache(home: str, env: dict[str, str]) -> str:
    configured = env.get("npm_config_cache") or env.get("NPM_CONFIG_CACHE")
    return normalize_path(configured or f"{home}/.npm", home)


def _yarn_cache(home: str, env: dict[str, str]) -> str:
    if env.get("YARN_CACHE_FOLDER"):
        return normalize_path(env["YARN_CACHE_FOLDER"], home)
    return "/usr/local/share/.cache/yarn" if home == "/root" else f"{home}/.cache/yarn"


def _yum_cache(name: str) -> str:
    return "/var/cache/dnf" if name == "dnf" else "/var/cache/yum"
