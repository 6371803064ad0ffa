"""IK522 copy-relative-without-workdir: COPY or ADD to a relative path before any WORKDIR.

A relative destination is resolved against the working directory, and while neither the
stage nor a stage it is built FROM has set one, that is whatever the base image chose.
Every stage is judged, except stages built on ``scratch`` (its working directory is ``/``).
Destinations starting with ``/``, ``$`` (left to a variable) or a Windows drive (``C:``) are
not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.words import split_words
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK522"
_DRIVE = re.compile(r"^[A-Za-z]:")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        lineage = ctx.lineage(stage)
        if lineage[0].is_scratch:
            continue
        if any(i.keyword == "WORKDIR" for s in lineage[:-1] for i in s.instructions):
            continue
        for instruction in stage.instructions:
            if instruction.keyword == "WORKDIR":
                break
            if instruction.keyword not in ("COPY", "ADD"):
                continue
            destination = _destination(instruction, ctx.dockerfile.escape)
            if destination is None or _absolute(destination):
                continue
            yield ctx.at(
                RULE,
                instruction,
                f"{instruction.keyword} to the relative path `{destination}` while no WORKDIR "
                "is set, so where the files land depends on the base image: set "
                "`WORKDIR /path` first, or give an absolute destination",
            )


def _destination(instruction: Instruction, escape: str) -> str | None:
    if instruction.exec_form is not None:
        return instruction.exec_form[-1] if len(instruction.exec_form) > 1 else None
    words = split_words(instruction.args, escape)
    return words[-1].value if len(words) > 1 else None


def _absolute(destination: str) -> bool:
    return destination.startswith(("/", "$", "\\")) or bool(_DRIVE.match(destination))
