"""IK501 add-where-copy-fits: ADD of local files that are neither archives nor URLs.

Every stage is judged. A source counts as an archive when its name ends in a tar or
compression suffix (ADD recognises archives by content, so a compressed file may be one),
and as remote when it is a URL or a git address. Sources that are build args (``$FILE``),
heredocs and ADD with ``--from`` are left alone: what they hold is not known.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.lint.context import Context
from imagekit.lint.findings import Edit, Fix, FixSafety, Violation
from imagekit.lint.pathfacts import copy_sources

RULE = "IK501"
_ADD_ONLY_FLAGS = frozenset({"checksum", "keep-git-dir", "unpack"})
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
                _fix(ctx, instruction, len(plain) == len(parsed[0])),
            )


def _fix(ctx: Context, instruction: Instruction, all_plain: bool) -> Fix | None:
    """ADD becomes COPY, when every source is a plain local file and no flag is ADD's own.

    Unsafe: ADD recognises a local tar archive by its content, whatever its name, and
    unpacks it; COPY would copy such a file as it is.
    """
    if not all_plain or any(f.name in _ADD_ONLY_FLAGS for f in instruction.flags):
        return None
    keyword = ctx.dockerfile.text[instruction.start : instruction.start + 3]
    if keyword.upper() != "ADD":
        return None
    copy = "copy" if keyword.islower() else "COPY"
    edit = Edit(instruction.start, instruction.start + 3, copy)
    return Fix(FixSafety.UNSAFE, "use COPY instead of ADD", (edit,))


def _plain_local(source: str) -> bool:
    if "$" in source or "://" in source or source.startswith("git@"):
        return False
    return not source.lower().endswith(_ARCHIVE_SUFFIXES)
