"""IK104 context-copied-without-dockerignore: ``COPY . DEST`` with no .dockerignore.

The build context is sent for every stage, so every stage is judged. The ignore files
BuildKit reads are ``.dockerignore`` at the root of the context and
``<Dockerfile name>.dockerignore`` beside the Dockerfile. When the directory is unknown
nothing is reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pathfacts import copy_sources

if TYPE_CHECKING:
    from pathlib import Path

RULE = "IK104"
_WHOLE_CONTEXT = frozenset({".", "./"})


def check(ctx: Context) -> Iterator[Violation]:
    context = ctx.options.context if ctx.options.context is not None else ctx.directory
    if context is None or _has_dockerignore(ctx, context):
        return
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
                continue
            if instruction.heredocs:
                continue
            parsed = copy_sources(instruction, ctx.dockerfile.escape)
            if parsed is None or _WHOLE_CONTEXT.isdisjoint(parsed[0]):
                continue
            yield ctx.at(
                RULE,
                instruction,
                f"`{instruction.keyword} .` copies the whole build context ({context}), which has "
                "no .dockerignore: .git, node_modules, build output and local files go into the "
                "layer, and a change to any of them rebuilds it and every layer after it; add a "
                ".dockerignore or copy the paths the image needs by name",
            )


def _has_dockerignore(ctx: Context, context: Path | str) -> bool:
    if os.path.isfile(os.path.join(context, ".dockerignore")):
        return True
    name = os.path.basename(ctx.dockerfile.path) + ".dockerignore"
    # The Dockerfile's directory: ctx.directory unless --context replaced it.
    if ctx.options.context is None:
        beside = ctx.directory
    elif ctx.dockerfile.path not in ("-", "<stdin>"):
        beside = os.path.dirname(ctx.dockerfile.path)
    else:
        beside = None
    return beside is not None and os.path.isfile(os.path.join(beside, name))
