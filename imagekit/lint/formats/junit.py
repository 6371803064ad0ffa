"""JUnit XML: one failing test case per finding, for Jenkins and other CI test reports."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from imagekit.lint.findings import Finding
from imagekit.lint.formats.xml_text import attr

SUITE = "imagekit lint"


def render(findings: Sequence[Finding]) -> str:
    failures = len(findings)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuite name={quoteattr(SUITE)} tests="{failures or 1}" failures="{failures}"'
        ' errors="0" skipped="0">',
    ]
    for f in findings:
        name = f"{f.rule} {f.name} line {f.line}"
        text = f"{f.path}:{f.line}:{f.column}: {f.rule} {f.severity.value} [{f.name}] {f.message}"
        lines += [
            f"  <testcase classname={quoteattr(f.path)} name={quoteattr(name)}>",
            f"    <failure message={attr(f.message)} type={quoteattr(f.severity.value)}>"
            f"{escape(text)}</failure>",
            "  </testcase>",
        ]
    if not findings:
        lines.append(f"  <testcase classname={quoteattr(SUITE)} name={quoteattr(SUITE)}/>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"
