"""IK523 wget-and-curl: both wget and curl are run in the stages that ship.

Only shipped stages are judged (a builder stage's tools stay out of the image). The finding
is at the first use of whichever tool comes second, in build order; it is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK523"
_TOOLS = frozenset({"wget", "curl"})


def check(ctx: Context) -> Iterator[Violation]:
    first: str | None = None
    for stage in ctx.shipped:
        for instruction in ctx.runs(stage):
            for command in ctx.commands(instruction):
                if command.name not in _TOOLS:
                    continue
                if first is None:
                    first = command.name
                elif command.name != first:
                    yield ctx.on(
                        RULE,
                        command,
                        f"`{command.name}` is run here and `{first}` earlier: the image needs "
                        f"only one download tool, so fetch everything with `{first}` and "
                        f"leave `{command.name}` out",
                    )
                    return
