"""IK521 env-self-reference: an ENV uses a variable that the same ENV sets.

All assignments of one ENV are expanded with the values from before the instruction, so in
``ENV A=1 B=$A`` B does not get ``1``. Reported when a value refers to a variable set by an
earlier assignment of the same ENV (or by itself: ``ENV A=1 A=$A:x``) and no ENV or ARG of
the stage or its parent stages declared it before. References in single quotes or escaped
with the escape character are not expansions and are not judged; a reference to a variable
the ENV sets only later (``ENV B=$A A=1``) reads as intended and is not judged either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK521"
_NAME = re.compile(r"\{?([A-Za-z_][A-Za-z0-9_]*)")


def check(ctx: Context) -> Iterator[Violation]:
    escape = ctx.dockerfile.escape
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "ENV":
                continue
            declared = _declared_before(ctx, stage, instruction)
            assigned: list[str] = []
            args = instruction.args
            logical = instruction.args_logical
            for key, value, word in parse_assignments(args, escape):
                if value is None:
                    continue
                raw = args[word.start : word.end]
                raw_value = raw[raw.find("=") + 1 :] if "=" in raw else args[word.end :]
                for name in references(raw_value, escape):
                    if name in assigned and name not in declared:
                        yield ctx.violation(
                            RULE,
                            logical.source_offset(word.start),
                            logical.source_end(word.end),
                            f"`{key}` refers to `${name}`, which this ENV sets, but every value "
                            f"of one ENV is expanded before any is set, so `{key}` does not get "
                            f"the new `{name}`: set `{name}` in an ENV of its own above this one",
                        )
                        break
                assigned.append(key)


def _declared_before(ctx: Context, stage: Stage, instruction: Instruction) -> set[str]:
    names: set[str] = set()
    escape = ctx.dockerfile.escape
    for owner in ctx.lineage(stage):
        for earlier in owner.instructions:
            if earlier is instruction:
                return names
            if earlier.keyword in ("ENV", "ARG"):
                names.update(key for key, _, _ in parse_assignments(earlier.args, escape))
    return names


def references(raw: str, escape: str = "\\") -> list[str]:
    """Names of ``$NAME``/``${NAME...}`` expansions in a raw Dockerfile word."""
    names: list[str] = []
    quote = ""
    i = 0
    while i < len(raw):
        c = raw[i]
        if quote == "'":
            if c == "'":
                quote = ""
        elif c == escape:
            i += 1
        elif c == '"':
            quote = "" if quote else '"'
        elif c == "'" and not quote:
            quote = "'"
        elif c == "$":
            match = _NAME.match(raw, i + 1)
            if match:
                names.append(match.group(1))
        i += 1
    return names
