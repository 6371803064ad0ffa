"""IK526 invalid-label-key: a LABEL key outside Docker's key format.

Every stage is judged. A key should be lower-case letters, digits, ``.`` and ``-``, begin
with a letter, end with a letter or digit, and hold no ``..`` or ``--``; the namespaces
``com.docker.``, ``io.docker.`` and ``org.dockerproject.`` are reserved for Docker. Keys
left to a variable (``LABEL $KEY=x``) are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK526"
_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")
_CHARACTERS = re.compile(r"[a-z0-9.-]*")


def check(ctx: Context) -> Iterator[Violation]:
    escape = ctx.dockerfile.escape
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "LABEL":
                continue
            logical = instruction.args_logical
            for key, value, word in parse_assignments(instruction.args, escape):
                if value is None or "$" in key:
                    continue
                problem = key_problem(key)
                if problem is None:
                    continue
                start = logical.source_offset(word.start)
                yield ctx.violation(
                    RULE,
                    start,
                    start + len(instruction.args[word.start : word.end].partition("=")[0]),
                    f"label key `{key}` {problem}: use lower-case letters, digits, `.` and `-` "
                    "in a reverse-DNS name of your own, e.g. `com.example.team`",
                )


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid label key, or None when it is."""
    if not key:
        return "is empty"
    lowered = key.lower()
    if lowered.startswith(_RESERVED):
        return "is in a namespace reserved for Docker"
    if not _CHARACTERS.fullmatch(key):
        return (
            "holds upper-case letters"
            if _CHARACTERS.fullmatch(lowered)
            else "holds characters other than lower-case letters, digits, `.` and `-`"
        )
    if not key[0].isalpha():
        return "does not begin with a letter"
    if not key[-1].isalnum():
        return "does not end with a letter or digit"
    if ".." in key or "--" in key:
        return "holds `..` or `--`"
    return None
