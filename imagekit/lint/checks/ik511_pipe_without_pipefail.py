"""IK511 pipe-without-pipefail: a pipe in a RUN hides the failure of its left side.

A pipeline's exit status is that of its last command, so ``curl URL | tar -x`` succeeds
when curl fails. Every stage is judged. A RUN is safe when the SHELL in force at that point
of its stage (or of a stage it is built FROM) was given ``-o pipefail`` (whatever the shell:
one that lacks the option fails every RUN loudly), when an earlier ``set -o pipefail`` (also
bundled: ``set -euxo pipefail``) runs in the same script, or when the pipe sits in a
``bash -o pipefail -c '...'`` string. Unlike hadolint, the in-RUN ``set`` is honoured, and a
pipe whose left-hand commands cannot fail (``echo``, ``printf``, ``yes``, ``true``) is not
reported: ``yes | cmd`` even breaks under pipefail. A RUN under a non-POSIX SHELL
(PowerShell, cmd) and an exec-form RUN without a shell have no pipes to judge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import SHELLS, Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK511"
_CANNOT_FAIL = frozenset({"echo", "printf", "yes", "true", ":"})


def check(ctx: Context) -> Iterator[Violation]:
    shells: dict[int, tuple[str, ...] | None] = {}
    for stage in ctx.dockerfile.stages:
        shell = shells.get(stage.parent) if stage.parent is not None else None
        for instruction in stage.instructions:
            if instruction.keyword == "SHELL" and instruction.exec_form is not None:
                shell = instruction.exec_form
            elif instruction.keyword == "RUN":
                if shell is not None and sets_pipefail(shell[1:]) is True:
                    continue
                yield from _run(ctx, instruction)
        shells[stage.index] = shell


def _run(ctx: Context, instruction: Instruction) -> Iterator[Violation]:
    script = ctx.script(instruction)
    if not script.shell:
        return
    commands = script.commands
    reported_until = -1
    pipefail = False
    for command in commands:
        if command.name == "set":
            state = sets_pipefail(command.argv)
            if state is not None:
                pipefail = state
            continue
        if command.pipeline < 1 or command.name in _CANNOT_FAIL or pipefail:
            continue
        if command.start < reported_until or _under_pipefail_shell(command, commands):
            continue
        consumer = _consumer(command, commands)
        end = consumer.end if consumer is not None else command.end
        reported_until = end
        last = f"`{consumer.name}`" if consumer is not None else "the next command"
        yield ctx.violation(
            RULE,
            command.start,
            end,
            f"`{command.name}` feeds a pipe ending in {last}: the RUN gets the status of "
            f"{last} only, so a failing `{command.name}` goes unnoticed; set "
            '`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before this RUN or start it '
            "with `set -o pipefail`",
        )


def sets_pipefail(argv: Sequence[str]) -> bool | None:
    """True for ``-o pipefail`` (``-eo pipefail`` ...), False for ``+o pipefail``, else None."""
    state: bool | None = None
    for i, arg in enumerate(argv[:-1]):
        if argv[i + 1] != "pipefail" or len(arg) < 2 or arg[0] not in "-+":
            continue
        if arg[1] != arg[0] and arg.endswith("o"):
            state = arg[0] == "-"
    return state


def _under_pipefail_shell(command: Command, commands: Sequence[Command]) -> bool:
    """True when ``command`` runs inside a ``bash -o pipefail -c '...'`` string."""
    for outer in commands:
        if outer.order >= command.order:
            break
        if outer.name not in SHELLS or not outer.start <= command.start < outer.end:
            continue
        if sets_pipefail(outer.argv) is True:
            return True
    return False


def _consumer(command: Command, commands: Sequence[Command]) -> Command | None:
    """The last command of the pipeline ``command`` feeds (the first later element 0)."""
    for later in commands[command.order + 1 :]:
        if later.pipeline == 0:
            return later
    return None
