"""IK504 multiple-cmd-or-entrypoint: a second CMD or ENTRYPOINT in one stage.

Every stage is judged on its own: a CMD that replaces the one of an earlier stage it is
built FROM is how stages are meant to work. Each CMD or ENTRYPOINT that a later one of the
same kind in the same stage overrides is reported (``ONBUILD CMD`` is not counted).
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Dockerfile, Instruction, Stage
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK504"
_KEYWORDS = ("CMD", "ENTRYPOINT")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for keyword in _KEYWORDS:
            for instruction, line in overridden(ctx.dockerfile, stage, keyword):
                yield ctx.at(
                    RULE,
                    instruction,
                    f"this {keyword} has no effect: the {keyword} on line {line} replaces it "
                    f"(only the last {keyword} of a stage counts); keep one",
                )


def overridden(
    dockerfile: Dockerfile, stage: Stage, keyword: str
) -> Iterator[tuple[Instruction, int]]:
    """Each ``keyword`` instruction of ``stage`` but the last, with the last one's line."""
    found = [i for i in stage.instructions if i.keyword == keyword]
    if len(found) < 2:
        return
    last = found[-1]
    line = dockerfile.span(last.start, last.start).line
    for instruction in found[:-1]:
        yield instruction, line
