"""IK513 invalid-expose-port: an EXPOSE value that is not a port, a range or a protocol.

Every EXPOSE of every stage is judged, value by value. A value is ``PORT``, ``PORT/PROTO``,
``FIRST-LAST`` or ``FIRST-LAST/PROTO`` with ports from 0 to 65535, ``FIRST`` not above
``LAST`` and the protocol ``tcp``, ``udp`` or ``sctp`` (any case). A value holding a
variable is judged after substituting the ENV/ARG values known at that point, and left
alone when a variable has no known value. ``HOST:CONTAINER`` mappings are reported too:
EXPOSE only documents container ports; publishing belongs to ``docker run -p``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.words import expand, split_words
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK513"
_SPEC = re.compile(r"(?P<first>[0-9]+)(?:-(?P<last>[0-9]+))?(?:/(?P<proto>[A-Za-z]+))?")
_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})
_HIGHEST = 65535


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword == "EXPOSE":
                yield from _expose(ctx, stage, instruction)


def _expose(ctx: Context, stage: Stage, instruction: Instruction) -> Iterator[Violation]:
    env: dict[str, str | None] | None = None
    for word in split_words(instruction.args, ctx.dockerfile.escape):
        value = word.value
        if "$" in value:
            if env is None:
                env = dict(ctx.env_before(stage, instruction))
            value, resolved = expand(value, env)
            if not resolved:
                continue
        problem = port_problem(value)
        if problem is None:
            continue
        line = instruction.line
        yield ctx.violation(
            RULE,
            line.source_offset(instruction.args_at + word.start),
            line.source_end(instruction.args_at + word.end),
            f"EXPOSE `{word.value}`: {problem}",
        )


def port_problem(value: str) -> str | None:
    """Why ``value`` is not a valid EXPOSE value, or None when it is one."""
    match = _SPEC.fullmatch(value)
    if match is None:
        if ":" in value:
            return (
                "EXPOSE takes container ports only; publish a host port with "
                "`docker run -p HOST:CONTAINER`"
            )
        return "not a port; write `PORT`, `PORT/tcp`, `PORT/udp` or a range `FIRST-LAST`"
    first = int(match["first"])
    last = int(match["last"]) if match["last"] is not None else first
    if max(first, last) > _HIGHEST:
        return f"ports range from 0 to {_HIGHEST}, so the build fails"
    if last < first:
        return f"the range ends below its start ({first} > {last}), so the build fails"
    proto = match["proto"]
    if proto is not None and proto.lower() not in _PROTOCOLS:
        return f"unknown protocol `{proto}`; use tcp, udp or sctp"
    return None
