"""Where files land: WORKDIR, the user's home, COPY/ADD targets, RUN's directory, downloads.

Shared by the checks that follow paths from one instruction to a later one (IK102, IK103).
Paths are absolute and normalized; ``~``, ``$HOME`` and ENV/ARG values known at that point
are substituted. A path whose variables are unknown stays as written, so the same text on
both sides still matches.
"""

import fnmatch
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.dockerfile.words import expand, parse_assignments, split_words
from imagekit.lint.context import Context, normalize_path, path_covers
from imagekit.lint.shellfacts import has_option, option_values, subcommand

_GLOB_CHARS = frozenset("*?[")
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")


class Step(NamedTuple):
    """An instruction with the state in force just before it."""

    stage: Stage
    instruction: Instruction
    workdir: str
    home: str
    env: dict[str, str]
    """ENV and ARG values in force (shared between steps: do not modify)."""


def steps(ctx: Context, stages: Sequence[Stage]) -> Iterator[Step]:
    """Instructions of ``stages`` (a stage lineage, oldest first) with WORKDIR and home.

    The ENV and ARG values are those ``ctx.env_before`` gives, built up in one pass. An
    external base image's WORKDIR and USER are unknown: they count as ``/`` and root.
    """
    workdir = "/"
    user = "root"
    env: dict[str, str] = {}
    snapshot: dict[str, str] = {}
    escape = ctx.dockerfile.escape
    global_args = ctx.dockerfile.global_args
    for stage in stages:
        for instruction in stage.instructions:
            home = env["HOME"] if env.get("HOME", "").startswith("/") else home_of(user)
            yield Step(stage, instruction, workdir, home, snapshot)
            keyword = instruction.keyword
            if keyword in ("ENV", "ARG"):
                for key, value, _ in parse_assignments(instruction.args, escape):
                    if value is None and keyword == "ARG":
                        value = global_args.get(key)
                    if value is not None:
                        env[key] = value
                snapshot = dict(env)
            elif keyword == "WORKDIR":
                workdir = resolve(instruction.args.strip(), workdir, home, env) or workdir
            elif keyword == "USER":
                words = split_words(instruction.args, escape)
                if words:
                    user = expand(words[0].value, dict(env))[0].split(":", 1)[0]


def home_of(user: str) -> str:
    """root's home is /root, a named user's /home/NAME; a bare uid has none (``/``)."""
    if user in ("", "root", "0") or "$" in user:
        return "/root"
    return "/" if user.isdigit() else f"/home/{user}"


def resolve(path: str, cwd: str | None, home: str, env: dict[str, str]) -> str | None:
    """``path`` as an absolute normalized path; None when it is relative to an unknown cwd."""
    path = path.strip().strip("'\"")
    if not path:
        return None
    if "$" in path:
        variables: dict[str, str | None] = {**env, "HOME": home}
        expanded, known = expand(path, variables)
        if known:
            path = expanded
        elif path.startswith("$"):
            return None
    path = normalize_path(path, home)
    if not path.startswith("/"):
        if cwd is None:
            return None
        path = posixpath.join(cwd, path)
    return posixpath.normpath(path) if path != "/" else path


def covers(removed: str, path: str) -> bool:
    """True when ``removed`` (possibly a glob) is ``path`` or one of its ancestors."""
    if _GLOB_CHARS.isdisjoint(removed):
        return path_covers(removed, path)
    if removed == path:
        return True
    candidate = path
    while candidate not in ("/", ""):
        if fnmatch.fnmatchcase(candidate, removed):
            return True
        parent = posixpath.dirname(candidate)
        if parent == candidate:
            break  # "//" (POSIX keeps two leading slashes) is its own dirname
        candidate = parent
    return False


def has_glob(path: str) -> bool:
    """True when ``path`` has glob characters, so ``covers`` matches it as a pattern."""
    return not _GLOB_CHARS.isdisjoint(path)


def glob_literal(pattern: str) -> str:
    """The part of ``pattern`` before its first glob character: every match starts with it."""
    cut = min((i for i in (pattern.find(c) for c in _GLOB_CHARS) if i >= 0), default=len(pattern))
    return pattern[:cut]


