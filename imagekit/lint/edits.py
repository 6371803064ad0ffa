"""Text edits that fixes are made of: appending a command to a RUN, merging two RUNs.

Edits touch only the bytes they must: comments, blank lines and everything else stay as
written, and new continuation lines follow the style of the file (indent, whitespace
before the escape character, ``&&`` at line start or end, line endings). Every edit is
checked by parsing the shell script it produces: when the new commands would not run
where intended (a trailing shell comment, a dangling operator), no edit is offered.
"""

import re
from collections.abc import Sequence
from typing import NamedTuple

from imagekit.dockerfile import Dockerfile, Instruction
from imagekit.dockerfile.shell import Command, ShellParser
from imagekit.lint.context import Context
from imagekit.lint.findings import Edit, Fix, FixSafety

#: Builtins whose effect reaches the commands after them in the same shell.
STATEFUL = frozenset(
    {
        "cd", "pushd", "popd", "export", "set", "unset", "exit", "return", "trap", "umask",
        "alias", "unalias", "source", ".", "shopt", "ulimit", "readonly", "declare", "typeset",
        "local", "eval", "exec", "hash", "enable", "builtin", "shift", "getopts", "read",
    }
)  # fmt: skip

# What may stand between the top-level commands of a plain script: operators,
# redirections and white space. Anything else (assignments, keywords, groups, comments)
# makes the script not plain.
_GAP_TOKEN = r"\s+|&&|\|\||;|\||&|[0-9]*(?:>>|>&|<&|>\||>|<)\s*[\w./+:@%,=-]+"
_SAFE_TAIL = frozenset(";&|\\(")
_SENTINEL = "imagekit-end-of-script"


class Style(NamedTuple):
    """How continuation lines are written in a Dockerfile."""

    escape: str
    newline: str
    indent: str
    before_escape: str
    """White space between the last word of a line and the escape character."""
    leading: bool
    """``&&`` starts continuation lines (else it ends the line before the escape)."""

    def joiner(self, multiline: bool) -> str:
        """Text that goes between two commands chained with ``&&``."""
        if not multiline:
            return " && "
        if self.leading:
            return f"{self.before_escape}{self.escape}{self.newline}{self.indent}&& "
        return f" &&{self.before_escape}{self.escape}{self.newline}{self.indent}"


def style(dockerfile: Dockerfile, *preferred: Instruction) -> Style:
    """The continuation style of ``preferred`` instructions, else of the file's other RUNs."""
    text = dockerfile.text
    at = preferred[0].start if preferred else 0
    end = text.find("\n", at)
    if end == -1:
        end = text.find("\n")
    newline = "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"
    escape = dockerfile.escape
    found = None
    for instruction in preferred:
        found = _instruction_style(text, instruction, escape)
        if found is not None:
            break
    else:
        found = dockerfile.derived("edits.run-style", lambda: _file_style(dockerfile))
    if found is not None:
        indent, before, leading = found
        return Style(escape, newline, indent, before, leading)
    return Style(escape, newline, "    ", " ", True)


def _file_style(dockerfile: Dockerfile) -> tuple[str, str, bool] | None:
    """The style of the file's first RUN that has continuation lines."""
    for instruction in dockerfile.instructions:
        if instruction.keyword == "RUN":
            found = _instruction_style(dockerfile.text, instruction, dockerfile.escape)
            if found is not None:
                return found
    return None


def _instruction_style(
    text: str, instruction: Instruction, escape: str
) -> tuple[str, str, bool] | None:
    end = logical_end(instruction)
    physical = text[instruction.start : end].split("\n")
    if len(physical) < 2:
        return None
    lines = [line.rstrip("\r") for line in physical]
    continued = [line for line in lines[1:] if line.strip() and not line.lstrip().startswith("#")]
    if not continued:
        return None
    indent = re.match(r"[ \t]*", continued[-1]).group()  # type: ignore[union-attr]
    leading = sum(line.lstrip().startswith(("&&", "||")) for line in continued)
    ends = [line for line in lines[:-1] if line.rstrip().endswith(escape)]
    trailing = sum(line.rstrip()[:-1].rstrip().endswith("&&") for line in ends)
    before = " "
    if ends:
        body = ends[0].rstrip()[:-1]
        before = body[len(body.rstrip()) :] or ""
    return indent or "    ", before, leading >= trailing


