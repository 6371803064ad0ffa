"""IK101 consecutive-run: RUN directly after RUN in a shipped stage, each adding a layer.

Comments and blank lines between them do not count as a separator; any other instruction
does. RUNs that are already chained with ``&&`` or ``;`` inside still count. Two RUNs whose
``--mount``, ``--network`` or ``--security`` flags differ are left alone: joining them would
give one command the other's mounts (a secret, a cache) or network.

The fix (safe) joins the RUN onto the one before with ``&&`` (``edits.merge_runs``); a body
that changes the shell for later commands (``cd``, ``export``, ``set``, ``exit``...) or whose
``;``/``||`` would take in the other is wrapped in ``( )``, so each does what it did alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.lint.context import Context
from imagekit.lint.edits import merge_fix
from imagekit.lint.findings import Violation

RULE = "IK101"
_FLAGS = ("mount", "network", "security")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.shipped:
        previous: Instruction | None = None
        for instruction in stage.instructions:
            if instruction.keyword != "RUN":
                previous = None
                continue
            if previous is not None and _flags(previous) == _flags(instruction):
                line = ctx.dockerfile.span(previous.start, previous.start).line
                yield ctx.at(
                    RULE,
                    instruction,
                    f"RUN follows the RUN on line {line} with nothing between them: "
                    "merge them into one RUN (one layer)",
                    merge_fix(ctx, previous, instruction),
                )
            previous = instruction


def _flags(instruction: Instruction) -> tuple[tuple[str, ...], ...]:
    """The flags that decide whether two RUNs can be joined, in a comparable form."""
    return tuple(
        tuple(sorted(_normalized(v) for v in instruction.flag_values(name))) for name in _FLAGS
    )


def _normalized(value: str) -> str:
    """``type=cache,target=/x`` and ``target=/x,type=cache`` are the same mount."""
    return ",".join(sorted(part.strip() for part in value.split(",")))
