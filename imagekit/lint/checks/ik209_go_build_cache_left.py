"""IK209 go-build-cache-left: a Go build in a shipped stage keeps Go's build cache.

``go build``, ``install``, ``test``, ``run`` and ``vet`` compile into the build cache:
GOCACHE, else ``$XDG_CACHE_HOME/go-build``, else ``~/.cache/go-build`` (ENV, ARG defaults
and ``VAR=value`` prefixes of the command count). The RUN is fine when a cache or tmpfs
mount covers that directory, or a later command of the same RUN runs ``go clean -cache``
or removes the directory (or a parent).

Only the build cache is judged here. Where the module cache lives depends on GOPATH, which
base images such as golang set in their image configuration, out of sight of a Dockerfile;
the image analyser reports both caches from the layers themselves.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context, normalize_path
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import Removals, first_positional, shipped_runs

RULE = "IK209"
_COMPILES = frozenset({"build", "install", "test", "run", "vet"})
#: ``go -C DIR subcommand`` (Go 1.20) is the one option taking a value before the subcommand.
_VALUE_OPTIONS = ("-C", "--C")


def check(ctx: Context) -> Iterator[Violation]:
    for run, commands, env, home in shipped_runs(ctx):
        removals: Removals | None = None
        for command in commands:
            if command.name != "go":
                continue
            sub = first_positional(command.argv, _VALUE_OPTIONS)
            if sub not in _COMPILES:
                continue
            cache = _cache_dir({**env, **dict(command.env)}, home)
            if ctx.cache_mounted(run, cache, home):
                continue
            if _cleaned_after(commands, command.order):
                continue
            if removals is None:
                removals = Removals(commands, home)
            if removals.after(command.order, cache):
                continue
            yield ctx.on(RULE, command, _message(f"go {sub}", cache, home))
            break


def _cache_dir(env: dict[str, str], home: str) -> str:
    gocache = env.get("GOCACHE", "")
    if gocache.startswith("/"):
        return normalize_path(gocache, home)
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg.startswith("/"):
        return posixpath.join(normalize_path(xdg, home), "go-build")
    return posixpath.join(home, ".cache", "go-build")


def _cleaned_after(commands: Sequence[Command], order: int) -> bool:
    """A later ``go clean -cache`` (the flag package accepts ``--cache`` as well)."""
    return any(
        c.order > order
        and c.name == "go"
        and first_positional(c.argv, _VALUE_OPTIONS) == "clean"
        and any(a in ("-cache", "--cache") for a in c.argv)
        for c in commands
    )


def _message(what: str, cache: str, home: str) -> str:
    shown = "~" + cache[len(home) :] if cache.startswith(home + "/") else cache
    return (
        f"`{what}` leaves Go's build cache in {shown} in the shipped image; build in a "
        "separate stage and COPY --from it only the binary, mount the cache "
        f"(`RUN --mount=type=cache,target={cache}`) or end the RUN with `go clean -cache`"
    )
