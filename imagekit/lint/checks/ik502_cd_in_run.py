"""IK502 cd-in-run: ``cd DIR`` in a RUN to set the directory for the commands after it.

Every stage is judged. A ``cd`` inside a subshell ``( cd x && make )`` or a command
substitution ``$(cd x && pwd)`` is scoped on purpose and is left alone, also inside an
``sh -c`` script. ``cd -`` (going back) and a ``cd`` to a directory only known when the
command runs (``cd "$(mktemp -d)"``) are not judged: WORKDIR cannot name it.
"""

from __future__ import annotations

from collections.abc import Iterator

from imagekit.dockerfile import Instruction
from imagekit.dockerfile.shell import SHELLS, Command
from imagekit.lint.context import Context
from imagekit.lint.findings import Violation

RULE = "IK502"
_SCOPED = frozenset({"(", "$(", "`"})
_WORD_START = frozenset(" \t\n;&|(")


def check(ctx: Context) -> Iterator[Violation]:
    text = ctx.dockerfile.text
    for stage in ctx.dockerfile.stages:
        for instruction in ctx.runs(stage):
            commands = ctx.commands(instruction)
            for command in commands:
                if command.name != "cd":
                    continue
                operands = [a for a in command.argv if a == "-" or not a.startswith("-")]
                target = operands[0] if operands else "~"
                if target == "-" or "$(" in target or "`" in target:
                    continue
                begin = _script_start(text, instruction, command, commands)
                if _scoped(text, begin, command.start):
                    continue
                workdir = target if target.startswith("/") else "<absolute dir>"
                yield ctx.on(
                    RULE,
                    command,
                    f"`cd {target}` sets the directory for the rest of this RUN only and hides "
                    f"where the commands run: use `WORKDIR {workdir}`, or scope it in a "
                    "subshell `( cd DIR && ... )`",
                )


def _script_start(
    text: str, instruction: Instruction, cd: Command, commands: tuple[Command, ...]
) -> int:
    """Where the script holding ``cd`` starts: the RUN itself, or the ``sh -c`` string in it."""
    shells = [
        c
        for c in commands
        if c.name in SHELLS and c.order < cd.order and c.start <= cd.start < c.end
    ]
    if not shells:
        return instruction.start + len(instruction.keyword)
    shell = max(shells, key=lambda c: c.order)
    if instruction.exec_form is not None:
        # The words carry the instruction's span; the script is a JSON string.
        at = cd.start
        while at > instruction.start:
            at -= 1
            if text[at] == '"' and not _escaped(text, at):
                return at + 1
        return cd.start
    for word in shell.args:
        if word.start <= cd.start < word.end:
            return word.start + 1 if text[word.start] in "'\"" else word.start
    return cd.start


def _escaped(text: str, at: int) -> bool:
    count = 0
    while at - count - 1 >= 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _scoped(text: str, begin: int, end: int) -> bool:
    """True when ``end`` lies inside ``( )``, ``$( )`` or backticks of the script at ``begin``.

    Quotes and comments are skipped; ``)`` without an open group (a ``case`` pattern) is
    ignored.
    """
    stack: list[str] = []
    i = begin
    while i < end:
        ch = text[i]
        quoted = bool(stack) and stack[-1] == '"'
        if ch == "\\":
            i += 2
            continue
        if ch == "$" and text.startswith("$(", i):
            stack.append("$(")
            i += 2
            continue
        if ch == "`":
            if stack and stack[-1] == "`":
                stack.pop()
            else:
                stack.append("`")
        elif ch == '"':
            if quoted:
                stack.pop()
            else:
                stack.append('"')
        elif quoted:
            pass
        elif ch == "'":
            close = text.find("'", i + 1)
            if close == -1 or close >= end:
                return any(s in _SCOPED for s in stack)
            i = close
        elif ch == "(":
            stack.append("(")
        elif ch == ")":
            if stack and stack[-1] in ("(", "$("):
                stack.pop()
        elif ch == "#" and (i == begin or text[i - 1] in _WORD_START):
            newline = text.find("\n", i)
            if newline == -1 or newline >= end:
                break
            i = newline
        i += 1
    return any(s in _SCOPED for s in stack)
