"""IK506 sudo-in-run: a command run through ``sudo`` in a RUN.

Every stage is judged. The shell model looks through ``sudo`` (and ``env``, ``nice`` ...)
to the command it runs and records the wrappers it passed. A ``sudo`` that is itself the
command (``sudo -v``) counts too; ``sudo`` as an argument (``apt-get install sudo``) does
not.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK506"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name != "sudo" and "sudo" not in command.wrappers:
                    continue
                shown = "`sudo`" if command.name == "sudo" else f"`sudo {command.name}`"
                yield ctx.on(
                    RULE,
                    command,
                    f"{shown} in a RUN: the build has no terminal for a password prompt and "
                    "sudo stays in the image; run the step before `USER` drops root "
                    "(or under `USER root`), and use gosu or su-exec to drop privileges "
                    "at run time",
                )
