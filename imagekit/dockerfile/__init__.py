"""The Dockerfile model: pure, standard library plus the shell parser."""

from __future__ import annotations

from imagekit.dockerfile.model import (
    Comment,
    Dockerfile,
    Flag,
    Heredoc,
    ImageName,
    Instruction,
    Logical,
    Stage,
)
from imagekit.dockerfile.source import LineIndex, Problem, Span, decode
from imagekit.dockerfile.splitter import split
from imagekit.dockerfile.stages import (
    base_image,
    build_stages,
    parse_image_name,
    shipped_stages,
    stage_lineage,
    target_stage,
)

__all__ = [
    "Comment",
    "Dockerfile",
    "Flag",
    "Heredoc",
    "ImageName",
    "Instruction",
    "LineIndex",
    "Logical",
    "Problem",
    "Span",
    "Stage",
    "base_image",
    "parse",
    "parse_bytes",
    "parse_image_name",
    "shipped_stages",
    "stage_lineage",
    "target_stage",
]


def parse(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile text. Never raises on bad input: problems are collected."""
    return _build(text, path, [])


def parse_bytes(data: bytes, path: str = "Dockerfile") -> Dockerfile:
    decoded = decode(data)
    problems = [decoded.problem] if decoded.problem is not None else []
    if decoded.binary:
        return Dockerfile(path, "", LineIndex(""), (), (), {}, {}, (), tuple(problems))
    return _build(decoded.text, path, problems)


def _build(text: str, path: str, problems: list[Problem]) -> Dockerfile:
    result = split(text)
    problems.extend(result.problems)
    stages, global_args, stage_problems = build_stages(result.instructions, result.escape)
    problems.extend(stage_problems)
    if not result.instructions and not problems:
        problems.append(Problem("file with no instructions: a Dockerfile needs a FROM", 0, 0))
    elif not stages:
        problems.append(Problem("no FROM instruction: a Dockerfile needs a FROM", 0, 0))
    return Dockerfile(
        path=path,
        text=text,
        lines=LineIndex(text),
        instructions=result.instructions,
        stages=stages,
        global_args=global_args,
        directives=result.directives,
        comments=result.comments,
        problems=tuple(sorted(problems, key=lambda p: p.start)),
        escape=result.escape,
    )
