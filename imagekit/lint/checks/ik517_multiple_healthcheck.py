"""IK517 multiple-healthcheck: more than one HEALTHCHECK in a stage.

Every stage is judged on its own: a HEALTHCHECK that replaces the one of a stage it is
built FROM is how stages work. Like hadolint, ``HEALTHCHECK NONE`` counts: a NONE
followed by another HEALTHCHECK, or a check followed by NONE, is dead text either way.
Each HEALTHCHECK that a later one of the same stage overrides is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.checks.ik504_multiple_cmd_or_entrypoint import overridden
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK517"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction, line in overridden(ctx.dockerfile, stage, "HEALTHCHECK"):
            yield ctx.at(
                RULE,
                instruction,
                f"this HEALTHCHECK has no effect: the HEALTHCHECK on line {line} replaces it "
                "(only the last one of a stage counts); keep one",
            )
