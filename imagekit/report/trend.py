"""The size trend from ledger records: rows with the change to the push before, a unicode
sparkline, a Mermaid ``xychart-beta`` block for Markdown, and ``imagekit report history``'s
table, JSON and Markdown.

Sizes are compressed (what a pull downloads). A row's delta is to the record before it in
the list given, so a caller that shows N rows passes N + 1 records to give the first row
its delta too (:func:`trend_rows` with ``limit``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from imagekit.report.record import LedgerRecord
from imagekit.report.sizes import human_delta, human_size, optional_size
from imagekit.report.text import code, md, short_digest, table

FORMATS = ("table", "json", "markdown")
BARS = "▁▂▃▄▅▆▇█"
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class TrendRow:
    record: LedgerRecord
    delta: int | None
    """Compressed bytes more than the record before; None for the first or when unknown."""


def trend_rows(records: Sequence[LedgerRecord], limit: int | None = None) -> list[TrendRow]:
    """Rows for ``records`` in time order; the last ``limit`` of them when given."""
    ordered = sorted(records, key=lambda r: r.time)
    rows = []
    for i, record in enumerate(ordered):
        before = ordered[i - 1].compressed_size if i else None
        now = record.compressed_size
        rows.append(TrendRow(record, None if before is None or now is None else now - before))
    return rows[-limit:] if limit else rows


def sparkline(values: Sequence[int | None]) -> str:
    """One bar per value, the smallest ``▁`` and the largest ``█``; a space where unknown."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif span == 0:
            out.append(BARS[(len(BARS) - 1) // 2])
        else:
            out.append(BARS[round((value - low) * (len(BARS) - 1) / span)])
    return "".join(out)


def _quoted(text: str) -> str:
    """A Mermaid string: double quotes, none inside."""
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def mermaid_chart(records: Sequence[LedgerRecord], title: str) -> str:
    """A fenced ``mermaid`` block: a line of the compressed sizes in MB, one x label a push.

    Labels are the commit's first 7 digits, else the day (``05-01``), made unique with a
    suffix (a categorical axis merges equal labels). Records of unknown size are left out.
    """
    known = sorted((r for r in records if r.compressed_size is not None), key=lambda r: r.time)
    labels: list[str] = []
    seen: dict[str, int] = {}
    for record in known:
        label = record.commit[:7] if record.commit else record.when.strftime("%m-%d")
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label}-{seen[label]}")
    values = [f"{(r.compressed_size or 0) / MB:.2f}" for r in known]
    lines = [
        "```mermaid",
        "xychart-beta",
        f"    title {_quoted(title)}",
        f"    x-axis [{', '.join(_quoted(label) for label in labels)}]",
        f"    y-axis {_quoted('compressed size (MB)')}",
        f"    line [{', '.join(values)}]",
        "```",
    ]
    return "\n".join(lines)


def trend_name(records: Sequence[LedgerRecord]) -> str:
    """``HOST/REPO`` of the records (``N repositories`` when they are of several)."""
    names = sorted({f"{r.registry}/{r.repository}" for r in records})
    return names[0] if len(names) == 1 else f"{len(names)} repositories"


def chart_title(records: Sequence[LedgerRecord]) -> str:
    return f"{trend_name(records)}: last {len(records)} pushes"


def chart_section(records: Sequence[LedgerRecord]) -> str:
    """A Markdown line saying what the chart shows (xychart has no accessible title),
    then the chart."""
    lead = (
        f"Compressed size in MB of the last {len(records)} pushes of "
        f"{code(trend_name(records))}, oldest first:"
    )
    return lead + "\n\n" + mermaid_chart(records, chart_title(records))


def render_history(rows: Sequence[TrendRow], fmt: str, *, spark: bool = False) -> str:
    """``imagekit report history``'s output; ``spark`` adds a sparkline line (terminals)."""
    if fmt == "json":
        items = [{**row.record.to_dict(), "delta": row.delta} for row in rows]
        return json.dumps({"records": items}, indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    markdown = fmt == "markdown"
    if not rows:
        return "No pushes recorded.\n"
    body = [
        (
            row.record.when.strftime("%Y-%m-%d %H:%M"),
            code(row.record.tag) if markdown else row.record.tag,
            short_digest(str(row.record.digest)),
            optional_size(row.record.compressed_size, "-"),
            "-" if row.delta is None else human_delta(row.delta),
            row.record.commit[:12] or "-",
            (md(row.record.branch) if markdown else row.record.branch) or "-",
        )
        for row in rows
    ]
    headers = ("time (UTC)", "tag", "digest", "size", "change", "commit", "branch")
    parts = []
    records = [row.record for row in rows]
    if markdown:
        parts.append(f"### Size trend of {code(trend_name(records))}, last {len(rows)} pushes")
    parts.append(table(body, headers, markdown, "lllrrll"))
    sizes = [r.compressed_size for r in records]
    known = [s for s in sizes if s is not None]
    if spark and known and not markdown:
        parts.append(f"{sparkline(sizes)}  {human_size(min(known))} .. {human_size(max(known))}")
    if markdown and known:
        parts.append(chart_section(records))
    return "\n\n".join(parts) + "\n"
