"""IK528 constant-from-platform: ``FROM --platform=`` with a constant value.

Every stage is judged. A value that uses a variable (``$BUILDPLATFORM``,
``${TARGETPLATFORM}``, any build arg) is left to the build and not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK528"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for value in stage.from_instruction.flag_values("platform"):
            if "$" in value:
                continue
            yield ctx.at(
                RULE,
                stage.from_instruction,
                f"`FROM --platform={value}` fixes the stage's platform whatever the build "
                "targets; use `$BUILDPLATFORM` for a cross-compiling builder stage, or drop "
                "the flag and choose the platform with `docker build --platform`",
            )
