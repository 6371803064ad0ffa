"""Golden files for output formats: compare, or rewrite them with IMAGEKIT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import io
import os
from pathlib import Path

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import lint_paths
from imagekit.lint.findings import Finding

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "lint" / "golden"
EXAMPLE = "examples/python-service/Dockerfile"


def example_findings() -> list[Finding]:
    """The findings for EXAMPLE, linted by its path relative to ROOT (run from ROOT)."""
    result = lint_paths([EXAMPLE], LintOptions(), io.BytesIO())
    assert result.errors == []
    return list(result.findings)


def check_golden(name: str, text: str) -> None:
    """Assert ``text`` equals golden file ``name``; rewrite it first when asked to."""
    path = GOLDEN / name
    if os.environ.get("IMAGEKIT_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
