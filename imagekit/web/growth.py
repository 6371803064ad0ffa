"""What the size ledger tells the pages: which repositories grew most in their last
pushes, each tag's change against its previous push, and the size trend as an SVG chart
drawn server-side (:func:`imagekit.report.chart.draw_chart`, matplotlib).

Growth of a repository over its last :data:`PUSHES` recorded pushes: for each tag pushed
at least twice among them, the newest compressed size less the oldest, summed over the
tags. A ledger that cannot be read is a warning for the page, never a failure.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from imagekit.errors import ImagekitError
from imagekit.report.ledger import Ledger
from imagekit.report.record import LedgerRecord
from imagekit.report.trend import trend_rows

#: Pushes per repository read for the growth on the overview.
PUSHES = 10
#: Pushes per repository read for its page (the trend and the tags' deltas).
TREND = 60
#: Repositories listed as grown most.
TOP = 10
WORKERS = 8


@dataclass(frozen=True, slots=True)
class Growth:
    repository: str
    bytes: int
    """Compressed bytes more than before (see the module's doc)."""
    pushes: int
    """Recorded pushes the growth is over."""
    since: float
    """Time of the oldest of them (seconds since the epoch)."""


def growth_of(repository: str, records: Sequence[LedgerRecord]) -> Growth | None:
    """The growth over ``records`` (any order), None with fewer than two pushes of a tag."""
    ordered = sorted(records, key=lambda r: r.time)
    sizes: dict[str, list[int]] = {}
    for record in ordered:
        if record.compressed_size is not None:
            sizes.setdefault(record.tag, []).append(record.compressed_size)
    repeated = [known for known in sizes.values() if len(known) > 1]
    if not repeated:
        return None
    total = sum(known[-1] - known[0] for known in repeated)
    return Growth(repository, total, len(ordered), ordered[0].time)


def repository_growth(
    ledger: Ledger, registry: str, repositories: Sequence[str], *, pushes: int = PUSHES
) -> tuple[tuple[Growth, ...], tuple[str, ...]]:
    """The :data:`TOP` repositories that grew most (positive growth only), and warnings."""

    def read(name: str) -> tuple[Growth | None, tuple[str, ...]]:
        try:
            found = ledger.records(registry, name, None, pushes)
        except ImagekitError as exc:
            return None, (exc.message,)
        return growth_of(name, found.records), found.warnings

    if not repositories:
        return (), ()
    with ThreadPoolExecutor(
        min(WORKERS, len(repositories)), thread_name_prefix="ik-ledger"
    ) as pool:
        results = list(pool.map(read, repositories))
    grown = [g for g, _ in results if g is not None and g.bytes > 0]
    grown.sort(key=lambda g: (-g.bytes, g.repository))
    warnings = list(dict.fromkeys(w for _, ws in results for w in ws))
    if len(warnings) > TOP:
        warnings = [*warnings[:TOP], f"... and {len(warnings) - TOP} more ledger warnings"]
    return tuple(grown[:TOP]), tuple(warnings)


@dataclass(frozen=True, slots=True)
class TagChange:
    """A tag's newest recorded push and the change to the one before it."""

    size: int | None
    delta: int | None
    time: float


def tag_changes(records: Sequence[LedgerRecord]) -> dict[str, TagChange]:
    """Per tag: the newest push's size and the change against the previous push of the
    same tag (None when it was pushed once, or a size is unknown)."""
    by_tag: dict[str, list[LedgerRecord]] = {}
    for record in sorted(records, key=lambda r: r.time):
        by_tag.setdefault(record.tag, []).append(record)
    out = {}
    for tag, pushes in by_tag.items():
        newest = pushes[-1]
        before = pushes[-2].compressed_size if len(pushes) > 1 else None
        now = newest.compressed_size
        delta = None if before is None or now is None else now - before
        out[tag] = TagChange(now, delta, newest.time)
    return out


def trend_svg(records: Sequence[LedgerRecord]) -> bytes | None:
    """The compressed size over ``records`` as an SVG document (None when no record has a
    known size)."""
    from imagekit.report.chart import draw_chart

    rows = trend_rows(records)
    if not any(row.record.compressed_size is not None for row in rows):
        return None
    with tempfile.TemporaryDirectory(prefix="ik-chart-") as scratch:
        path = draw_chart(rows, Path(scratch) / "trend.svg")
        return path.read_bytes()
