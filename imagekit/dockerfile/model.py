"""The Dockerfile model: instructions with exact spans, stages, directives."""

import bisect
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from imagekit.dockerfile.source import LineIndex, Problem, Span

T = TypeVar("T")

KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)


class Logical(NamedTuple):
    """Text assembled from several source pieces (continuations removed), with its origin.

    ``pieces`` holds ``(logical_start, source_start)`` pairs: the characters from
    ``logical_start`` up to the next piece are a verbatim copy of the source from
    ``source_start``.
    """

    text: str
    pieces: tuple[tuple[int, int], ...]

    def source_offset(self, index: int) -> int:
        row = max(0, bisect.bisect_right(self.pieces, index, key=_piece_start) - 1)
        logical_start, source_start = self.pieces[row]
        return source_start + (index - logical_start)

    def source_end(self, index: int) -> int:
        """Source offset just past logical character ``index - 1``."""
        if index <= 0:
            return self.source_offset(0)
        return self.source_offset(index - 1) + 1

    def slice(self, start: int, end: int | None = None) -> "Logical":
        end = len(self.text) if end is None else end
        pieces: list[tuple[int, int]] = []
        for i, (lstart, sstart) in enumerate(self.pieces):
            lend = self.pieces[i + 1][0] if i + 1 < len(self.pieces) else len(self.text)
            lo, hi = max(lstart, start), min(lend, end)
            if lo < hi or (not pieces and lo == hi == start):
                pieces.append((lo - start, sstart + (lo - lstart)))
        if not pieces:
            pieces.append((0, self.source_offset(start)))
        return Logical(self.text[start:end], tuple(pieces))


def _piece_start(piece: tuple[int, int]) -> int:
    return piece[0]


class Flag(NamedTuple):
    """A ``--name[=value]`` flag of an instruction, e.g. ``--mount=type=cache,target=/x``."""

    name: str
    value: str | None
    start: int
    end: int


class Heredoc(NamedTuple):
    name: str
    body: str
    body_start: int
    quoted: bool
    strip_tabs: bool


class Comment(NamedTuple):
    text: str
    start: int
    end: int


class Instruction(NamedTuple):
    keyword: str
    """Upper-case instruction name, e.g. ``RUN``."""
    line: Logical
    """The whole logical line (keyword, flags, arguments) with continuations joined."""
    flags: tuple[Flag, ...]
    args_at: int
    """Index in ``line.text`` where the arguments (after flags) begin."""
    heredocs: tuple[Heredoc, ...]
    exec_form: tuple[str, ...] | None
    start: int
    end: int
    comments: tuple[Comment, ...] = ()
    """Comment lines directly above the instruction (for inline directives)."""
    index: int = 0  # type: ignore[assignment]  # a field, shadowing tuple.index
    """Position in ``Dockerfile.instructions``."""

    @property
    def args(self) -> str:
        return self.line.text[self.args_at :]

    @property
    def args_logical(self) -> Logical:
        return self.line.slice(self.args_at)

    def flag(self, name: str) -> Flag | None:
        for flag in self.flags:
            if flag.name == name:
                return flag
        return None

    def flag_values(self, name: str) -> tuple[str, ...]:
        return tuple(f.value or "" for f in self.flags if f.name == name)


class ImageName(NamedTuple):
    """A FROM image reference, split leniently (registry, repository, tag, digest)."""

    raw: str
    registry: str | None
    repository: str
    tag: str | None
    digest: str | None

    @property
    def short_name(self) -> str:
        """Repository without the Docker Hub ``library/`` prefix, e.g. ``python``."""
        repo = self.repository
        if self.registry in (None, "docker.io", "index.docker.io", "registry-1.docker.io"):
            repo = repo.removeprefix("library/")
            return repo
        return f"{self.registry}/{repo}"


class Stage(NamedTuple):
    index: int  # type: ignore[assignment]  # a field, shadowing tuple.index
    name: str | None
    from_instruction: Instruction
    base: str
    """Base image as written, with build-arg defaults substituted."""
    base_resolved: bool
    """False when the base names a build arg without a default value."""
    image: ImageName | None
    """The base image, or None when the stage is built FROM another stage or scratch."""
    parent: int | None
    """Index of the stage this one is built FROM, if any."""
    platform: str | None
    instructions: tuple[Instruction, ...]
    """Instructions after FROM, up to the next FROM."""

    @property
    def is_scratch(self) -> bool:
        return self.parent is None and self.base.lower() == "scratch"


class Dockerfile:
    """A parsed Dockerfile. Treat it as immutable; ``_cache`` holds derived tables.

    Equal only to itself (its line index compares by identity).
    """

    __slots__ = (
        "_cache",
        "comments",
        "directives",
        "escape",
        "global_args",
        "instructions",
        "lines",
        "path",
        "problems",
        "stages",
        "text",
    )

    path: str
    text: str
    lines: LineIndex
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    global_args: dict[str, str | None]
    directives: dict[str, str]
    comments: tuple[Comment, ...]
    problems: tuple[Problem, ...]
    escape: str
    _cache: dict[object, object]

    def __init__(
        self,
        path: str,
        text: str,
        lines: LineIndex,
        instructions: tuple[Instruction, ...],
        stages: tuple[Stage, ...],
        global_args: dict[str, str | None],
        directives: dict[str, str],
        comments: tuple[Comment, ...],
        problems: tuple[Problem, ...],
        escape: str = "\\",
    ) -> None:
        self.path = path
        self.text = text
        self.lines = lines
        self.instructions = instructions
        self.stages = stages
        self.global_args = global_args
        self.directives = directives
        self.comments = comments
        self.problems = problems
        self.escape = escape
        self._cache = {}

    def __repr__(self) -> str:
        return (
            f"Dockerfile(path={self.path!r}, text={self.text!r}, lines={self.lines!r}, "
            f"instructions={self.instructions!r}, stages={self.stages!r}, "
            f"global_args={self.global_args!r}, directives={self.directives!r}, "
            f"comments={self.comments!r}, problems={self.problems!r}, escape={self.escape!r})"
        )

    @property
    def parsed(self) -> bool:
        """True when the file could be split into stages at all."""
        return bool(self.stages)

    def span(self, start: int, end: int) -> Span:
        return self.lines.span(start, end)

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """A table derived from the file, computed once: ``compute()`` the first time."""
        if key in self._cache:
            return self._cache[key]  # type: ignore[return-value]
        value = compute()
        self._cache[key] = value
        return value

    def stage_of(self, instruction: Instruction) -> Stage | None:
        cached = self._cache.get("stage_of")
        if isinstance(cached, dict):
            table: dict[int, Stage] = cached
        else:
            table = {}
            for stage in self.stages:
                table[id(stage.from_instruction)] = stage
                for inner in stage.instructions:
                    table[id(inner)] = stage
            self._cache["stage_of"] = table
        return table.get(id(instruction))

    def stage_named(self, name: str) -> Stage | None:
        lowered = name.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == lowered:
                return stage
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None