def logical_end(instruction: Instruction) -> int:
    """Source offset just past the last non-blank character of the instruction's line.

    For a RUN with heredocs this is the end of the line holding ``<<EOF``.
    """
    line = instruction.line
    return line.source_end(len(line.text.rstrip()))


def args_start(instruction: Instruction) -> int:
    return instruction.line.source_offset(instruction.args_at)


def script_heredoc(instruction: Instruction) -> bool:
    """True for ``RUN <<EOF``: the heredoc itself is the script."""
    words = instruction.args.split()
    return (
        len(instruction.heredocs) == 1
        and len(words) == 1
        and words[0].lstrip("0123456789").startswith("<<")
    )


def signature(commands: Sequence[Command]) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.name, c.argv) for c in commands]


def append_commands(ctx: Context, run: Instruction, commands: Sequence[str]) -> tuple[Edit, ...]:
    """Edits that make ``commands`` (chained with ``&&``) the last ones of a RUN.

    Nothing (an empty tuple) when the RUN is in exec form, not shell, has heredocs fed to
    a command, or when the new text would not run the commands last.
    """
    if run.exec_form is not None or not commands or not ctx.script(run).shell:
        return ()
    if script_heredoc(run):
        return _append_in_heredoc(ctx, run, commands)
    if run.heredocs:
        return ()
    body = run.args_logical
    cut = len(body.text.rstrip())
    if body.text[:cut].endswith(";") and not body.text[:cut].endswith(";;"):
        cut = len(body.text[: cut - 1].rstrip())  # `a;` becomes `a && CLEANUP;`
    if not cut or body.text[cut - 1] in _SAFE_TAIL:
        return ()
    if not _appends_cleanly(ctx.shell, body.text, cut, " && " + " && ".join(commands), commands):
        return ()
    at = body.source_end(cut)
    multiline = "\n" in ctx.dockerfile.text[run.start : at]
    joiner = style(ctx.dockerfile, run).joiner(multiline)
    return (Edit(at, at, joiner + joiner.join(commands)),)


def _append_in_heredoc(ctx: Context, run: Instruction, commands: Sequence[str]) -> tuple[Edit, ...]:
    doc = run.heredocs[0]
    body_end = doc.body_start + len(doc.body)
    if body_end >= run.end or not doc.body.endswith("\n"):
        return ()
    lines = doc.body.split("\n")[:-1]
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not content:
        return ()
    newline = "\r\n" if doc.body.endswith("\r\n") else "\n"
    last = lines[content[-1]].rstrip()
    errexit = any(_sets_errexit(c) for c in ctx.commands(run) if not c.scoped)
    if errexit:
        indent = re.match(r"[ \t]*", last).group()  # type: ignore[union-attr]
        added = "".join(f"{indent}{c}{newline}" for c in commands)
        if not _appends_cleanly(ctx.shell, doc.body, len(doc.body), added, commands):
            return ()
        return (Edit(body_end, body_end, added),)
    if last[-1:] in _SAFE_TAIL:
        return ()
    cut = sum(len(line) + 1 for line in lines[: content[-1]]) + len(last)
    added = " && " + " && ".join(commands)
    if not _appends_cleanly(ctx.shell, doc.body, cut, added, commands):
        return ()
    at = doc.body_start + cut
    return (Edit(at, at, added),)


def _sets_errexit(command: Command) -> bool:
    if command.name != "set":
        return False
    argv = command.argv
    return any(
        (a.startswith("-") and not a.startswith("--") and "e" in a[1:])
        or (a == "-o" and argv[i + 1 : i + 2] == ("errexit",))
        for i, a in enumerate(argv)
    )


def _appends_cleanly(
    shell: ShellParser, script: str, at: int, added: str, commands: Sequence[str]
) -> bool:
    """True when inserting ``added`` at ``at`` of ``script`` runs ``commands`` after the rest."""
    before = shell.parse_text(script).commands
    after = shell.parse_text(script[:at] + added + script[at:]).commands
    wanted = shell.parse_text(" && ".join(commands)).commands
    return signature(after) == signature(before) + signature(wanted)


