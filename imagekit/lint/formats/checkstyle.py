"""Checkstyle XML: findings grouped by file, as read by Jenkins warnings-ng, reviewdog and others."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

from imagekit.lint.findings import Finding
from imagekit.lint.formats.xml_text import attr

_SEVERITIES = {"error": "error", "warning": "warning", "info": "info", "style": "info"}


def render(findings: Sequence[Finding]) -> str:
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for path, items in by_file.items():
        lines.append(f"  <file name={quoteattr(path)}>")
        for f in items:
            lines.append(
                f'    <error line="{f.line}" column="{f.column}"'
                f' severity="{_SEVERITIES[f.severity.value]}"'
                f" message={attr(f.message)} source={quoteattr('imagekit.' + f.rule)}/>"
            )
        lines.append("  </file>")
    lines.append("</checkstyle>")
    return "\n".join(lines) + "\n"
