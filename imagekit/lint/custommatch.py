"""The four match shapes of custom rules, each a check over a Context.

:mod:`imagekit.lint.custom` reads and validates the ``[match]`` table of a rule file and
builds one of these: :class:`CommandMatch` (a command, its flags and the cleanup after it),
:class:`FromMatch` (a stage's base image against globs) or :class:`InstructionMatch` (an
instruction, optionally its arguments against a regular expression).
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from imagekit.dockerfile import Instruction, Stage
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation
from imagekit.lint.shellfacts import (
    APT_VALUE_OPTIONS,
    PIP_VALUE_OPTIONS,
    Removals,
    has_option,
    pip_args,
    positionals,
)

__all__ = ["CommandMatch", "FromMatch", "InstructionMatch"]

_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "apt-get": frozenset(APT_VALUE_OPTIONS),
    "apt": frozenset(APT_VALUE_OPTIONS),
    "pip": PIP_VALUE_OPTIONS,
}


def _stages(ctx: Context, scope: str) -> tuple[Stage, ...]:
    return ctx.shipped if scope == "shipped" else ctx.dockerfile.stages


def _own_args(command: Command, name: str) -> Command | None:
    """``command`` with only the tool's own arguments, if it runs ``name``.

    ``pip`` also means ``pip3``, ``pip3.12`` and ``python -m pip``.
    """
    if name != "pip":
        return command if command.name == name else None
    args = pip_args(command)
    if args is None:
        return None
    return command._replace(args=command.args[len(command.args) - len(args) :])


def _runs(command: Command, names: tuple[str, ...]) -> tuple[str, Command] | None:
    for name in names:
        own = _own_args(command, name)
        if own is not None:
            return name, own
    return None


def _first_positional(own: Command, name: str) -> str | None:
    found = positionals(own, _VALUE_OPTIONS.get(name, ()))
    return found[0] if found else None


class CommandMatch(NamedTuple):
    rule: str
    scope: str
    advice: str
    names: tuple[str, ...]
    subcommands: tuple[str, ...]
    flags: tuple[str, ...]
    cleanup: str | None
    cleanup_commands: tuple[tuple[str, ...], ...]

    def check(self, ctx: Context) -> Iterator[Violation]:
        for stage in _stages(ctx, self.scope):
            for run in ctx.runs(stage):
                commands = ctx.commands(run)
                removals: Removals | None = None
                for command in commands:
                    found = _runs(command, self.names)
                    if found is None:
                        continue
                    name, own = found
                    action = _first_positional(own, name) if self.subcommands else None
                    if self.subcommands and action not in self.subcommands:
                        continue
                    if self.flags and has_option(own, *self.flags):
                        continue
                    if self.cleanup is not None:
                        home = ctx.home(stage, run)
                        if ctx.cache_mounted(run, self.cleanup, home):
                            continue
                        if removals is None:
                            removals = Removals(commands, home)
                        if removals.after(command.order, self.cleanup):
                            continue
                    if self.cleanup_commands and any(
                        self._cleans(later) for later in commands if later.order > command.order
                    ):
                        continue
                    label = command.name if own is command else f"{command.name} -m {name}"
                    label += f" {action}" if action else ""
                    yield ctx.on(self.rule, command, f"{self._problem(label)}. {self.advice}")

    def _cleans(self, command: Command) -> bool:
        for words in self.cleanup_commands:
            found = _runs(command, words[:1])
            if found is None:
                continue
            own = found[1]
            options = [o for w in words[1:] if w.startswith("-") for o in _split_bundle(w)]
            wanted = [w for w in words[1:] if not w.startswith("-")]
            given = positionals(own, _VALUE_OPTIONS.get(words[0], ()))
            if given[: len(wanted)] == wanted and all(has_option(own, o) for o in options):
                return True
        return False

    def _problem(self, label: str) -> str:
        parts: list[str] = []
        if self.flags:
            parts.append("runs without " + _either([f"`{f}`" for f in self.flags]))
        cleanups = [f"removing {self.cleanup}"] if self.cleanup is not None else []
        cleanups += [f"`{shlex.join(words)}`" for words in self.cleanup_commands]
        if cleanups:
            parts.append("is not followed in the same RUN by " + _either(cleanups))
        return f"`{label}` " + (" and ".join(parts) if parts else "is used")


def _split_bundle(option: str) -> list[str]:
    """``-rf`` as ``-r`` and ``-f``; a long option as it is."""
    if option.startswith("--") or len(option) <= 2:
        return [option]
    return [f"-{letter}" for letter in option[1:]]


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _familiar(stage: Stage) -> tuple[str, ...]:
    """The forms of a stage's base image a ``from`` glob is matched against."""
    image = stage.image
    if image is None or not stage.base_resolved:
        return ()
    name = image.short_name
    tagged = f"{name}:{image.tag or 'latest'}"
    if image.digest is None:
        return (name, tagged)
    return (name, tagged, f"{tagged}@{image.digest}", f"{name}@{image.digest}")


class FromMatch(NamedTuple):
    rule: str
    scope: str
    advice: str
    patterns: tuple[str, ...]

    def check(self, ctx: Context) -> Iterator[Violation]:
        for stage in _stages(ctx, self.scope):
            forms = _familiar(stage)
            for pattern in self.patterns:
                if any(fnmatch.fnmatchcase(form, pattern) for form in forms):
                    raw = stage.image.raw if stage.image is not None else stage.base
                    message = f"base image `{raw}` matches `{pattern}`. {self.advice}"
                    yield ctx.at(self.rule, stage.from_instruction, message)
                    break


class InstructionMatch(NamedTuple):
    rule: str
    scope: str
    advice: str
    keywords: tuple[str, ...]
    arguments: re.Pattern[str] | None

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction in self._instructions(ctx):
            if instruction.keyword not in self.keywords:
                continue
            if self.arguments is None:
                yield ctx.at(self.rule, instruction, f"{instruction.keyword}. {self.advice}")
                continue
            line = instruction.line
            after = len(instruction.keyword)
            after += len(line.text[after:]) - len(line.text[after:].lstrip())
            found = self.arguments.search(line.text[after:])
            if found is None:
                continue
            message = (
                f"{instruction.keyword} arguments match `{self.arguments.pattern}`. {self.advice}"
            )
            if found.end() == found.start():
                yield ctx.at(self.rule, instruction, message)
            else:
                start = line.source_offset(after + found.start())
                end = line.source_end(after + found.end())
                yield ctx.violation(self.rule, start, end, message)

    def _instructions(self, ctx: Context) -> Iterable[Instruction]:
        if self.scope == "all":
            return ctx.dockerfile.instructions
        return [i for s in ctx.shipped for i in (s.from_instruction, *s.instructions)]
