"""IK510 last-user-root: the last USER of the target stage switches to root.

Only the target stage is judged, with the stages it is built FROM (a USER set in a parent
stage carries over). A stage that never sets USER is not judged. The user part decides
(``root``, ``0``, ``root:app``); a USER left to a variable (``USER $APP_UID``) is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK510"
_ROOT = frozenset({"root", "0"})


def check(ctx: Context) -> Iterator[Violation]:
    last: Instruction | None = None
    for stage in ctx.shipped:
        for instruction in stage.instructions:
            if instruction.keyword == "USER" and instruction.args.strip():
                last = instruction
    if last is None:
        return
    value = last.args.split()[0]
    user = value.partition(":")[0]
    if user in _ROOT:
        yield ctx.at(
            RULE,
            last,
            f"the last USER of the target stage is `{value}`, so the container runs as root: "
            "end with `USER` naming an unprivileged user (a numeric id such as `USER 10001`)",
        )
