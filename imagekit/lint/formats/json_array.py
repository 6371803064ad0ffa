"""A JSON array with one object per finding (the ``json`` format).

Each object has ``file``, ``line``, ``column``, ``end_line``, ``end_column`` (1-based, the
end one past the last character), ``rule``, ``severity``, ``message``, ``fixable`` (a
safe or unsafe fix exists) and ``fix``: null, or ``{"safety": "safe"|"unsafe"|"display",
"description": ..., "edits": [{"line", "column", "end_line", "end_column", "text"}]}``,
each edit replacing its range (empty for an insertion) with ``text``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from imagekit.lint.findings import Finding, Fix


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    edits = [
        {
            "line": e.line,
            "column": e.column,
            "end_line": e.end_line,
            "end_column": e.end_column,
            "text": e.text,
        }
        for e in fix.edits
    ]
    return {"safety": fix.safety.value, "description": fix.description, "edits": edits}


def render(findings: Sequence[Finding]) -> str:
    items = [
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
            "fix": _fix(f.fix),
        }
        for f in findings
    ]
    return json.dumps(items, indent=2) + "\n"
