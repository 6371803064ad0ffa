"""IK517 multiple-healthcheck: more than one HEALTHCHECK in a stage.

Every stage is judged on its own: a HEALTHCHECK that replaces the one of a stage it is
built FROM is how stages work. Like hadolint, ``HEALTHCHECK NONE`` counts: a NONE
followed by another HEALTHCHECK, or a check followed by NONE, is dead text either way.
Each HEALTHCHECK that a later one of the same stage overrides is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK517"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        found = [i for i in stage.instructions if i.keyword == "HEALTHCHECK"]
        if len(found) < 2:
            continue
        last = found[-1]
        line = ctx.dockerfile.span(last.start, last.start).line
        for instruction in found[:-1]:
            yield ctx.at(
                RULE,
                instruction,
                f"this HEALTHCHECK has no effect: the HEALTHCHECK on line {line} replaces it "
                "(only the last one of a stage counts); keep one",
            )