def command_dirs(
    commands: Iterable[Command], workdir: str, home: str, env: dict[str, str]
) -> list[str | None]:
    """The working directory each command starts in, following ``cd`` and ``pushd``.

    Subshells are not tracked: a ``cd`` counts for every later command of the RUN.
    None means unknown (``cd -`` or an unknown variable).
    """
    cwd: str | None = workdir
    dirs: list[str | None] = []
    for command in commands:
        dirs.append(cwd)
        if command.name in ("cd", "pushd"):
            args = [a for a in command.argv if a == "-" or not a.startswith("-")]
            if not args:
                cwd = home
            elif args[0] == "-":
                cwd = None
            else:
                cwd = resolve(args[0], cwd, home, env)
    return dirs


def copy_sources(instruction: Instruction, escape: str) -> tuple[list[str], str] | None:
    """Sources and destination of a COPY or ADD, as written (None when malformed)."""
    if instruction.exec_form is not None:
        parts = list(instruction.exec_form)
    else:
        parts = [w.value for w in split_words(instruction.args, escape)]
    if len(parts) < 2:
        return None
    return parts[:-1], parts[-1]


def copy_targets(step: Step, escape: str) -> tuple[str, ...]:
    """Where the files of a COPY or ADD land.

    A source copied into a directory lands at ``dest/basename`` when it looks like a file
    (its name has a dot, or it is a heredoc or a URL); a directory source (trailing slash,
    ``.``, or a name without a dot) and a local archive unpacked by ADD land in ``dest``.
    """
    parsed = copy_sources(step.instruction, escape)
    if parsed is None:
        return ()
    sources, dest_raw = parsed
    dest = resolve(dest_raw, step.workdir, step.home, step.env)
    if dest is None:
        return ()
    into_dir = dest_raw.endswith(("/", "/.")) or dest_raw in (".", "./") or len(sources) > 1
    if not into_dir:
        return (dest,)
    landed: list[str] = []
    for source in sources:
        name = _source_name(source, step.instruction.keyword)
        target = posixpath.join(dest, name) if name else dest
        if target not in landed:
            landed.append(target)
    return tuple(landed)


def _source_name(source: str, keyword: str) -> str | None:
    """The name a source gets inside a destination directory; None for directory contents."""
    if source.startswith("<<"):
        return source[2:].lstrip("-").strip("'\"") or None
    if "://" in source:
        if source.endswith(".git") or "#" in source:
            return None
        return url_basename(source)
    if source.endswith("/"):
        return None
    name = posixpath.basename(source)
    if name in ("", ".", "..") or "." not in name:
        return None
    if keyword == "ADD" and name.lower().endswith(_ARCHIVE_SUFFIXES):
        return None
    return name


def url_basename(url: str) -> str | None:
    """The file name ``curl -O`` or ``wget`` saves a URL as."""
    from urllib.parse import urlsplit

    return posixpath.basename(urlsplit(url).path) or None


# Files a command writes ------------------------------------------------------------

_GIT_VALUE_OPTIONS = ("-C", "-c", "--git-dir", "--work-tree", "--namespace")
_CLONE_VALUE_OPTIONS = (
    "-b",
    "--branch",
    "-o",
    "--origin",
    "-c",
    "--config",
    "--depth",
    "--reference",
    "--reference-if-able",
    "--separate-git-dir",
    "-j",
    "--jobs",
    "--filter",
    "-u",
    "--upload-pack",
    "--template",
    "--shallow-since",
    "--shallow-exclude",
    "--server-option",
    "--bundle-uri",
)
_CURL_VALUE_SHORT = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
_CURL_VALUE_LONG = frozenset(
    {
        "--output",
        "--output-dir",
        "--url",
        "--header",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--form",
        "--user",
        "--user-agent",
        "--referer",
        "--cookie",
        "--cookie-jar",
        "--connect-timeout",
        "--max-time",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--proto",
        "--proto-redir",
        "--cacert",
        "--capath",
        "--cert",
        "--key",
        "--request",
        "--proxy",
        "--write-out",
        "--range",
        "--continue-at",
        "--dump-header",
        "--config",
        "--limit-rate",
        "--max-filesize",
        "--resolve",
        "--netrc-file",
        "--unix-socket",
    }
)
_WGET_VALUE_SHORT = frozenset("oaOPtTwUeiBlARDIXQ")
_WGET_VALUE_LONG = frozenset(
    {
        "--output-document",
        "--directory-prefix",
        "--output-file",
        "--append-output",
        "--tries",
        "--timeout",
        "--wait",
        "--user-agent",
        "--header",
        "--user",
        "--password",
        "--input-file",
        "--base",
        "--referer",
        "--post-data",
        "--post-file",
        "--ca-certificate",
        "--ca-directory",
        "--certificate",
        "--private-key",
    }
)