# Merging two RUNs ------------------------------------------------------------------------


class _Shape(NamedTuple):
    commands: tuple[Command, ...]
    operators: frozenset[str]
    """Top-level operators between the commands (``&&``, ``;``, ``|`` ...)."""
    plain: bool
    """Only commands, operators and redirections, with nothing before or after them."""
    stateful: bool
    """A top-level command changes the shell for what follows (``cd``, ``export``...)."""


def _shape(shell: ShellParser, text: str) -> _Shape:
    commands = shell.parse_text(text).commands
    outer: list[Command] = []
    for command in commands:
        if outer and command.start < outer[-1].end:
            continue  # inside the previous one: ``sh -c '...'``, ``$(...)``
        outer.append(command)
    gaps: list[str] = []
    position = 0
    for command in outer:
        gaps.append(text[position : command.start])
        position = command.end
    tail = text[position:]
    operators: set[str] = set()
    plain = bool(outer) and not gaps[0].strip()
    for token in _tokens(tail):  # redirections of the last command, nothing else
        if token is None or token[0] in "&|;":
            plain = False
    for gap in gaps[1:]:
        for token in _tokens(gap):
            if token is None:
                plain = False
            elif token.strip() and token[0] in "&|;":
                operators.add(token)
    stateful = any(not c.scoped and (c.name in STATEFUL or "exec" in c.wrappers) for c in outer)
    return _Shape(commands, frozenset(operators), plain, stateful)


def _tokens(gap: str) -> list[str | None]:
    """The gap split into tokens; None marks text that is not an operator or redirection."""
    out: list[str | None] = []
    position = 0
    token = re.compile(_GAP_TOKEN)  # compiled on first use (re caches it), not at import
    while position < len(gap):
        match = token.match(gap, position)
        if match is None or not match.group():
            return [*out, None]
        out.append(match.group())
        position = match.end()
    return out


class Merge(NamedTuple):
    edits: tuple[Edit, ...]
    wrapped: bool
    """A body was wrapped in ``( )`` to keep what it does to itself."""
    unsafe: str
    """Why the merged RUN may behave differently ('' when it does not): the first body went
    into a subshell while ``set -e`` may be on (a subshell left of ``&&`` runs with errexit
    ignored), or a body starts a background job (it now runs on while the other body does)."""


def merge_runs(ctx: Context, first: Instruction, second: Instruction) -> Merge | None:
    """Edits that join ``second`` onto ``first`` as ``first && second``, one RUN.

    Only comment lines may stand between them (an empty continuation line is deprecated).
    ``first`` is wrapped in a subshell when it changes the shell for later commands (``cd``,
    ``export``, ``set``, ``exit``...) or is more than commands and operators; ``second``
    when it is more than a chain of ``&&`` and pipes (its ``;`` or ``||`` would otherwise
    take in ``first``). So the merged RUN does what the two did, in one layer.
    """
    for run in (first, second):
        if run.exec_form is not None or run.heredocs or not ctx.script(run).shell:
            return None
    text = ctx.dockerfile.text
    line_start = text.rfind("\n", 0, second.start) + 1
    if text[line_start : second.start].strip():
        return None
    between = text[first.end : line_start].split("\n")
    if between[0].strip() or any(not line.lstrip().startswith("#") for line in between[1:-1]):
        return None
    a_text, b_text = first.args_logical.text, second.args_logical.text
    a, b = _shape(ctx.shell, a_text), _shape(ctx.shell, b_text)
    if not _acts(a.commands) or not _acts(b.commands):
        return None  # nothing but assignments or declarations: no command to keep
    wrap_a = a.stateful or not a.plain
    wrap_b = not b.plain or not b.operators <= {"&&", "|"}
    merged = (
        (f"( {a_text.rstrip()} )" if wrap_a else a_text.rstrip())
        + " && "
        + (f"( {b_text.rstrip()} )" if wrap_b else b_text.rstrip())
    )
    # A command after the merged text must still be one: a shell comment in a body would
    # swallow the closing parenthesis or the second body.
    merged += f" && {_SENTINEL}"
    wanted = [*signature(a.commands), *signature(b.commands), (_SENTINEL, ())]
    if signature(ctx.shell.parse_text(merged).commands) != wanted:
        return None
    look = style(ctx.dockerfile, first, second)
    a_end, b_end = logical_end(first), logical_end(second)
    if look.leading:
        tail, head = f"{look.before_escape}{look.escape}", f"{look.indent}&& "
    else:
        tail, head = f" &&{look.before_escape}{look.escape}", look.indent
    edits: list[Edit] = []
    if wrap_a:
        edits.append(Edit(args_start(first), args_start(first), "( "))
    edits.append(Edit(a_end, first.end, (" )" if wrap_a else "") + tail))
    edits.append(Edit(line_start, args_start(second), head + ("( " if wrap_b else "")))
    if wrap_b:
        edits.append(Edit(b_end, b_end, " )"))
    unsafe = ""
    if "&" in a.operators or "&" in b.operators or a_text.rstrip().endswith("&"):
        unsafe = "a background job runs on into the other body"
    elif wrap_a and (any(_sets_errexit(c) for c in a.commands) or _shell_errexit(ctx, first)):
        unsafe = "the first body in a subshell, where `set -e` no longer stops it"
    return Merge(tuple(edits), wrap_a or wrap_b, unsafe)


