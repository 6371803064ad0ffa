"""IK503 maintainer-instruction: the deprecated MAINTAINER instruction, in any stage."""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.lint.context import Context
from imagekit.lint.edits import logical_end
from imagekit.lint.findings import Edit, Fix, FixSafety, Violation

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
            _fix(ctx, instruction, label),
        )


def _fix(ctx: Context, instruction: Instruction, label: str) -> Fix | None:
    """The instruction becomes that LABEL (a one-line MAINTAINER only, so no comment inside
    a continuation is lost). Unsafe: the image config's author field is no longer set, and
    a tool that reads it finds nothing."""
    source = ctx.dockerfile.text[instruction.start : instruction.end]
    if "\n" in source or not instruction.args.strip():
        return None
    keyword = "label" if source[:10].islower() else "LABEL"
    text = f"{keyword} org.opencontainers.image.authors={label}"
    edit = Edit(instruction.start, logical_end(instruction), text)
    return Fix(FixSafety.UNSAFE, f"use `{text}`", (edit,))


def _quoted(author: str) -> str:
    """The author as a LABEL value: kept when already double-quoted, else quoted."""
    if len(author) >= 2 and author[0] == author[-1] == '"':
        return author
    escaped = author.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped or "..."}"'