def extracts(command: Command) -> bool:
    argv = command.argv
    if argv and not argv[0].startswith("-") and argv[0].isalpha() and "x" in argv[0]:
        return True
    return has_option(command, "-x", "--extract", "--get")


def clone_dir(command: Command) -> tuple[str | None, str] | None:
    """``(git -C base, directory)`` of a ``git clone``, or None."""
    if subcommand(command, _GIT_VALUE_OPTIONS) != "clone":
        return None
    argv = command.argv
    base_values = option_values(command, "-C")
    base = base_values[-1] if base_values else None
    start = argv.index("clone") + 1
    args: list[str] = []
    i = start
    while i < len(argv):
        arg = argv[i]
        if arg in _CLONE_VALUE_OPTIONS:
            i += 2
            continue
        if arg == "--":
            args.extend(argv[i + 1 :])
            break
        if not arg.startswith("-"):
            args.append(arg)
        i += 1
    if not args:
        return None
    if len(args) >= 2:
        return base, args[1]
    repository = args[0].rstrip("/")
    name = repository.rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git")
    return (base, name) if name else None


def _options(
    argv: tuple[str, ...], value_short: frozenset[str], value_long: frozenset[str]
) -> Iterator[tuple[str, str | None] | str]:
    """Options as ``(name, value)`` (``-o``/``--output``) and other words as plain strings."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg.partition("=")
            if name in value_long and not eq:
                value = argv[i + 1] if i + 1 < len(argv) else ""
                i += 1
            yield (name, value if (eq or name in value_long) else None)
        elif arg.startswith("-") and len(arg) > 1:
            for j, char in enumerate(arg[1:], start=1):
                if char in value_short:
                    value = arg[j + 1 :]
                    if not value:
                        value = argv[i + 1] if i + 1 < len(argv) else ""
                        i += 1
                    yield ("-" + char, value)
                    break
                yield ("-" + char, None)
        else:
            yield arg
        i += 1


def curl_outputs(command: Command) -> list[str]:
    outputs: list[str] = []
    urls: list[str] = []
    remote_name = False
    out_dir: str | None = None
    for item in _options(command.argv, _CURL_VALUE_SHORT, _CURL_VALUE_LONG):
        if isinstance(item, str):
            if "://" in item:
                urls.append(item)
            continue
        name, value = item
        if name in ("-o", "--output") and value:
            outputs.append(value)
        elif name in ("-O", "--remote-name", "--remote-name-all"):
            remote_name = True
        elif name == "--output-dir" and value:
            out_dir = value
        elif name == "--url" and value:
            urls.append(value)
    paths = [p for p in outputs if p not in ("-", "/dev/null")]
    if remote_name:
        for url in urls[len(outputs) :]:
            base = url_basename(url)
            if base:
                paths.append(f"{out_dir}/{base}" if out_dir else base)
    return paths


def wget_outputs(command: Command) -> list[str]:
    document: str | None = None
    prefix: str | None = None
    urls: list[str] = []
    for item in _options(command.argv, _WGET_VALUE_SHORT, _WGET_VALUE_LONG):
        if isinstance(item, str):
            if "://" in item:
                urls.append(item)
            continue
        name, value = item
        if name in ("-O", "--output-document"):
            document = value
        elif name in ("-P", "--directory-prefix"):
            prefix = value
    if document is not None:
        return [] if document in ("-", "", "/dev/null") else [document]
    paths: list[str] = []
    for url in urls:
        base = url_basename(url)
        if base:
            paths.append(f"{prefix}/{base}" if prefix else base)
    return paths
