"""IK202 apt-recommends-installed: apt-get install without --no-install-recommends.

The option may also be given as ``-o APT::Install-Recommends=false`` (or ``0``, ``no``,
``off``; ``--option=...`` too). An apt configuration line such as
``APT::Install-Recommends "0";`` written by an earlier RUN of the stage's lineage (or
earlier in the same RUN) turns recommends off for every later install, so it counts too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Edit, Fix, FixSafety, Violation
from imagekit.lint.shellfacts import APT_VALUE_OPTIONS, apt_action, has_option, option_values

RULE = "IK202"
CA_BUNDLE = "ca-certificates"
#: Packages that recommend the CA bundle, which the fix then installs by name.
NEED_CA_BUNDLE = frozenset({"curl", "wget", "git"})
#: Packages whose only recommendation an image needs is the CA bundle: for an install of
#: these alone (with the bundle named), dropping recommends changes nothing that matters.
SAFE_WITHOUT_RECOMMENDS = frozenset({"curl", "wget", CA_BUNDLE})
_FALSE = frozenset({"0", "false", "no", "off", "without", "disable"})
_KEY = "apt::install-recommends"
# apt.conf syntax (not the `-o key=value` form): APT::Install-Recommends "false";
_CONFIG_LINE = re.compile(
    r"Install-Recommends\s+\\?[\"']?\s*(?:false|0|no|off|without|disable)\s*\\?[\"']?\s*;",
    re.IGNORECASE,
)


def check(ctx: Context) -> Iterator[Violation]:
    # The shipped stages form one lineage, oldest first: what an instruction of an earlier
    # stage (or earlier in the stage) writes counts for every later install.
    earlier = _Earlier(ctx.dockerfile.text)
    for stage in ctx.shipped:
        for instruction in stage.instructions:
            if instruction.keyword != "RUN":
                earlier.add(instruction)
                continue
            run = instruction
            within = _Within(ctx.dockerfile.text, run, ctx.commands(run))
            for command in ctx.commands(run):
                if not _installs(command) or _recommends_off(command):
                    continue
                if earlier.configured_off() or within.configured_off(command):
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    f"`{command.name} install` without --no-install-recommends also installs "
                    "recommended packages; add --no-install-recommends and name the few "
                    "you need",
                    _fix(run, command),
                )
            earlier.add(run)


def _fix(run: Instruction, command: Command) -> Fix | None:
    """Add --no-install-recommends after ``install``, and ca-certificates when a package
    that recommends it (curl, wget, git) is installed without it.

    Safe only when every package is one whose recommends an image does not need besides
    the CA bundle; otherwise the image may lose a package something relies on (git's
    ssh client, for one), so the fix is unsafe.
    """
    if run.exec_form is not None:
        return None
    words = command.args
    action = next((w for w in words if w.text == "install"), None)
    if action is None:
        return None
    names = [_package(p) for p in _packages(command)]
    added = " --no-install-recommends"
    edits: list[Edit] = []
    adds_bundle = CA_BUNDLE not in names and not NEED_CA_BUNDLE.isdisjoint(names)
    if adds_bundle and words[-1].end > action.end:
        edits.append(Edit(words[-1].end, words[-1].end, f" {CA_BUNDLE}"))
    elif adds_bundle:
        added += f" {CA_BUNDLE}"
    edits.insert(0, Edit(action.end, action.end, added))
    safe = bool(names) and all(n in SAFE_WITHOUT_RECOMMENDS for n in names)
    description = "add --no-install-recommends" + (f" and {CA_BUNDLE}" if adds_bundle else "")
    return Fix(FixSafety.SAFE if safe else FixSafety.UNSAFE, description, tuple(edits))


def _packages(command: Command) -> list[str]:
    words = command.argv
    found: list[str] = []
    i = 0
    seen_action = False
    while i < len(words):
        arg = words[i]
        if arg in APT_VALUE_OPTIONS:
            i += 2
            continue
        if not arg.startswith("-"):
            if seen_action:
                found.append(arg)
            seen_action = True
        i += 1
    return found


def _package(argument: str) -> str:
    """``curl=7.88*``, ``curl:amd64`` and ``curl/bookworm`` name the package ``curl``;
    an argument with an expansion names an unknown one (``$``)."""
    if "$" in argument or "*" in argument.partition("=")[0]:
        return "$"
    return re.split(r"[=:/]", argument, maxsplit=1)[0].lower()


def _installs(command: Command) -> bool:
    return apt_action(command) == "install"


def _recommends_off(command: Command) -> bool:
    if has_option(command, "--no-install-recommends"):
        return True
    for value in (*option_values(command, "-o"), *option_values(command, "--option")):
        key, _, setting = value.partition("=")
        if key.strip().lower() == _KEY and setting.strip().strip("\"'").lower() in _FALSE:
            return True
    return False


class _Earlier:
    """Whether an earlier RUN, COPY or ADD holds an apt.conf line turning recommends off.

    Instructions are searched once each, and only when an install asks.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._unsearched: list[Instruction] = []
        self._found = False

    def add(self, instruction: Instruction) -> None:
        if not self._found and instruction.keyword in ("RUN", "COPY", "ADD"):
            self._unsearched.append(instruction)

    def configured_off(self) -> bool:
        if not self._found and self._unsearched:
            text = self._text
            self._found = any(_CONFIG_LINE.search(text, i.start, i.end) for i in self._unsearched)
            self._unsearched.clear()
        return self._found


class _Within:
    """Whether such a line stands in a RUN before one of its commands.

    The RUN is searched once, for its first line; a line that ends before ``command``
    starts no earlier than that one, so only a command that starts before the first line
    ends needs a (short) search of its own.
    """

    def __init__(self, text: str, run: Instruction, commands: tuple[Command, ...]) -> None:
        self._text = text
        self._run = run
        self._end = max((c.start for c in commands), default=run.start)
        self._first: re.Match[str] | None = None
        self._searched = False

    def configured_off(self, command: Command) -> bool:
        if not self._searched:
            self._first = _CONFIG_LINE.search(self._text, self._run.start, self._end)
            self._searched = True
        first = self._first
        if first is None:
            return False
        if first.end() <= command.start:
            return True
        return bool(_CONFIG_LINE.search(self._text, first.start(), command.start))
