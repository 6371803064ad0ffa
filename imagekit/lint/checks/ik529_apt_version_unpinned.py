"""IK529 apt-version-unpinned: ``apt-get install`` of a package without ``=version``.

Every stage is judged; one finding per install command names its unpinned packages.
``pkg=version`` is pinned; ``pkg/release`` only picks a release and is not. Local
``.deb`` files and paths, and words holding a variable, are not judged. Off by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pins import unpinned_violations
from imagekit.lint.shellfacts import APT_VALUE_OPTIONS, apt_action, positionals

RULE = "IK529"
OFF_BY_DEFAULT = True
_MESSAGE = (
    "`{command} install` without a version for {names}: a rebuild installs whatever the "
    "mirror holds then; pin each one (`name=version`)"
)


def check(ctx: Context) -> Iterator[Violation]:
    yield from unpinned_violations(ctx, RULE, unpinned, _MESSAGE)


def unpinned(command: Command) -> list[str]:
    """The packages of an ``apt-get install`` given without ``=version``."""
    if apt_action(command) != "install":
        return []
    packages = positionals(command, APT_VALUE_OPTIONS)[1:]
    return [p for p in packages if _judged(p) and "=" not in p]


def _judged(word: str) -> bool:
    """False for variables, ``.deb`` files and paths (``./x``, ``/tmp/x``, ``~/x``)."""
    if not word or "$" in word or word.endswith(".deb"):
        return False
    return not word.startswith(("/", "./", "../", "~"))
