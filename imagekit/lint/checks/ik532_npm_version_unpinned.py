"""IK532 npm-version-unpinned: ``npm install PKG`` without an ``@version``.

Every stage is judged; one finding per install command names its unpinned packages.
``npm install``, its aliases (``i``, ``add`` ...) count; ``npm ci`` and an install without
package names install from the lock file and are fine. ``name@version`` and
``@scope/name@version`` are pinned (``@latest`` is not). Git, URL, tarball and path specs
(``user/repo``, ``./dir``, ``pkg.tgz``, ``github:...``) and words holding a variable are not
judged. Off by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile.shell import Command
from imagekit.lint.checks.ik205_npm_cache_left import NPM_VALUE_OPTIONS
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pins import unpinned_violations
from imagekit.lint.shellfacts import positionals

RULE = "IK532"
OFF_BY_DEFAULT = True
_INSTALLS = frozenset(
    {
        *("install", "i", "in", "ins", "inst", "insta", "instal"),
        *("isnt", "isnta", "isntal", "isntall", "add"),
    }
)
_MOVING = frozenset({"", "latest", "*", "x", "next"})
_ARCHIVES = (".tgz", ".tar.gz", ".tar")
_MESSAGE = (
    "`npm install` without a version for {names}: a rebuild installs the newest release "
    "then; add `@version`, or list it in package.json and install from the lock file with "
    "`npm ci`"
)


def check(ctx: Context) -> Iterator[Violation]:
    yield from unpinned_violations(ctx, RULE, unpinned, _MESSAGE)


def unpinned(command: Command) -> list[str]:
    """Packages named on an ``npm install`` command line without a version."""
    if command.name != "npm":
        return []
    words = positionals(command, NPM_VALUE_OPTIONS)
    if not words or words[0] not in _INSTALLS:
        return []
    return [w for w in words[1:] if _judged(w) and _version(w) in _MOVING]


def _version(spec: str) -> str:
    """The part after the name's ``@`` (a scope's leading ``@`` is part of the name)."""
    _name, at, version = spec[1:].partition("@") if spec.startswith("@") else spec.partition("@")
    return version if at else ""


def _judged(word: str) -> bool:
    """False for git, URL, tarball and path specs and words holding a variable."""
    if not word or "$" in word or ":" in word or word.endswith(_ARCHIVES):
        return False
    if word.startswith((".", "/", "~")):
        return False
    # user/repo (a GitHub repository) or a relative path; @scope/name is a package
    return "/" not in word or word.startswith("@")
