"""The one entry point for printing lint findings: ``render(findings, fmt)``.

Each format lives in its own module under ``imagekit.lint.formats`` and is imported only
when it is asked for, so ``imagekit lint`` loads no XML or hashing code it does not use.
"""

from __future__ import annotations

from collections.abc import Sequence

from imagekit.lint.findings import Finding
from imagekit.lint.formats import FORMATS

__all__ = ["FORMATS", "render"]


def render(findings: Sequence[Finding], fmt: str, color: bool = False, files: int = 0) -> str:
    """Findings in format ``fmt`` (one of FORMATS); ``color`` and ``files`` serve ``tty`` only."""
    if fmt == "tty":
        from imagekit.lint.formats import tty

        return tty.render(findings, color, files)
    if fmt == "json":
        from imagekit.lint.formats import json_array

        return json_array.render(findings)
    if fmt == "github":
        from imagekit.lint.formats import github

        return github.render(findings)
    if fmt == "checkstyle":
        from imagekit.lint.formats import checkstyle

        return checkstyle.render(findings)
    if fmt == "gitlab":
        from imagekit.lint.formats import gitlab

        return gitlab.render(findings)
    if fmt == "junit":
        from imagekit.lint.formats import junit

        return junit.render(findings)
    if fmt == "sarif":
        from imagekit.lint.formats import sarif

        return sarif.render(findings)
    raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
