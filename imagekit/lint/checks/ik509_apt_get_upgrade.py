"""IK509 apt-get-upgrade: ``apt-get upgrade`` (or ``dist-upgrade``, ``full-upgrade``) in a RUN.

Every stage is judged; ``apt upgrade`` and ``apt full-upgrade`` count too. hadolint's old
DL3005 said the same, but current hadolint releases no longer have it.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import apt_action

RULE = "IK509"
_UPGRADES = frozenset({"upgrade", "dist-upgrade", "full-upgrade"})


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                action = apt_action(command)
                if action not in _UPGRADES:
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    f"`{command.name} {action}` upgrades whatever the mirror holds on the day "
                    "of the build and stores every upgraded package again in this layer: "
                    "take the fixes from a newer base image tag or digest instead",
                )
