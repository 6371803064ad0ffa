"""A JSON array with one object per finding (the ``json`` format)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from imagekit.lint.findings import Finding


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
        }
        for f in findings
    ]
    return json.dumps(items, indent=2) + "\n"
