"""IK507 copy-from-unknown-stage: ``COPY --from=NAME`` where NAME is no earlier stage.

Every stage is judged. NAME is accepted when it is the name of an earlier stage (names
compare without case, as BuildKit does), an index below the current stage's, or looks like
an image reference (it holds ``/``, ``:`` or ``.``, and BuildKit pulls it). A NAME left to a
build arg (``--from=${BASE}``) is not judged. The stage's own name or index is IK519's.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Stage
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK507"


def check(ctx: Context) -> Iterator[Violation]:
    stages = ctx.dockerfile.stages
    earlier: set[str] = set()
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword != "COPY":
                continue
            for name in instruction.flag_values("from"):
                problem = _problem(name, stage, stages, earlier)
                if problem is not None:
                    yield ctx.at(RULE, instruction, f"`--from={name}` {problem}")
        if stage.name is not None:
            earlier.add(stage.name.lower())


def _problem(name: str, stage: Stage, stages: tuple[Stage, ...], earlier: set[str]) -> str | None:
    if not name or "$" in name or any(c in name for c in "/:."):
        return None
    if name.isdigit():
        if int(name) <= stage.index:
            return None  # an earlier stage, or this one (IK519)
        return (
            f"names stage {int(name)}, but only the stages before this one "
            f"(0 to {stage.index - 1}) can be copied from"
            if stage.index
            else "names a stage, but this is the first stage: there is none to copy from"
        )
    own = stage.name is not None and stage.name.lower() == name.lower()
    if own or name.lower() in earlier:
        return None
    later = any(s.name is not None and s.name.lower() == name.lower() for s in stages)
    if later:
        return (
            "names a stage defined at or after this one: define the stage above the COPY "
            "that reads it"
        )
    return (
        "names no earlier build stage, so it would be pulled as the image "
        f"`docker.io/library/{name}:latest`: fix the stage name, or write the image "
        f"with a tag (`{name}:<version>`) if an image is meant"
    )
