"""IK519 copy-from-own-stage: ``COPY --from=X`` where X is the stage the COPY is in.

Every stage is judged. X matches the stage's name without case (as BuildKit compares stage
names) or its index. A value left to a build arg (``--from=${STAGE}``) is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Stage
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK519"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "COPY":
                continue
            for value in instruction.flag_values("from"):
                if _names_stage(value, stage):
                    yield ctx.at(
                        RULE,
                        instruction,
                        f"`--from={value}` names the stage this COPY is in, which is not "
                        "built yet: copy from an earlier stage, or use `cp` in a RUN",
                    )


def _names_stage(value: str, stage: Stage) -> bool:
    if value.isdigit():
        return int(value) == stage.index
    return stage.name is not None and value.lower() == stage.name.lower()
