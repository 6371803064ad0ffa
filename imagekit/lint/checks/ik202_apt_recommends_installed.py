"""IK202 apt-recommends-installed: apt-get install without --no-install-recommends.

The option may also be given as ``-o APT::Install-Recommends=false`` (or ``0``, ``no``,
``off``; ``--option=...`` too). An apt configuration line such as
``APT::Install-Recommends "0";`` written by an earlier RUN of the stage's lineage (or
earlier in the same RUN) turns recommends off for every later install, so it counts too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import has_option, option_values, subcommand

RULE = "IK202"
_APT_VALUE_OPTIONS = ("-o", "-c", "-t", "--target-release", "--option", "--config-file")
_FALSE = frozenset({"0", "false", "no", "off", "without", "disable"})
_KEY = "apt::install-recommends"
# apt.conf syntax (not the `-o key=value` form): APT::Install-Recommends "false";
_CONFIG_LINE = re.compile(
    r"Install-Recommends\s+\\?[\"']?\s*(?:false|0|no|off|without|disable)\s*\\?[\"']?\s*;",
    re.IGNORECASE,
)


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.shipped:
        for run in ctx.runs(stage):
            for command in ctx.commands(run):
                if not _installs(command) or _recommends_off(command):
                    continue
                if _configured_off(ctx, stage, run, command):
                    continue
                yield ctx.on(
                    RULE,
                    command,
                    f"`{command.name} install` without --no-install-recommends also installs "
                    "recommended packages; add --no-install-recommends and name the few "
                    "you need",
                )


def _installs(command: Command) -> bool:
    return (
        command.name in ("apt-get", "apt") and subcommand(command, _APT_VALUE_OPTIONS) == "install"
    )


def _recommends_off(command: Command) -> bool:
    if has_option(command, "--no-install-recommends"):
        return True
    for value in (*option_values(command, "-o"), *option_values(command, "--option")):
        key, _, setting = value.partition("=")
        if key.strip().lower() == _KEY and setting.strip().strip("\"'").lower() in _FALSE:
            return True
    return False


def _configured_off(ctx: Context, stage: Stage, run: Instruction, command: Command) -> bool:
    """An apt.conf line turning recommends off, written before ``command``."""
    text = ctx.dockerfile.text
    for s in ctx.lineage(stage):
        for instruction in s.instructions:
            if instruction is run:
                return bool(_CONFIG_LINE.search(text, run.start, command.start))
            if instruction.keyword in ("RUN", "COPY", "ADD") and _CONFIG_LINE.search(
                text, instruction.start, instruction.end
            ):
                return True
    return False
