"""IK501 add-where-copy-fits: ADD of local files that are neither archives nor URLs.

Every stage is judged. A source counts as an archive when its name ends in a tar or
compression suffix (ADD recognises archives by content, so a compressed file may be one),
and as remote when it is a URL or a git address. Sources that are build args (``$FILE``),
heredocs and ADD with ``--from`` are left alone: what they hold is not known.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pathfacts import copy_sources

RULE = "IK501"
_ARCHIVE_SUFFIXES = (
    ".tar",
    ".tgz",
    ".tbz",
    ".tbz2",
    ".tb2",
    ".txz",
    ".tlz",
    ".tzst",
    ".taz",
    ".tz",
    ".gz",
    ".bz2",
    ".xz",
    ".lz",
    ".lzma",
    ".zst",
    ".z",
)


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "ADD" or instruction.heredocs:
                continue
            if instruction.flag("from") is not None:
                continue
            parsed = copy_sources(instruction, ctx.dockerfile.escape)
            if parsed is None:
                continue
            plain = [source for source in parsed[0] if _plain_local(source)]
            if not plain:
                continue
            named = ", ".join(f"`{source}`" for source in plain)
            yield ctx.at(
                RULE,
                instruction,
                f"ADD copies {named}, which "
                f"{'is' if len(plain) == 1 else 'are'} neither an archive to unpack nor a URL: "
                "use COPY, which does only that",
            )


def _plain_local(source: str) -> bool:
    if "$" in source or "://" in source or source.startswith("git@"):
        return False
    return not source.lower().endswith(_ARCHIVE_SUFFIXES)
