"""IK515 copy-sources-to-non-directory: COPY or ADD of several sources to a path without ``/``.

Every COPY and ADD of every stage is judged, shell and exec (JSON) form alike. Flags
(``--from``, ``--chown``, ``--chmod``, ``--link`` ...) are not sources; each heredoc
(``COPY <<A <<B /dst``) is one. Like hadolint, the arguments are counted: a single
wildcard source (``COPY *.txt /dst``) is not judged, since how many files it matches
depends on the context. A destination that ends with ``/`` (or ``\\``) is a directory,
and so are ``.`` and ``..``, which always name one. A destination that holds a variable is
judged after substituting the ENV/ARG values known at that point, and left alone when a
variable has no known value (hadolint reports it).
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.words import expand, split_words
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK515"


def check(ctx: Context) -> Iterator[Violation]:
    for stage in ctx.dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword not in ("COPY", "ADD"):
                continue
            arguments = _arguments(ctx, instruction)
            if len(arguments) < 3:
                continue
            destination = arguments[-1]
            shown = destination
            if "$" in destination:
                destination, resolved = expand(
                    destination, dict(ctx.env_before(stage, instruction))
                )
                if not resolved:
                    continue
            if is_directory(destination):
                continue
            yield ctx.at(
                RULE,
                instruction,
                f"{instruction.keyword} of {len(arguments) - 1} sources to `{shown}`, which "
                "does not end with `/`: the build fails; end the destination with `/` "
                f"(`{shown}/`)",
            )


def _arguments(ctx: Context, instruction: Instruction) -> list[str]:
    if instruction.exec_form is not None:
        return list(instruction.exec_form)
    return [w.value for w in split_words(instruction.args, ctx.dockerfile.escape)]


def is_directory(destination: str) -> bool:
    return destination.endswith(("/", "\\")) or destination in (".", "..")
