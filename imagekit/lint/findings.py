"""What a check reports (Violation) and what the linter returns (Finding), with their fixes."""

from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from imagekit.catalog import Severity

if TYPE_CHECKING:
    from collections.abc import Callable

    from imagekit.dockerfile import Span


class FixSafety(StrEnum):
    """How far a fix may be trusted: ``--fix`` applies safe fixes, ``--unsafe-fixes`` also
    unsafe ones; display-only fixes are shown, never applied."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display"


class Edit(NamedTuple):
    """Replace source offsets ``start``..``end`` of the Dockerfile text with ``text``.

    The positions (1-based, ``end_column`` one past the end) are filled in by the engine
    for output formats; checks give offsets only.
    """

    start: int
    end: int
    text: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


class Fix(NamedTuple):
    safety: FixSafety
    description: str
    edits: tuple[Edit, ...]

    def located(self, span: "Callable[[int, int], Span]") -> "Fix":
        """The fix with each edit's line and column filled in from ``span(start, end)``."""
        edits = tuple(e._replace(**span(e.start, e.end)._asdict()) for e in self.edits)
        return self._replace(edits=edits)


class Violation(NamedTuple):
    """A rule broken at source offsets ``start``..``end`` of the Dockerfile text."""

    rule: str
    start: int
    end: int
    message: str
    fix: Fix | None = None


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
    fix: Fix | None = None

    @property
    def fixable(self) -> bool:
        """True when the finding has a fix that ``--fix`` or ``--unsafe-fixes`` applies."""
        return self.fix is not None and self.fix.safety is not FixSafety.DISPLAY

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)
