"""One size report over several images (a repository's services): a row per image, a total.

The total adds up each side: OLD counts the images that had an OLD, so an image pushed
for the first time adds its whole size to the total's change. A total is None when any
image's size on that side is unknown. The JSON form (:meth:`SizeReport.to_dict`) carries
exact bytes and loads back with :meth:`SizeReport.from_dict`; :func:`merge` makes one
report of several (``imagekit report pr --report a.json --report b.json``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from imagekit.errors import ImageError
from imagekit.report.budget import Budget, BudgetCrossing, check_budget
from imagekit.report.delta import ImageDelta, growth_percent

KIND = "imagekit.size-report"
VERSION = 1
#: What ``compressed_size`` adds up, written into the JSON so readers need not guess.
COMPRESSED_MEANS = "layer blobs + config blob (what a pull downloads; the manifest is left out)"


def _sum(values: Iterable[int | None]) -> int | None:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


@dataclass(frozen=True, slots=True)
class SizeReport:
    images: tuple[ImageDelta, ...]
    budget: Budget | None = None
    """The budget checked (None: none was set); its crossings are in ``crossings``."""
    crossings: tuple[BudgetCrossing, ...] = ()

    @property
    def old_size(self) -> int | None:
        return _sum(d.old.compressed_size for d in self.images if d.old is not None)

    @property
    def new_size(self) -> int | None:
        return _sum(d.new.compressed_size for d in self.images)

    @property
    def delta(self) -> int | None:
        old, new = self.old_size, self.new_size
        return None if old is None or new is None else new - old

    @property
    def percent(self) -> float | None:
        return growth_percent(self.old_size, self.delta)

    @property
    def old_uncompressed_size(self) -> int | None:
        return _sum(d.old.uncompressed_size for d in self.images if d.old is not None)

    @property
    def new_uncompressed_size(self) -> int | None:
        return _sum(d.new.uncompressed_size for d in self.images)

    @property
    def uncompressed_delta(self) -> int | None:
        old, new = self.old_uncompressed_size, self.new_uncompressed_size
        return None if old is None or new is None else new - old

    @property
    def pushed_bytes(self) -> int | None:
        """Bytes the pushes sent, when every image's push said."""
        return _sum(d.pushed_bytes for d in self.images) if self.images else None

    @property
    def passed(self) -> bool:
        return not self.crossings

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": KIND,
            "version": VERSION,
            "compressed_size": COMPRESSED_MEANS,
            "images": [d.to_dict() for d in self.images],
            "total": {
                "old_size": self.old_size,
                "new_size": self.new_size,
                "delta": self.delta,
                "percent": self.percent,
                "old_uncompressed_size": self.old_uncompressed_size,
                "new_uncompressed_size": self.new_uncompressed_size,
                "uncompressed_delta": self.uncompressed_delta,
                "pushed_bytes": self.pushed_bytes,
            },
        }
        if self.budget is not None or self.crossings:
            data["budget"] = {
                "limits": self.budget.to_dict() if self.budget else None,
                "passed": self.passed,
                "crossed": [c.to_dict() for c in self.crossings],
            }
        return data

    @classmethod
    def from_dict(cls, data: Any, what: str = "size report") -> SizeReport:
        """A report from its JSON form; ImageError naming ``what`` when malformed."""
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise ImageError(f"{what}: not an imagekit size report (no kind {KIND!r})")
        if data.get("version") != VERSION:
            raise ImageError(
                f"{what}: size report version {data.get('version')!r} is not {VERSION}"
            )
        images = data.get("images")
        if not isinstance(images, list):
            raise ImageError(f"{what}: 'images' must be a list")
        try:
            deltas = tuple(ImageDelta.from_dict(item) for item in images)
            budget, crossings = _budget(data.get("budget"))
        except (ImageError, ValueError, TypeError) as exc:
            detail = exc.message if isinstance(exc, ImageError) else str(exc)
            raise ImageError(f"{what}: {detail}") from None
        return cls(deltas, budget, crossings)


def _budget(data: Any) -> tuple[Budget | None, tuple[BudgetCrossing, ...]]:
    if data is None:
        return None, ()
    if not isinstance(data, dict):
        raise ValueError("'budget' must be an object")
    limits = data.get("limits")
    budget = None
    if isinstance(limits, dict):
        percent, growth, size = (
            limits.get(k) for k in ("growth_percent", "growth_bytes", "max_size")
        )
        budget = Budget(
            None if percent is None else float(percent),
            None if growth is None else int(growth),
            None if size is None else int(size),
        )
    crossed = data.get("crossed") or []
    if not isinstance(crossed, list):
        raise ValueError("'budget.crossed' must be a list")
    return budget, tuple(BudgetCrossing.from_dict(c) for c in crossed)


def merge(reports: Sequence[SizeReport]) -> SizeReport:
    """One report with every image of ``reports``, in order; their crossings kept.

    The budget is kept when all reports checked the same one, else dropped (the
    crossings still say which limit each image crossed).
    """
    images = tuple(d for report in reports for d in report.images)
    crossings = tuple(c for report in reports for c in report.crossings)
    budgets = {report.budget for report in reports}
    budget = budgets.pop() if len(budgets) == 1 else None
    return SizeReport(images, budget, crossings)


def size_report(deltas: Sequence[ImageDelta], budget: Budget | None = None) -> SizeReport:
    """The report over ``deltas``, with ``budget`` checked (None or empty: no budget)."""
    if budget is None or not budget.any:
        return SizeReport(tuple(deltas))
    return SizeReport(tuple(deltas), budget, check_budget(deltas, budget))