#: Commands that only set or remove shell variables (a body of nothing else has no
#: effect in a RUN of its own: its variables die with the shell).
DECLARATIONS = frozenset({"export", "declare", "typeset", "readonly", "local", "unset"})


def _acts(commands: Sequence[Command]) -> bool:
    return any(c.name not in DECLARATIONS for c in commands)


def _shell_errexit(ctx: Context, run: Instruction) -> bool:
    """True when the stage's SHELL turns errexit on (``["/bin/sh", "-ec"]``, ``-o errexit``)."""
    stage = ctx.dockerfile.stage_of(run)
    shell = ctx.stage_shell(stage) if stage is not None else None
    if not shell:
        return False
    args = shell[1:]
    return any(
        (a.startswith("-") and not a.startswith("--") and "e" in a[1:])
        or (a == "-o" and args[i + 1 : i + 2] == ("errexit",))
        for i, a in enumerate(args)
    )


def merge_fix(ctx: Context, first: Instruction, second: Instruction) -> Fix | None:
    """A fix joining ``second`` onto ``first`` (see ``merge_runs``), if they can be.

    Safe, unless the merged RUN may behave differently (``Merge.unsafe``).
    """
    merge = merge_runs(ctx, first, second) if same_flags(first, second) else None
    if merge is None:
        return None
    line = ctx.dockerfile.span(first.start, first.start).line
    if merge.unsafe:
        how = f" (unsafe: {merge.unsafe})"
        return Fix(FixSafety.UNSAFE, f"merge into the RUN on line {line}{how}", merge.edits)
    how = " (a body in a subshell, so what it changes stays its own)" if merge.wrapped else ""
    return Fix(FixSafety.SAFE, f"merge into the RUN on line {line}{how}", merge.edits)


def same_flags(first: Instruction, second: Instruction) -> bool:
    """True when two RUNs have the same ``--mount``, ``--network`` and ``--security`` flags
    (so joining them gives no command another's mounts, secrets or network)."""
    return _flags(first) == _flags(second)


def _flags(instruction: Instruction) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(sorted(_normalized(v) for v in instruction.flag_values(name)))
        for name in ("mount", "network", "security")
    )


def _normalized(value: str) -> str:
    """``type=cache,target=/x`` and ``target=/x,type=cache`` are the same mount."""
    return ",".join(sorted(part.strip() for part in value.split(",")))


def cleanup_fix(
    ctx: Context, run: Instruction, commands: Sequence[str], what: str, sudo: bool = False
) -> Fix | None:
    """A safe fix that ends ``run`` with ``commands`` (``sudo`` before each when asked)."""
    if sudo:
        commands = [f"sudo {c}" for c in commands]
    edits = append_commands(ctx, run, commands)
    if not edits:
        return None
    shown = " && ".join(commands)
    return Fix(FixSafety.SAFE, f"{what}: end the RUN with `{shown}`", edits)
