"""IK506 sudo-in-run: a command run through ``sudo`` in a RUN.

Every stage is judged. The shell model looks through ``sudo`` (and ``env``, ``nice`` ...)
to the command it runs, so the source text before each command's arguments is read for a
``sudo`` word; exec-form RUNs are read from their argument list. A ``sudo`` that is itself
the command (``sudo -v``) counts too; ``sudo`` as an argument (``apt-get install sudo``)
does not.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK506"


def check(ctx: Context) -> Iterator[Violation]:
    text = ctx.dockerfile.text
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if not _through_sudo(text, instruction, command):
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


def _through_sudo(text: str, instruction: Instruction, command: Command) -> bool:
    if command.name == "sudo":
        return True
    if command.start == instruction.start and instruction.exec_form is not None:
        # The exec-form command itself: its words carry the instruction's span.
        return _sudo_in(instruction.exec_form[: len(instruction.exec_form) - len(command.args)])
    end = command.args[0].start if command.args else command.end
    return _sudo_in(text[command.start : end].replace("\\\n", " ").split())


def _sudo_in(words: tuple[str, ...] | list[str]) -> bool:
    """True when a word up to the command name is ``sudo`` (not an assignment's value)."""
    return any(
        "=" not in word and posixpath.basename(word.strip("'\"")) == "sudo" for word in words
    )
