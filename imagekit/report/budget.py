"""Size budgets of a push or a compare: ``--fail-on-growth 5%,10MB`` and ``--max-size SIZE``.

``--fail-on-growth`` takes a percentage, a size, or both separated by a comma; crossing
either fails. Growth is relative to OLD, in compressed bytes (uncompressed where no
compressed sizes are known, and the message says so); an image without OLD (the first
push of a tag) has no growth. Growth from an OLD of 0 bytes crosses any percentage.
``--max-size`` caps each image's compressed size (what a pull downloads). A limit is
crossed when the value is strictly above it. Budgets apply to each image of a report,
not to the total.

Sizes are parsed by the caller's ``parse_size`` (the CLI passes the project's
:func:`imagekit.config.schema.parse_size`), so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from imagekit.errors import UsageError
from imagekit.report.delta import ImageDelta, growth_percent
from imagekit.report.sizes import human_size

GROWTH_FLAG, MAX_SIZE_FLAG = "--fail-on-growth", "--max-size"
_GROWTH_HINT = "give a percentage, a size or both, e.g. --fail-on-growth 5%,10MB"


@dataclass(frozen=True, slots=True)
class Budget:
    growth_percent: float | None = None
    growth_bytes: int | None = None
    max_size: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.growth_percent, self.growth_bytes, self.max_size))

    def to_dict(self) -> dict[str, Any]:
        return {
            "growth_percent": self.growth_percent,
            "growth_bytes": self.growth_bytes,
            "max_size": self.max_size,
        }


@dataclass(frozen=True, slots=True)
class BudgetCrossing:
    """A limit an image crossed: which, the value, the limit and by how much, one line."""

    reference: str
    key: str
    """``growth-percent``, ``growth-bytes`` or ``max-size``."""
    limit: float
    actual: float | None
    """None: growth from 0 bytes, which no percentage bounds."""
    excess: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "limit": self.key,
            "max": self.limit,
            "actual": self.actual,
            "by": self.excess,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Any) -> BudgetCrossing:
        if not isinstance(data, dict):
            raise ValueError("a budget crossing must be an object")
        return cls(
            str(data.get("reference", "")),
            str(data.get("limit", "")),
            float(data.get("max", 0)),
            _number(data.get("actual")),
            _number(data.get("by")),
            str(data.get("message", "")),
        )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def parse_growth(text: str, parse_size: Callable[[str], int]) -> tuple[float | None, int | None]:
    """``5%``, ``10MB`` or ``5%,10MB`` (either order) as (percent, bytes); UsageError otherwise."""
    percent: float | None = None
    size: int | None = None
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or len(parts) > 2 or not all(parts):
        raise UsageError(f"{GROWTH_FLAG} {text!r}: expected at most two limits", hint=_GROWTH_HINT)
    for part in parts:
        if part.endswith("%"):
            if percent is not None:
                raise UsageError(f"{GROWTH_FLAG} {text!r}: two percentages", hint=_GROWTH_HINT)
            try:
                percent = float(part[:-1])
            except ValueError:
                raise UsageError(
                    f"{GROWTH_FLAG} {text!r}: bad percentage {part!r}", hint=_GROWTH_HINT
                ) from None
            if not 0 <= percent < float("inf"):  # also rejects nan
                raise UsageError(
                    f"{GROWTH_FLAG} {text!r}: the percentage must be a number, 0 or more",
                    hint=_GROWTH_HINT,
                )
        else:
            if size is not None:
                raise UsageError(f"{GROWTH_FLAG} {text!r}: two sizes", hint=_GROWTH_HINT)
            try:
                size = parse_size(part)
            except ValueError as exc:
                raise UsageError(f"{GROWTH_FLAG} {text!r}: {exc}", hint=_GROWTH_HINT) from None
    return percent, size


def parse_budget(
    fail_on_growth: str | None, max_size: str | None, *, parse_size: Callable[[str], int]
) -> Budget:
    """The budget the two flags give (either may be None); UsageError for bad values."""
    percent, growth = (None, None)
    if fail_on_growth is not None:
        percent, growth = parse_growth(fail_on_growth, parse_size)
    limit = None
    if max_size is not None:
        try:
            limit = parse_size(max_size)
        except ValueError as exc:
            raise UsageError(f"{MAX_SIZE_FLAG}: {exc}") from None
    return Budget(percent, growth, limit)


def _bytes(size: float) -> str:
    return f"{human_size(int(size))} ({int(size)} bytes)"


def check_budget(deltas: Sequence[ImageDelta], budget: Budget) -> tuple[BudgetCrossing, ...]:
    """The limits the images of ``deltas`` cross, image by image."""
    out: list[BudgetCrossing] = []
    for item in deltas:
        out += _check(item, budget)
    return tuple(out)


def _check(item: ImageDelta, budget: Budget) -> list[BudgetCrossing]:
    ref = item.new.reference
    out: list[BudgetCrossing] = []
    if budget.max_size is not None:
        size, which = item.new.compressed_size, "compressed"
        if size is None:
            size, which = item.new.uncompressed_size, "uncompressed: no compressed sizes known"
        if size is not None and size > budget.max_size:
            excess = size - budget.max_size
            out.append(
                BudgetCrossing(
                    ref,
                    "max-size",
                    budget.max_size,
                    size,
                    excess,
                    f"{ref}: size {_bytes(size)[:-1]}, {which}) is over {MAX_SIZE_FLAG} "
                    f"{_bytes(budget.max_size)} by {_bytes(excess)}",
                )
            )
    if item.old is None or (budget.growth_percent is None and budget.growth_bytes is None):
        return out
    change, base, which = item.delta, item.old.compressed_size, "compressed"
    if change is None:
        change, base = item.uncompressed_delta, item.old.uncompressed_size
        which = "uncompressed: no compressed sizes known"
    if change is None or base is None or change <= 0:
        return out
    share = growth_percent(base, change)
    pct = f", {share:+.2f}%" if share is not None else ""
    grew = f"{ref}: grew by {_bytes(change)[:-1]}{pct}, {which}) from {human_size(base)}"
    if budget.growth_percent is not None:
        limit = budget.growth_percent
        if share is None:  # from 0 bytes: more than any percentage
            message = f"{grew}, more than any percentage, over {GROWTH_FLAG} {limit:g}%"
            out.append(BudgetCrossing(ref, "growth-percent", limit, None, None, message))
        elif share > limit:
            message = (
                f"{grew}, over {GROWTH_FLAG} {limit:g}% by {share - limit:.2f} percentage points"
            )
            out.append(BudgetCrossing(ref, "growth-percent", limit, share, share - limit, message))
    if budget.growth_bytes is not None and change > budget.growth_bytes:
        excess = change - budget.growth_bytes
        out.append(
            BudgetCrossing(
                ref,
                "growth-bytes",
                budget.growth_bytes,
                change,
                excess,
                f"{grew}, over {GROWTH_FLAG} {_bytes(budget.growth_bytes)} by {_bytes(excess)}",
            )
        )
    return out
