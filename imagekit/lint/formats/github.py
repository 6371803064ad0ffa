"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

Printed in a workflow step, each line becomes an annotation on the file and line.
"""

from __future__ import annotations

from collections.abc import Sequence

from imagekit.lint.findings import Finding

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice", "style": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, carriage return and line feed."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as a message, and also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding) -> str:
    props = {
        "file": f.path,
        "line": str(f.line),
        "col": str(f.column),
        "endLine": str(f.end_line),
        "endColumn": str(f.end_column),
        "title": f"{f.rule} {f.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{_COMMANDS[f.severity.value]} {joined}::{escape_data(f.message)}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(command(f) + "\n" for f in findings)
