"""IK203 apk-cache-left: apk stores its package index in /var/cache/apk and the RUN keeps it.

``apk add``, ``apk upgrade`` and ``apk update`` without ``--no-cache`` write the index
(APKINDEX files) to /var/cache/apk. ``apk update`` is flagged even when the following
``apk add`` has ``--no-cache``: the index the update fetched stays. A removal of
/var/cache/apk (or its contents, or a parent) after the last such command, or a cache or
tmpfs mount over it, keeps the layer clean.

The fix (safe) ends the RUN with ``rm -rf /var/cache/apk/*``. Adding ``--no-cache``
instead would not cover an ``apk update`` and would change where apk reads its index from;
the removal only takes away what the rule is about.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.edits import cleanup_fix
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import has_option, removes, subcommand

RULE = "IK203"
CACHE = "/var/cache/apk"
_APK_VALUE_OPTIONS = (
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--cache-max-age",
    "--keys-dir",
    "--repositories-file",
    "--timeout",
)
_SUBCOMMANDS = frozenset({"add", "update", "upgrade"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            if ctx.cache_mounted(run, CACHE):
                continue
            commands = ctx.commands(run)
            caching = [c for c in commands if _caches(c)]
            if not caching:
                continue
            last = caching[-1].order
            if any(removes(c, CACHE) for c in commands if c.order > last):
                continue
            first = caching[0]
            sudo = any("sudo" in c.wrappers for c in caching)
            fix = cleanup_fix(ctx, run, [f"rm -rf {CACHE}/*"], "remove the apk cache", sudo)
            yield ctx.on(RULE, first, _message(first), fix)


def _caches(command: Command) -> bool:
    return (
        command.name == "apk"
        and subcommand(command, _APK_VALUE_OPTIONS) in _SUBCOMMANDS
        and not has_option(command, "--no-cache")
    )


def _message(command: Command) -> str:
    if subcommand(command, _APK_VALUE_OPTIONS) == "update":
        return (
            f"`apk update` leaves the package index in {CACHE}; drop it and use "
            f"`apk add --no-cache`, or end the RUN with `rm -rf {CACHE}/*`"
        )
    return (
        f"`apk {subcommand(command, _APK_VALUE_OPTIONS)}` without --no-cache leaves the "
        f"package index in {CACHE}; add --no-cache or end the RUN with `rm -rf {CACHE}/*`"
    )
