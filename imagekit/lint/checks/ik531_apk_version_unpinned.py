"""IK531 apk-version-unpinned: ``apk add`` of a package without a version constraint.

Every stage is judged; one finding per ``apk add`` names its unpinned packages. A
constraint is ``=``, ``~``, ``<`` or ``>`` after the name (``curl=8.9.1-r2``, ``curl~8.9``).
The name given to ``--virtual``/``-t``, local ``.apk`` files, paths and words holding a
variable are not judged. Off by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pins import unpinned_violations
from imagekit.lint.shellfacts import positionals

RULE = "IK531"
OFF_BY_DEFAULT = True
# apk options that take the next word as their value.
_ADD_VALUE_OPTIONS = (
    *("-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--cache-max-age"),
    *("--keys-dir", "--repositories-file", "--timeout", "-t", "--virtual"),
)
_CONSTRAINT = re.compile(r"[=~<>]")
_MESSAGE = (
    "`apk add` without a version for {names}: a rebuild installs whatever the repository "
    "holds then; pin each one (`name=version` or `name~major.minor`)"
)


def check(ctx: Context) -> Iterator[Violation]:
    yield from unpinned_violations(ctx, RULE, unpinned, _MESSAGE)


def unpinned(command: Command) -> list[str]:
    """The packages of an ``apk add`` given without a version constraint."""
    if command.name != "apk":
        return []
    words = positionals(command, _ADD_VALUE_OPTIONS)
    if not words or words[0] != "add":
        return []
    return [w for w in words[1:] if _judged(w) and not _CONSTRAINT.search(w)]


def _judged(word: str) -> bool:
    if not word or "$" in word or word.endswith(".apk"):
        return False
    return "/" not in word and not word.startswith(("./", "~"))
