"""Human-readable lines: ``file:line:column: RULE severity [name] message`` and a summary.

``[*]`` before the message marks a finding that ``--fix`` fixes; a display-only fix is
shown on the line after its finding.
"""

from __future__ import annotations

from collections.abc import Sequence

from imagekit.catalog import Severity
from imagekit.lint.findings import Finding, FixSafety

_COLORS = {"error": "31", "warning": "33", "info": "36", "style": "35"}


def _count(n: int, noun: str) -> str:
    if n == 1 or noun in ("info", "style"):
        return f"{n} {noun}"
    return f"{n} {noun}s"


def _fixable(findings: Sequence[Finding]) -> str:
    """``; 2 fixable with --fix, 1 more with --unsafe-fixes`` (empty when none are)."""
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safety is FixSafety.SAFE)
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.safety is FixSafety.UNSAFE)
    parts = []
    if safe:
        parts.append(f"{safe} fixable with --fix")
    if unsafe:
        parts.append(f"{unsafe} {'more ' if safe else ''}with --unsafe-fixes")
    return "; " + ", ".join(parts) if parts else ""


def render(findings: Sequence[Finding], color: bool = False, files: int = 0) -> str:
    def paint(code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines = []
    for f in findings:
        where = paint("1", f"{f.path}:{f.line}:{f.column}:")
        severity = paint(_COLORS.get(f.severity.value, "0"), f.severity.value)
        mark = "[*] " if f.fix is not None and f.fix.safety is FixSafety.SAFE else ""
        lines.append(f"{where} {paint('1', f.rule)} {severity} [{f.name}] {mark}{f.message}")
        if f.fix is not None and f.fix.safety is FixSafety.DISPLAY:
            lines.append(f"    suggested fix: {f.fix.description}")
    counts: dict[Severity, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    if findings:
        detail = ", ".join(
            _count(n, s.value) for s, n in sorted(counts.items(), key=lambda i: -i[0].rank)
        )
        lines.append(f"{_count(len(findings), 'finding')} ({detail}){_fixable(findings)}")
    elif files:
        lines.append(f"no findings in {files} file{'s' if files != 1 else ''}")
    return "\n".join(lines) + ("\n" if lines else "")
