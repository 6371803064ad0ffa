"""IK508 duplicate-stage-name: a stage named like an earlier one.

Names compare without case (BuildKit lowercases them). Each repeat is reported at its
FROM, naming the line of the first stage with that name.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK508"


def check(ctx: Context) -> Iterator[Violation]:
    first: dict[str, int] = {}
    for stage in ctx.dockerfile.stages:
        if stage.name is None:
            continue
        key = stage.name.lower()
        start = stage.from_instruction.start
        if key not in first:
            first[key] = start
            continue
        line = ctx.dockerfile.span(first[key], first[key]).line
        yield ctx.at(
            RULE,
            stage.from_instruction,
            f"stage name `{stage.name}` is already used by the stage on line {line}: "
            "give each stage its own name, so `--from`, `FROM` and `--target` pick one stage",
        )
