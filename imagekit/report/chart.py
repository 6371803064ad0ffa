"""``imagekit report history --chart FILE.svg|.png``: the compressed size over time, drawn
with matplotlib (the ``charts`` extra), imported only here.

The figure is made with matplotlib's object API on the Agg canvas, never pyplot, so no
global figure state or GUI backend is involved. Points are labelled sparsely: the first,
the last, the smallest, the largest, and about every n-th so that at most
:data:`MAX_LABELS` labels show.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imagekit.errors import UsageError
from imagekit.report.trend import MB, TrendRow, chart_title

FORMATS = (".svg", ".png")
MAX_LABELS = 8


def labelled(sizes: Sequence[int]) -> set[int]:
    """Indexes of the points to label (see the module doc)."""
    if not sizes:
        return set()
    count = len(sizes)
    step = max(1, -(-count // MAX_LABELS))
    keep = {0, count - 1, sizes.index(min(sizes)), sizes.index(max(sizes))}
    keep |= set(range(0, count, step))
    return keep


def draw_chart(rows: Sequence[TrendRow], path: Path) -> Path:
    """Draw the rows' compressed sizes to ``path`` (SVG or PNG by its suffix)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"--chart {path}: the file name must end in .svg or .png")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(
            "--chart needs matplotlib, which is not installed",
            hint="pip install 'imagekit[charts]'",
        ) from None
    known = [row for row in rows if row.record.compressed_size is not None]
    if not known:
        raise UsageError(f"--chart {path}: no recorded push has a known compressed size")
    times = [row.record.when for row in known]
    sizes = [row.record.compressed_size or 0 for row in known]
    values = [size / MB for size in sizes]
    figure = Figure(figsize=(9, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(times, values, marker="o", markersize=3, linewidth=1.5, color="#1f6feb")  # type: ignore[arg-type]
    for index in sorted(labelled(sizes)):
        axes.annotate(
            f"{values[index]:.1f}",
            (times[index], values[index]),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.set_ylabel("compressed size (MB)")
    axes.set_xlabel("push time (UTC)")
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or max(high * 0.05, 0.1)
    axes.set_ylim(max(0.0, low - pad), high + pad)
    axes.grid(True, alpha=0.3)
    axes.set_title(chart_title([row.record for row in rows]))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format=suffix[1:], metadata=_metadata(suffix))
    return path


def _metadata(suffix: str) -> dict[str, str | None]:
    """No creation date or version stamp in the file."""
    if suffix == ".svg":
        return {"Date": None, "Creator": None}
    return {"Software": None}
