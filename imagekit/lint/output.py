"""Output formats for lint findings: tty (human) and json."""

from __future__ import annotations

from collections.abc import Sequence

from imagekit.catalog import Severity
from imagekit.lint.findings import Finding

FORMATS = ("tty", "json")

_COLORS = {"error": "31", "warning": "33", "info": "36", "style": "35"}


def render(findings: Sequence[Finding], fmt: str, color: bool = False, files: int = 0) -> str:
    if fmt == "json":
        return render_json(findings)
    return render_tty(findings, color, files)


def render_json(findings: Sequence[Finding]) -> str:
    import json

    return (
        json.dumps(
            [
                {
                    "file": f.path,
                    "line": f.line,
                    "column": f.column,
                    "end_line": f.end_line,
                    "end_column": f.end_column,
                    "rule": f.rule,
                    "severity": f.severity.value,
                    "message": f.message,
                    "fixable": f.fixable,
                }
                for f in findings
            ],
            indent=2,
        )
        + "\n"
    )


def _count(n: int, noun: str) -> str:
    if n == 1 or noun in ("info", "style"):
        return f"{n} {noun}"
    return f"{n} {noun}s"


def render_tty(findings: Sequence[Finding], color: bool, files: int = 0) -> str:
    def paint(code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines = []
    for f in findings:
        where = paint("1", f"{f.path}:{f.line}:{f.column}:")
        severity = paint(_COLORS.get(f.severity.value, "0"), f.severity.value)
        lines.append(f"{where} {paint('1', f.rule)} {severity} [{f.name}] {f.message}")
    counts: dict[Severity, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    if findings:
        detail = ", ".join(
            _count(n, s.value) for s, n in sorted(counts.items(), key=lambda i: -i[0].rank)
        )
        lines.append(f"{_count(len(findings), 'finding')} ({detail})")
    elif files:
        lines.append(f"no findings in {files} file{'s' if files != 1 else ''}")
    return "\n".join(lines) + ("\n" if lines else "")
