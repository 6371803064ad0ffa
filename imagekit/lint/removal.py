"""Edits that take one command out of a RUN, or the whole RUN when it is that command.

Used by fixes that move what a command does into another instruction (IK103 moves a
``chown -R`` into ``COPY --chown``). Only a command of the RUN's top-level ``&&``/``;``
chain is taken out, with the operator and continuation that joined it; the shell script
that remains is parsed again and must run exactly the other commands, or no edit is made.
"""

from __future__ import annotations

import re

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import Command
from imagekit.lint.context import Context
from imagekit.lint.edits import signature
from imagekit.lint.findings import Edit

#: What may stand between two commands for one of them to be taken out: ``&&`` or ``;``
#: with white space (and line continuations, already joined in the logical text).
_JOIN = re.compile(r"\s*(?:&&|;)\s*")


def remove_command(ctx: Context, run: Instruction, command: Command) -> tuple[Edit, ...]:
    """Edits that delete ``command`` (one of ``ctx.commands(run)``) from ``run``.

    Nothing (an empty tuple) for exec-form and heredoc RUNs, for a command inside a
    subshell, ``if``, loop or ``$(...)``, one with redirections, one joined by ``||`` or a
    pipe, or one that runs other commands (``sh -c``).
    """
    if run.exec_form is not None or run.heredocs or command.scoped or not ctx.script(run).shell:
        return ()
    body = run.args_logical
    text = body.text
    parsed = ctx.shell.parse_text(text).commands
    outer: list[Command] = []
    for candidate in parsed:
        if not outer or candidate.start >= outer[-1].end:
            outer.append(candidate)
    index = next(
        (i for i, c in enumerate(outer) if body.source_offset(c.start) == command.start), None
    )
    if index is None or text[: outer[0].start].strip():
        return ()
    target = outer[index]
    if any(c is not target and target.start <= c.start < target.end for c in parsed):
        return ()
    after = outer[index + 1].start if index + 1 < len(outer) else len(text)
    gap_after = text[target.end : after]
    if len(outer) == 1:
        if gap_after.strip():
            return ()
        whole = _delete_instruction(ctx, run)
        return () if _drops_comment(ctx.dockerfile.text, whole) else (whole,)
    if index == 0:
        if not _JOIN.fullmatch(gap_after):
            return ()
        cut = (target.start, after)
        edit = Edit(body.source_offset(cut[0]), body.source_offset(cut[1]), "")
    else:
        gap_before = text[outer[index - 1].end : target.start]
        if not _JOIN.fullmatch(gap_before):
            return ()
        if index + 1 < len(outer) and not _JOIN.fullmatch(gap_after):
            return ()
        if index + 1 == len(outer) and gap_after.strip():
            return ()
        cut = (outer[index - 1].end, target.end)
        edit = Edit(body.source_end(cut[0]), body.source_end(cut[1]), "")
    remaining = ctx.shell.parse_text(text[: cut[0]] + text[cut[1] :]).commands
    if signature(remaining) != signature([c for c in parsed if c is not target]):
        return ()
    if _drops_comment(ctx.dockerfile.text, edit):
        return ()
    return (edit,)


def _drops_comment(text: str, edit: Edit) -> bool:
    """Whether ``edit`` would delete a comment line inside a continuation (fixes keep
    comments: no edit is made then)."""
    lines = text[edit.start : edit.end].split("\n")[1:]
    return any(line.lstrip().startswith("#") for line in lines)


def _delete_instruction(ctx: Context, instruction: Instruction) -> Edit:
    """Delete the instruction's lines, line break included (comments above it stay)."""
    text = ctx.dockerfile.text
    start = text.rfind("\n", 0, instruction.start) + 1
    if text[start : instruction.start].strip():
        start = instruction.start
    end = instruction.end
    if text.startswith("\r\n", end):
        end += 2
    elif text.startswith("\n", end):
        end += 1
    return Edit(start, end, "")
