"""IK207 yum-cache-left: yum, dnf or microdnf changes packages and the RUN keeps the cache.

Installing, upgrading or reinstalling (and ``makecache``) fetch repository metadata into
the package manager's cache. The RUN is fine when a later command cleans it
(``yum clean all``, ``dnf clean all``, ``microdnf clean all``; any of them, since which
program backs ``yum`` and ``dnf`` depends on the release) or removes /var/cache/yum,
/var/cache/dnf or /var/cache/libdnf5 (dnf5), or a parent; or when a cache or tmpfs mount
covers one of those directories.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.edits import cleanup_fix
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import positionals, removes

RULE = "IK207"
CACHES = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5")
_CACHE_OF = {
    "yum": "/var/cache/yum",
    "microdnf": "/var/cache/yum",
    "dnf": "/var/cache/dnf",
    "dnf5": "/var/cache/libdnf5",
}
_MANAGERS = frozenset(_CACHE_OF)
_VALUE_OPTIONS = (
    "-c",
    "--config",
    "--installroot",
    "--releasever",
    "--setopt",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "-x",
    "--exclude",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "--rpmverbosity",
    "--forcearch",
    "--color",
    "--destdir",
    "--downloaddir",
)
#: The commands that fetch repository metadata, under every name dnf accepts for them: dnf
#: registers short aliases (``in``, ``rei``, ``up-min``, ``dg``, ``mc``, ``dsync`` ...) next
#: to the long names, and ``yum`` is dnf on current releases.
_CHANGES = frozenset(
    {
        "install", "in", "localinstall", "install-n", "install-na", "install-nevra",
        "reinstall", "rei", "groupinstall", "groupupdate",
        "upgrade", "up", "update", "upgrade-to", "update-to", "localupdate",
        "upgrade-minimal", "update-minimal", "up-min", "downgrade", "dg",
        "distro-sync", "distrosync", "distribution-synchronization", "dsync", "swap",
        "makecache", "mc", "builddep", "build-dep",
    }
)  # fmt: skip
_GROUPS = ("group", "groups", "grp", "module")
_GROUP_CHANGES = frozenset({"install", "upgrade", "update"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            if any(ctx.cache_mounted(run, cache) for cache in CACHES):
                continue
            commands = ctx.commands(run)
            changing = [c for c in commands if _changes(c)]
            if not changing:
                continue
            last = changing[-1].order
            if any(_cleans(c) for c in commands if c.order > last):
                continue
            first = changing[0]
            manager = changing[-1].name
            fix = cleanup_fix(
                ctx,
                run,
                [f"{manager} clean all", f"rm -rf {_CACHE_OF[manager]}"],
                f"clean the {manager} cache",
                any("sudo" in c.wrappers for c in changing),
            )
            yield ctx.on(
                RULE,
                first,
                f"`{first.name} {_action(first)}` leaves its repository metadata in the layer; "
                f"end the same RUN with `{first.name} clean all` "
                f"(or `rm -rf {_CACHE_OF[first.name]}`)",
                fix,
            )


def _action(command: Command) -> str:
    words = positionals(command, _VALUE_OPTIONS)
    if words[:1] and words[0] in _GROUPS and len(words) > 1:
        return " ".join(words[:2])
    return words[0] if words else ""


def _changes(command: Command) -> bool:
    if command.name not in _MANAGERS:
        return False
    words = positionals(command, _VALUE_OPTIONS)
    if not words:
        return False
    if words[0] in _GROUPS:
        return len(words) > 1 and words[1] in _GROUP_CHANGES
    return words[0] in _CHANGES


def _cleans(command: Command) -> bool:
    if command.name in _MANAGERS:
        words = positionals(command, _VALUE_OPTIONS)
        return words[:1] == ["clean"] and "all" in words[1:]
    return any(removes(command, cache) for cache in CACHES)
