"""IK530 pip-version-unpinned: ``pip install`` of a requirement without a version specifier.

Every stage is judged; one finding per install command names its unpinned requirements.
``pip``, ``pip3``, ``pip3.12`` and ``python -m pip`` count. A requirement is pinned by any
specifier (``==``, ``>=``, ``~=``, ``<`` ...) or a direct reference (``name @ URL``). Not
judged: commands with a constraints file (``-c``), the values of ``-r``/``-e`` and other
options, local paths and archives, URLs, words holding a variable, and ``pip``,
``setuptools`` and ``wheel`` under ``--upgrade`` (upgrading the installer). Off by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.pins import unpinned_violations
from imagekit.lint.shellfacts import pip_args

RULE = "IK530"
OFF_BY_DEFAULT = True
# pip (general and install) options that take the next word as their value.
_VALUE_OPTIONS = frozenset(
    {
        *("--python", "--log", "--proxy", "--retries", "--timeout", "--exists-action"),
        *("--trusted-host", "--cert", "--client-cert", "--cache-dir", "--use-feature"),
        *("--use-deprecated", "--keyring-provider", "-r", "--requirement", "-e", "--editable"),
        *("-t", "--target", "--prefix", "--root", "-i", "--index-url", "--extra-index-url"),
        *("-f", "--find-links", "--platform", "--python-version", "--implementation", "--abi"),
        *("--src", "--upgrade-strategy", "--global-option", "--config-settings", "-C"),
        *("--no-binary", "--only-binary", "--progress-bar", "--report", "--root-user-action"),
        *("--global-option", "--install-option", "--group"),
    }
)
_CONSTRAINTS = ("-c", "--constraint")
_INSTALLER = frozenset({"pip", "setuptools", "wheel"})
_SPECIFIER = re.compile(r"[=<>!~@]")
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")
_MESSAGE = (
    "`pip install` without a version for {names}: a rebuild installs the newest release "
    "then; give a specifier (`name==version`) or install from a requirements file with "
    "pinned versions"
)


def check(ctx: Context) -> Iterator[Violation]:
    yield from unpinned_violations(ctx, RULE, unpinned, _MESSAGE)


def unpinned(command: Command) -> list[str]:
    """Requirements of a ``pip install`` given without a version specifier."""
    args = pip_args(command)
    if args is None:
        return []
    words, options = _split(args)
    if not words or words[0] != "install":
        return []
    if any(o in _CONSTRAINTS or o.startswith("--constraint=") for o in options):
        return []
    upgrade = any(o in ("-U", "--upgrade") for o in options)
    loose: list[str] = []
    for word in words[1:]:
        if not _judged(word):
            continue
        requirement = word.split(";", 1)[0].strip()
        if _SPECIFIER.search(requirement):
            continue
        name = _NAME.match(requirement)
        if name is None:
            continue
        if upgrade and name.group(0).lower() in _INSTALLER:
            continue
        loose.append(word)
    return loose


def _split(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """Positional words and option words of pip's arguments (option values dropped)."""
    words: list[str] = []
    options: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            words.extend(args[i + 1 :])
            break
        if arg.startswith("-") and len(arg) > 1:
            options.append(arg)
            if arg in _VALUE_OPTIONS or arg in _CONSTRAINTS:
                i += 1
        else:
            words.append(arg)
        i += 1
    return words, options


def _judged(word: str) -> bool:
    """False for paths, archives, URLs and words holding a variable."""
    if not word or "$" in word or "://" in word or "/" in word:
        return False
    return not word.startswith((".", "~")) and not word.endswith(_ARCHIVES)
