"""GitLab Code Quality report: a JSON array of issues for the merge-request widget."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from imagekit.lint.findings import Finding

# GitLab's scale, lowest first: info, minor, major, critical, blocker.
_SEVERITIES = {"error": "critical", "warning": "major", "info": "minor", "style": "info"}


def fingerprint(f: Finding) -> str:
    """A stable id for one finding: the same finding at the same place keeps it across runs."""
    key = "\0".join((f.path, f.rule, str(f.line), str(f.column), f.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def render(findings: Sequence[Finding]) -> str:
    issues = [
        {
            "description": f"{f.rule} {f.name}: {f.message}",
            "check_name": f.rule,
            "fingerprint": fingerprint(f),
            "severity": _SEVERITIES[f.severity.value],
            "location": {"path": f.path, "lines": {"begin": f.line, "end": f.end_line}},
        }
        for f in findings
    ]
    return json.dumps(issues, indent=2) + "\n"
