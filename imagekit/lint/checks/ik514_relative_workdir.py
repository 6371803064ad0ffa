"""IK514 relative-workdir: a WORKDIR given as a relative path.

Every WORKDIR of every stage is judged. A path is absolute when it starts with ``/``,
with a Windows drive (``C:\\app``, ``C:/app``) or with ``\\``, as written (before the
escape character is applied) or after. Variables are substituted
with the ENV/ARG values known at that point; a WORKDIR that starts with a variable
without a known value (``$HOME/app``, ``${APP_DIR}``) is not judged, since the value may
be absolute. ``~`` is not expanded by the builder, so ``~/app`` is relative.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.words import expand, split_words
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK514"
_ABSOLUTE = re.compile(r"/|\\|[A-Za-z]:[\\/]")


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword == "WORKDIR":
                path = _path(ctx, stage, instruction)
                if path is not None and not is_absolute(path):
                    yield ctx.at(
                        RULE,
                        instruction,
                        f"WORKDIR `{path}` is relative: it is resolved against the WORKDIR "
                        "in force before it, which the base image may set or change; "
                        "give an absolute path",
                    )


def _path(ctx: Context, stage: Stage, instruction: Instruction) -> str | None:
    """The WORKDIR's path as the builder sees it, or None when it cannot be known."""
    written = instruction.args.strip().strip("'\"")
    if is_absolute(written):
        return written
    words = split_words(instruction.args, ctx.dockerfile.escape)
    if not words:
        return None
    raw = " ".join(w.value for w in words)
    if "$" not in raw:
        return raw
    prefix = raw[: raw.index("$")]
    if prefix:
        return raw
    value, resolved = expand(raw, dict(ctx.env_before(stage, instruction)))
    return value if resolved else None


def is_absolute(path: str) -> bool:
    return _ABSOLUTE.match(path) is not None
