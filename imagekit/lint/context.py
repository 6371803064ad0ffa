"""What a check sees: the parsed Dockerfile, its shipped stages and derived facts."""

import posixpath
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from imagekit.dockerfile import Dockerfile, Instruction, Stage, shipped_stages, stage_lineage
from imagekit.dockerfile.shell import Command, Script, ShellParser
from imagekit.dockerfile.words import parse_assignments
from imagekit.lint.findings import Fix, Violation

if TYPE_CHECKING:
    from pathlib import Path


class LintOptions(NamedTuple):
    target: str | None = None
    """Stage to build (``--target``); the last stage when None."""
    context: "Path | None" = None
    """Build context directory (``--context``); the Dockerfile's directory when None."""
    enable: frozenset[str] = frozenset()
    """Rules that are off by default (``enabled = false`` in rules/) to run anyway; ``ALL`` for all."""
    trusted_registries: tuple[str, ...] = ()
    """Registries base images may come from (configuration); empty when none are configured."""
    shellcheck: bool = False
    """Also check RUN bodies with ShellCheck (``--shellcheck``)."""
    rule_dirs: tuple[str, ...] = ()
    """Directories of a team's own declarative rules (``rule-dirs`` in the configuration)."""
    ca_bundles: tuple[Mapping[str, Any], ...] = ()
    """Entries tried before rules/data/ca-bundles.toml (``ca-bundles`` in the configuration)."""


class Mount(NamedTuple):
    type: str
    target: str


class Context:
    """What a check sees of one Dockerfile; scripts of RUN instructions are parsed once."""

    __slots__ = ("_facts", "_scripts", "data", "directory", "dockerfile", "options", "shell")

    dockerfile: Dockerfile
    shell: ShellParser
    options: LintOptions
    directory: "Path | str | None"
    """Directory holding the Dockerfile (None for stdin), as a Path or as text."""
    data: Any
    """Loader for rules/data tables: ``data("ca-bundles")``."""
    _scripts: dict[int, Script]
    _facts: "dict[int, _StageFacts]"
    """Per stage index: ENV/ARG, USER and SHELL gathered once (see ``_stage_facts``)."""

    def __init__(
        self,
        dockerfile: Dockerfile,
        shell: ShellParser,
        options: LintOptions,
        directory: "Path | str | None",
        data: Any,
    ) -> None:
        self.dockerfile = dockerfile
        self.shell = shell
        self.options = options
        self.directory = directory
        self.data = data
        self._scripts = {}
        self._facts = {}

    @property
    def shipped(self) -> tuple[Stage, ...]:
        return shipped_stages(self.dockerfile, self.options.target)

    def violation(
        self, rule: str, start: int, end: int, message: str, fix: Fix | None = None
    ) -> Violation:
        return Violation(rule, start, end, message, fix)

    def at(
        self, rule: str, instruction: Instruction, message: str, fix: Fix | None = None
    ) -> Violation:
        """A violation covering the instruction's first line."""
        first_line_end = self.dockerfile.text.find("\n", instruction.start)
        if first_line_end == -1 or first_line_end > instruction.end:
            first_line_end = instruction.end
        return Violation(rule, instruction.start, first_line_end, message, fix)

    def on(self, rule: str, command: Command, message: str, fix: Fix | None = None) -> Violation:
        return Violation(rule, command.start, command.end, message, fix)

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
        return self._stage_facts(stage).shell

    def env_before(self, stage: Stage, instruction: Instruction | None = None) -> dict[str, str]:
        """ENV and ARG values visible in ``stage`` (before ``instruction``), ancestors included.

        Without ``instruction`` (or with one outside the stage's lineage): after the stage.
        """
        if instruction is not None:
            owner: Stage | None = stage
            while owner is not None:
                facts = self._stage_facts(owner)
                before = facts.before.get(id(instruction))
                if before is not None:
                    env = dict(facts.env)
                    env.update(facts.settings[: before[0]])
                    return env
                owner = self.dockerfile.stages[owner.parent] if owner.parent is not None else None
        return dict(self._stage_facts(stage).env_end)

    def _stage_facts(self, stage: Stage) -> "_StageFacts":
        """ENV/ARG, USER and SHELL of ``stage`` and its ancestors, gathered once per stage."""
        facts = self._facts.get(stage.index)
        if facts is None:
            missing = [stage]
            while missing[-1].parent is not None and missing[-1].parent not in self._facts:
                missing.append(self.dockerfile.stages[missing[-1].parent])
            for s in reversed(missing):
                parent = self._facts.get(s.parent) if s.parent is not None else None
                facts = _gather(s, parent, self.dockerfile.escape, self.dockerfile.global_args)
                self._facts[s.index] = facts
        assert facts is not None
        return facts

    def _user_before(self, stage: Stage, instruction: Instruction) -> str:
        """The USER in force before ``instruction`` of ``stage`` (``home``'s reading of it)."""
        facts = self._stage_facts(stage)
        before = facts.before.get(id(instruction))
        if before is not None:
            return before[1]
        # An instruction of an ancestor stage (or of none): the walk ``home`` has always
        # made, which stops at it and then reads the later stages of the lineage whole.
        user = "root"
        for s in self.lineage(stage):
            for inst in s.instructions:
                if inst is instruction:
                    break
                if inst.keyword == "USER" and inst.args.strip():
                    user = inst.args.split()[0].partition(":")[0]
        return user

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
        user = self._user_before(stage, instruction)
        if user in ("root", "0") or "$" in user:
            return "/root"
        return "/" if user.isdigit() else f"/home/{user}"


class _StageFacts(NamedTuple):
    env: dict[str, str]
    """ENV and ARG values at the start of the stage (after its ancestors); shared, read only."""
    settings: tuple[tuple[str, str], ...]
    """The stage's own ENV and ARG settings, in order."""
    before: dict[int, tuple[int, str]]
    """Per ``id()`` of the stage's instructions: settings applied before it, and the USER."""
    env_end: dict[str, str]
    user_end: str
    shell: tuple[str, ...] | None
    """The last exec-form SHELL of the lineage, wherever it stands."""


def _gather(
    stage: Stage, parent: _StageFacts | None, escape: str, global_args: dict[str, str | None]
) -> _StageFacts:
    env = parent.env_end if parent is not None else {}
    user = parent.user_end if parent is not None else "root"
    shell = parent.shell if parent is not None else None
    settings: list[tuple[str, str]] = []
    before: dict[int, tuple[int, str]] = {}
    for inst in stage.instructions:
        before[id(inst)] = (len(settings), user)
        keyword = inst.keyword
        if keyword in ("ENV", "ARG"):
            for key, value, _ in parse_assignments(inst.args, escape):
                if value is not None:
                    settings.append((key, value))
                elif keyword == "ARG" and key in global_args:
                    global_value = global_args[key]
                    if global_value is not None:
                        settings.append((key, global_value))
        elif keyword == "USER" and inst.args.strip():
            user = inst.args.split()[0].partition(":")[0]
        elif keyword == "SHELL" and inst.exec_form is not None:
            shell = inst.exec_form
    env_end = dict(env)
    env_end.update(settings)
    return _StageFacts(env, tuple(settings), before, env_end, user, shell)


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
