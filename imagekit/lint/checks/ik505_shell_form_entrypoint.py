"""IK505 shell-form-entrypoint: the image's CMD or ENTRYPOINT is in shell form.

Only the target stage is judged, and only what ends up in its image config: the last
ENTRYPOINT and the last CMD of the stage and the stages it is built FROM. An ENTRYPOINT
clears a CMD inherited from an earlier stage (as the builder does), and a shell-form
ENTRYPOINT ignores CMD, so then only the ENTRYPOINT is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK505"


def check(ctx: Context) -> Iterator[Violation]:
    shipped = ctx.shipped
    if not shipped:
        return
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    for stage in shipped:
        cmd_set = False
        for instruction in stage.instructions:
            if instruction.keyword == "CMD":
                cmd, cmd_set = instruction, True
            elif instruction.keyword == "ENTRYPOINT":
                entrypoint = instruction
                if not cmd_set:
                    cmd = None
    if entrypoint is not None and entrypoint.exec_form is None:
        flagged = entrypoint
    elif cmd is not None and cmd.exec_form is None:
        flagged = cmd
    else:
        return
    shell = ctx.stage_shell(shipped[-1]) or ("/bin/sh", "-c")
    keyword = flagged.keyword
    ignores = " and ignores CMD and `docker run` arguments" if keyword == "ENTRYPOINT" else ""
    yield ctx.at(
        RULE,
        flagged,
        f"{keyword} in shell form runs under `{' '.join(shell)}`: the shell is PID 1 and does "
        f"not pass SIGTERM on, the image needs {shell[0]}{ignores}; write it as a JSON "
        f'array (`{keyword} ["program", "arg"]`)',
    )
