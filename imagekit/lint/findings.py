"""What a check reports (Violation) and what the linter returns (Finding)."""

from __future__ import annotations

from typing import NamedTuple

from imagekit.catalog import Severity


class Violation(NamedTuple):
    """A rule broken at source offsets ``start``..``end`` of the Dockerfile text."""

    rule: str
    start: int
    end: int
    message: str
    fixable: bool = False


class Finding(NamedTuple):
    path: str
    rule: str
    name: str
    severity: Severity
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    fixable: bool = False

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)
