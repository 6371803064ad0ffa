"""IK502 cd-in-run: ``cd DIR`` in a RUN to set the directory for the commands after it.

Every stage is judged. A ``cd`` inside a subshell ``( cd x && make )`` or a command
substitution ``$(cd x && pwd)`` is scoped on purpose and is left alone, also inside an
``sh -c`` script. ``cd -`` (going back) and a ``cd`` to a directory only known when the
command runs (``cd "$(mktemp -d)"``) are not judged: WORKDIR cannot name it.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK502"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name != "cd" or command.scoped:
                    continue
                operands = [a for a in command.argv if a == "-" or not a.startswith("-")]
                target = operands[0] if operands else "~"
                if target == "-" or "$(" in target or "`" in target:
                    continue
                workdir = target if target.startswith("/") else "<absolute dir>"
                yield ctx.on(
                    RULE,
                    command,
                    f"`cd {target}` sets the directory for the rest of this RUN only and hides "
                    f"where the commands run: use `WORKDIR {workdir}`, or scope it in a "
                    "subshell `( cd DIR && ... )`",
                )
