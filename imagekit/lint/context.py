"""What a check sees: the parsed Dockerfile, its shipped stages and derived facts."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagekit.dockerfile import Dockerfile, Instruction, Stage, shipped_stages, stage_lineage
from imagekit.dockerfile.shell import Command, Script, ShellParser
from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.findings import Violation


@dataclass(frozen=True)
class LintOptions:
    target: str | None = None
    """Stage to build (``--target``); the last stage when None."""
    context: Path | None = None
    """Build context directory (``--context``); the Dockerfile's directory when None."""


@dataclass(frozen=True, slots=True)
class Mount:
    type: str
    target: str


@dataclass
class Context:
    dockerfile: Dockerfile
    shell: ShellParser
    options: LintOptions
    directory: Path | None
    """Directory holding the Dockerfile (None for stdin)."""
    data: Any
    """Loader for rules/data tables: ``data("ca-bundles")``."""
    _scripts: dict[int, Script] = field(default_factory=dict)

    @property
    def shipped(self) -> tuple[Stage, ...]:
        return shipped_stages(self.dockerfile, self.options.target)

    def violation(
        self, rule: str, start: int, end: int, message: str, fixable: bool = False
    ) -> Violation:
        return Violation(rule, start, end, message, fixable)

    def at(self, rule: str, instruction: Instruction, message: str) -> Violation:
        """A violation covering the instruction's first line."""
        first_line_end = self.dockerfile.text.find("\n", instruction.start)
        if first_line_end == -1 or first_line_end > instruction.end:
            first_line_end = instruction.end
        return Violation(rule, instruction.start, first_line_end, message)

    def on(self, rule: str, command: Command, message: str) -> Violation:
        return Violation(rule, command.start, command.end, message)

    def runs(self, stage: Stage) -> Iterator[Instruction]:
        return (i for i in stage.instructions if i.keyword == "RUN")

    def script(self, instruction: Instruction) -> Script:
        cached = self._scripts.get(instruction.index)
        if cached is None:
            stage = self.dockerfile.stage_of(instruction)
            shell = self.stage_shell(stage) if stage is not None else None
            cached = self.shell.script(instruction, shell)
            self._scripts[instruction.index] = cached
        return cached

    def commands(self, instruction: Instruction) -> tuple[Command, ...]:
        return self.script(instruction).commands

    def lineage(self, stage: Stage) -> tuple[Stage, ...]:
        return stage_lineage(self.dockerfile, stage)

    def stage_shell(self, stage: Stage) -> tuple[str, ...] | None:
        shell: tuple[str, ...] | None = None
        for s in self.lineage(stage):
            for instruction in s.instructions:
                if instruction.keyword == "SHELL" and instruction.exec_form is not None:
                    shell = instruction.exec_form
        return shell

    def env_before(self, stage: Stage, instruction: Instruction | None = None) -> dict[str, str]:
        """ENV and ARG values visible in ``stage`` (before ``instruction``), ancestors included."""
        env: dict[str, str] = {}
        escape = self.dockerfile.escape
        for s in self.lineage(stage):
            for inst in s.instructions:
                if inst is instruction:
                    return env
                if inst.keyword in ("ENV", "ARG"):
                    for key, value, _ in parse_assignments(inst.args, escape):
                        if value is not None:
                            env[key] = value
                        elif inst.keyword == "ARG" and key in self.dockerfile.global_args:
                            global_value = self.dockerfile.global_args[key]
                            if global_value is not None:
                                env[key] = global_value
        return env

    def mounts(self, instruction: Instruction) -> tuple[Mount, ...]:
        mounts: list[Mount] = []
        for value in instruction.flag_values("mount"):
            options: dict[str, str] = {}
            for part in value.split(","):
                key, _, val = part.partition("=")
                options[key.strip().lower()] = val.strip()
            target = options.get("target") or options.get("dst") or options.get("destination")
            if target:
                mounts.append(Mount(options.get("type", "bind"), target))
        return tuple(mounts)

    def cache_mounted(self, instruction: Instruction, path: str, home: str = "/root") -> bool:
        """True when a cache or tmpfs mount of this RUN covers ``path`` (or a parent of it)."""
        wanted = normalize_path(path, home)
        for mount in self.mounts(instruction):
            if mount.type not in ("cache", "tmpfs"):
                continue
            target = normalize_path(mount.target, home)
            if path_covers(target, wanted):
                return True
        return False

    def home(self, stage: Stage, instruction: Instruction) -> str:
        """Home directory of the user running ``instruction``: ENV HOME, else from USER.

        root (or no USER) is ``/root``; a named user ``/home/NAME``; a bare non-zero uid ``/``.
        """
        env = self.env_before(stage, instruction)
        if env.get("HOME", "").startswith("/"):
            return normalize_path(env["HOME"])
        user = "root"
        for s in self.lineage(stage):
            for inst in s.instructions:
                if inst is instruction:
                    break
                if inst.keyword == "USER" and inst.args.strip():
                    user = inst.args.split()[0].partition(":")[0]
        if user in ("root", "0") or "$" in user:
            return "/root"
        return "/" if user.isdigit() else f"/home/{user}"


def normalize_path(path: str, home: str = "/root") -> str:
    path = path.strip().strip("'\"")
    if path.startswith("~"):
        path = home + path[1:]
    if path.startswith("$HOME"):
        path = home + path[5:]
    if path.startswith("${HOME}"):
        path = home + path[7:]
    while path.endswith("/*") or path.endswith("/."):
        path = path[:-2]
    normalized = posixpath.normpath(path) if path else path
    return normalized if normalized != "." else path


def path_covers(parent: str, path: str) -> bool:
    """True when ``parent`` is ``path`` or one of its ancestor directories."""
    if not parent or not path:
        return False
    if parent == "/":
        return path.startswith("/")
    return path == parent or path.startswith(parent.rstrip("/") + "/")
