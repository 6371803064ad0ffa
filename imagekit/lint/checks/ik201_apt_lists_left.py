"""IK201 apt-lists-left: apt update/install without removing /var/lib/apt/lists in the same RUN."""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.edits import cleanup_fix
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import apt_action, removes

RULE = "IK201"
LISTS = "/var/lib/apt/lists"
_SUBCOMMANDS = frozenset({"update", "install", "upgrade", "dist-upgrade", "full-upgrade"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            if ctx.cache_mounted(run, LISTS):
                continue
            commands = ctx.commands(run)
            apt = [c for c in commands if apt_action(c) in _SUBCOMMANDS]
            if not apt:
                continue
            last = apt[-1].order
            if any(removes(c, LISTS) for c in commands if c.order > last):
                continue
            first = apt[0]
            sudo = any("sudo" in c.wrappers for c in apt)
            # A RUN that only updates the lists is there for a later RUN's install:
            # removing them here would break that install, so the fix is to merge the
            # RUNs (IK101's), not a cleanup in this one. A RUN that installs without
            # updating uses lists an earlier layer keeps: removing them here frees
            # nothing (measured: 313 bytes more), so it gets no cleanup either.
            updates = [apt_action(c) == "update" for c in apt]
            command = f"`{first.name} {apt_action(first)}`"
            fix = None
            if all(updates):
                message = (
                    f"{command} leaves the package lists in this layer; install in the same "
                    "RUN as the update, then remove them"
                )
            elif any(updates):
                fix = cleanup_fix(ctx, run, [f"rm -rf {LISTS}/*"], "remove the apt lists", sudo)
                message = (
                    f"{command} leaves the package lists in this layer; end the same RUN with "
                    f"`rm -rf {LISTS}/*` (`apt-get clean` alone does not remove them)"
                )
            else:
                message = (
                    f"{command} uses package lists an earlier layer keeps, whatever this RUN "
                    f"removes; update, install and `rm -rf {LISTS}/*` in one RUN"
                )
            yield ctx.on(RULE, first, message, fix)
