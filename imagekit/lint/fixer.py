"""Applying fixes: lint, apply the fixes that do not overlap, lint again, until nothing changes.

Works from the findings the Linter returns, so findings it leaves out (ignored ones) are
never fixed. Fixes whose edits overlap or touch an edit already chosen in a pass wait for
the next pass, which lints the changed text afresh. A pass that would make the file
unparsable is dropped. Fixing a fixed file changes nothing.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from imagekit.lint.discover import discover
from imagekit.lint.engine import SYNTAX_RULE, Linter, read_sources
from imagekit.lint.findings import Edit, Finding, FixSafety

if TYPE_CHECKING:
    from imagekit.lint.context import LintOptions

MAX_PASSES = 10
_BOM = b"\xef\xbb\xbf"


class Fixed(NamedTuple):
    """The outcome of fixing one Dockerfile."""

    path: str
    """The path as given (``<stdin>`` for standard input)."""
    before: bytes
    after: bytes
    applied: tuple[Finding, ...]
    """Findings whose fix was applied (positions in the text the pass started from)."""
    remaining: list[Finding]
    """Findings of the fixed text."""

    @property
    def changed(self) -> bool:
        return self.before != self.after


class FixRun(NamedTuple):
    files: list[Fixed]
    errors: list[str]
    """One line per input that could not be read."""
    failing: int
    """Remaining findings at or above the failure threshold of their file's policy."""

    @property
    def findings(self) -> list[Finding]:
        """The remaining findings of every file, in output order."""
        return sorted((f for fixed in self.files for f in fixed.remaining), key=_sort_key)

    @property
    def applied(self) -> int:
        return sum(len(fixed.applied) for fixed in self.files)


def _sort_key(finding: Finding) -> tuple[str, int, int, str]:
    return finding.sort_key


def applicable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    if fix is None or not fix.edits:
        return False
    return fix.safety is FixSafety.SAFE or (unsafe and fix.safety is FixSafety.UNSAFE)


def apply_fixes(
    text: str, findings: Iterable[Finding], unsafe: bool = False
) -> tuple[str, list[Finding]]:
    """Apply the applicable fixes of ``findings`` whose edits do not clash.

    Returns the new text and the findings whose fixes were applied. A fix with exactly
    the edits of an applied one (two rules asking for the same change) counts as applied.
    """
    chosen: list[Edit] = []
    seen: set[tuple[Edit, ...]] = set()
    applied: list[Finding] = []
    candidates = sorted(
        (f for f in findings if applicable(f, unsafe)),
        key=lambda f: (min(e.start for e in f.fix.edits), f.rule) if f.fix else (0, f.rule),
    )
    for finding in candidates:
        assert finding.fix is not None
        edits = tuple(sorted(_plain(e) for e in finding.fix.edits))
        if edits in seen:
            applied.append(finding)
            continue
        if _clash(edits) or any(_touch(e, c) for e in edits for c in chosen):
            continue
        seen.add(edits)
        chosen.extend(edits)
        applied.append(finding)
    for edit in sorted(chosen, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text, applied


def _plain(edit: Edit) -> Edit:
    return Edit(edit.start, edit.end, edit.text)


def _touch(a: Edit, b: Edit) -> bool:
    """Edits overlap or meet: applying both would leave their order to chance."""
    return a.start <= b.end and b.start <= a.end


def _clash(edits: Sequence[Edit]) -> bool:
    return any(a.end > b.start for a, b in pairwise(edits))


def fix_text(
    linter: Linter,
    text: str,
    path: str = "Dockerfile",
    directory: Path | str | None = None,
    unsafe: bool = False,
) -> tuple[str, list[Finding], list[Finding]]:
    """Fix ``text`` in passes; returns the new text, the applied and the remaining findings."""
    findings = linter.lint_text(text, path, directory)
    applied: list[Finding] = []
    for _ in range(MAX_PASSES):
        new_text, done = apply_fixes(text, findings, unsafe)
        if not done or new_text == text:
            break
        new_findings = linter.lint_text(new_text, path, directory)
        if _syntax(new_findings) > _syntax(findings):
            break  # a fix that breaks the file is a bug: keep the last good text
        applied.extend(done)
        text, findings = new_text, new_findings
    return text, applied, findings


def _syntax(findings: Sequence[Finding]) -> int:
    return sum(f.rule == SYNTAX_RULE for f in findings)


def fix_bytes(
    linter: Linter,
    data: bytes,
    path: str,
    directory: Path | str | None,
    unsafe: bool = False,
) -> Fixed:
    """Fix Dockerfile bytes (UTF-8, a byte order mark kept); undecodable input is left alone."""
    bom = _BOM if data.startswith(_BOM) else b""
    try:
        text = data[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        return Fixed(path, data, data, (), linter.lint_bytes(data, path, directory))
    new_text, applied, remaining = fix_text(linter, text, path, directory, unsafe)
    after = data if new_text == text else bom + new_text.encode("utf-8")
    return Fixed(path, data, after, tuple(applied), remaining)


def fix_paths(
    paths: Sequence[str],
    linter_for: Callable[[str | None, str], Linter],
    options: LintOptions,
    stdin: BinaryIO,
    unsafe: bool = False,
) -> FixRun:
    """Fix files, directories (searched for Dockerfiles) and ``-``; nothing is written.

    ``linter_for(path, directory)`` gives the linter for a file (None: standard input), as
    ``Linters.for_file`` does, so each file is fixed under its own configuration.
    """
    files, errors = discover(paths)
    run = FixRun([], list(errors), 0)
    for source in read_sources(files, stdin, run.errors):
        linter = linter_for(source.path, source.parent)
        directory = options.context if options.context is not None else source.parent
        fixed = fix_bytes(linter, source.data, source.display, directory, unsafe)
        run.files.append(fixed)
        floor = linter.policy.threshold_rank
        if floor is not None:
            failing = sum(1 for f in fixed.remaining if f.severity.rank >= floor)
            run = run._replace(failing=run.failing + failing)
    return run


def unified_diff(fixed: Fixed) -> str:
    """The change as a unified diff with ``a/PATH`` and ``b/PATH`` headers ('' if none)."""
    if not fixed.changed:
        return ""
    before = fixed.before.decode("utf-8", errors="replace").splitlines(keepends=True)
    after = fixed.after.decode("utf-8", errors="replace").splitlines(keepends=True)
    name = fixed.path.replace("\\", "/").lstrip("/")
    lines = list(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))
    out: list[str] = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` in one step, keeping its permission bits.

    A symbolic link is followed: the file it points to is replaced, the link stays.
    """
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o7777
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
