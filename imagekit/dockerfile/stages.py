"""Build stages: FROM with build-arg defaults, stage graph, shipped stages."""

from __future__ import annotations

from collections.abc import Iterable

from imagekit.dockerfile.model import KNOWN_INSTRUCTIONS, Dockerfile, ImageName, Instruction, Stage
from imagekit.dockerfile.source import Problem
from imagekit.dockerfile.words import expand, parse_assignments, split_words


def parse_image_name(raw: str) -> ImageName:
    rest, _, digest = raw.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    tag = None
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    registry = None
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    return ImageName(raw, registry, rest, tag or None, digest or None)


def build_stages(
    instructions: Iterable[Instruction], escape: str
) -> tuple[tuple[Stage, ...], dict[str, str | None], list[Problem]]:
    problems: list[Problem] = []
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    by_name: dict[str, int] = {}  # stage name (lower case) -> index; a later stage wins
    current: tuple[Instruction, list[Instruction]] | None = None
    finished: list[tuple[Instruction, list[Instruction]]] = []

    for instruction in instructions:
        keyword = instruction.keyword
        if keyword not in KNOWN_INSTRUCTIONS:
            problems.append(
                Problem(
                    f"unknown instruction: {_keyword_text(instruction)}",
                    instruction.start,
                    _keyword_end(instruction),
                )
            )
            continue
        if keyword == "FROM":
            if current is not None:
                finished.append(current)
            current = (instruction, [])
        elif current is None:
            if keyword == "ARG":
                for key, value, _ in parse_assignments(instruction.args, escape):
                    global_args[key] = value
            else:
                problems.append(
                    Problem(
                        f"{keyword} before the first FROM: only ARG may come before FROM",
                        instruction.start,
                        _keyword_end(instruction),
                    )
                )
        else:
            current[1].append(instruction)
    if current is not None:
        finished.append(current)

    for from_instruction, body in finished:
        words = split_words(from_instruction.args, escape)
        if not words:
            problems.append(
                Problem(
                    "FROM requires an image name",
                    from_instruction.start,
                    from_instruction.end,
                )
            )
            continue
        name: str | None = None
        if len(words) >= 3 and words[1].value.lower() == "as":
            name = words[2].value
        elif len(words) > 1:
            problems.append(
                Problem(
                    "FROM takes an image and an optional 'AS name'",
                    from_instruction.start,
                    from_instruction.end,
                )
            )
        base, resolved = expand(words[0].value, global_args)
        platform_values = from_instruction.flag_values("platform")
        platform = None
        if platform_values:
            # Automatic platform args ($BUILDPLATFORM, $TARGETPLATFORM) stay as written.
            expanded, known = expand(platform_values[0], global_args)
            platform = expanded if known else platform_values[0]
        parent = by_name.get(base.lower())
        image = None
        if parent is None and base.lower() != "scratch":
            image = parse_image_name(base)
        stages.append(
            Stage(
                index=len(stages),
                name=name,
                from_instruction=from_instruction,
                base=base,
                base_resolved=resolved,
                image=image,
                parent=parent,
                platform=platform,
                instructions=tuple(body),
            )
        )
        if name is not None:
            by_name[name.lower()] = len(stages) - 1
    return tuple(stages), global_args, problems


def target_stage(dockerfile: Dockerfile, target: str | None = None) -> Stage | None:
    """The stage a build produces: ``target`` by name, or the last stage."""
    if not dockerfile.stages:
        return None
    if target is None:
        return dockerfile.stages[-1]
    lowered = target.lower()
    for stage in dockerfile.stages:
        if stage.name is not None and stage.name.lower() == lowered:
            return stage
    return None


def shipped_stages(dockerfile: Dockerfile, target: str | None = None) -> tuple[Stage, ...]:
    """The target stage and every stage it is built FROM, transitively.

    Stages used only through ``COPY --from`` are builder stages: only the files
    copied out of them ship, so they are not part of this set.
    """
    stage = target_stage(dockerfile, target)
    chain: list[Stage] = []
    while stage is not None:
        chain.append(stage)
        stage = dockerfile.stages[stage.parent] if stage.parent is not None else None
    return tuple(reversed(chain))


def stage_lineage(dockerfile: Dockerfile, stage: Stage) -> tuple[Stage, ...]:
    """``stage`` and the stages it is built FROM, oldest first."""
    chain = [stage]
    while chain[-1].parent is not None:
        chain.append(dockerfile.stages[chain[-1].parent])
    return tuple(reversed(chain))


def base_image(dockerfile: Dockerfile, stage: Stage) -> tuple[ImageName | None, bool]:
    """The external image at the root of a stage's lineage: (image, is_scratch)."""
    root = stage_lineage(dockerfile, stage)[0]
    return root.image, root.is_scratch


def _keyword_text(instruction: Instruction) -> str:
    """The instruction's keyword as written (upper-casing may change its length: ß)."""
    text = instruction.line.text
    end = 0
    while end < len(text) and text[end] not in " \t\v\f\r":
        end += 1
    return text[:end] or instruction.keyword


def _keyword_end(instruction: Instruction) -> int:
    return instruction.line.source_end(len(_keyword_text(instruction)))
