"""IK503 maintainer-instruction: the deprecated MAINTAINER instruction, in any stage."""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK503"


def check(ctx: Context) -> Iterator[Violation]:
    for instruction in ctx.dockerfile.instructions:
        if instruction.keyword != "MAINTAINER":
            continue
        label = _quoted(" ".join(instruction.args.split()))
        yield ctx.at(
            RULE,
            instruction,
            "MAINTAINER is deprecated and its field is no longer shown by tools: use "
            f"`LABEL org.opencontainers.image.authors={label}`",
        )


def _quoted(author: str) -> str:
    """The author as a LABEL value: kept when already double-quoted, else quoted."""
    if len(author) >= 2 and author[0] == author[-1] == '"':
        return author
    escaped = author.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped or "..."}"'
