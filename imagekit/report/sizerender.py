"""Render a :class:`~imagekit.report.sizereport.SizeReport`: a table, JSON, Markdown.

The table and Markdown show a row per image and a total (old, new, change in bytes and
percent, uncompressed, layers shared/added/removed, bytes pushed), the layers added and
removed with their ``created_by``, and the budget's verdict. Markdown, made for pull
request comments, starts with one summary line per image that says in words whether it
grew, shrank or stayed the same, keeps the layer details in a collapsed section, and with
``trends`` ends with a Mermaid chart of each repository's last pushes. JSON is the
report's ``to_dict()``, exact bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from imagekit.report.delta import ImageDelta, LayerSize
from imagekit.report.record import LedgerRecord
from imagekit.report.sizereport import SizeReport
from imagekit.report.sizes import human_delta, human_size, optional_size
from imagekit.report.text import code, md, short_created_by, short_digest, table
from imagekit.report.trend import chart_section

FORMATS = ("table", "json", "markdown")
MEANING = "Sizes are compressed: the layer blobs and the config blob, what a pull downloads."
UNKNOWN = "unknown (no compressed blobs; --compute-compressed measures them)"


def render_size_report(
    report: SizeReport, fmt: str, *, trends: Sequence[Sequence[LedgerRecord]] = ()
) -> str:
    """``report`` in ``fmt``, ending with a newline; ``trends`` (Markdown only): one
    sequence of ledger records per chart, as ``imagekit report history`` reads them."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return _Report(report, fmt == "markdown").render(trends)


def _change(delta: int | None, percent: float | None) -> str:
    if delta is None:
        return "-"
    share = f" ({percent:+.1f}%)" if percent is not None else ""
    return human_delta(delta) + share


def _sentence(new: int | None, old: int | None, delta: int | None, percent: float | None) -> str:
    """``46.8 MB, grew by 1.20 MB (+2.6%) from 45.6 MB``: the direction in words."""
    if new is None:
        return f"size {UNKNOWN}"
    size = f"**{human_size(new)}**"
    if old is None or delta is None:
        return size
    share = f" ({percent:+.1f}%)" if percent is not None else ""
    if delta == 0:
        return f"{size}, unchanged"
    verb = "grew" if delta > 0 else "shrank"
    return f"{size}, {verb} by {human_size(abs(delta))}{share} from {human_size(old)}"


class _Report:
    def __init__(self, report: SizeReport, markdown: bool) -> None:
        self.report = report
        self.markdown = markdown

    def name(self, text: str) -> str:
        return code(text) if self.markdown else text

    def render(self, trends: Sequence[Sequence[LedgerRecord]]) -> str:
        sections = [self.summary(), self.rows(), self.layers(), self.budget(), MEANING]
        if self.markdown:
            sections += [chart_section(t) for t in trends if t]
        return "\n\n".join(s for s in sections if s) + "\n"

    def summary(self) -> str:
        if not self.markdown:
            return ""
        lines = ["### Image sizes", ""]
        for d in self.report.images:
            old = d.old.compressed_size if d.old else None
            text = _sentence(d.new.compressed_size, old, d.delta, d.percent)
            if d.old is None:
                text += ", first push of this tag"
            lines.append(f"- {code(d.new.reference)}: {text}")
        if len(self.report.images) > 1:
            r = self.report
            lines.append(f"- **total**: {_sentence(r.new_size, r.old_size, r.delta, r.percent)}")
        return "\n".join(lines)

    def rows(self) -> str:
        body = [self._row(d) for d in self.report.images]
        r = self.report
        if len(r.images) > 1:
            total = "**total**" if self.markdown else "total"
            body.append(
                (
                    total,
                    optional_size(r.old_size, "-"),
                    optional_size(r.new_size, "-"),
                    _change(r.delta, r.percent),
                    self._uncompressed(r.new_uncompressed_size, r.uncompressed_delta),
                    "",
                    optional_size(r.pushed_bytes, "-"),
                )
            )
        headers = ("image", "old", "new", "change", "uncompressed", "layers", "pushed")
        return table(body, headers, self.markdown, "lrrrrlr")

    def _uncompressed(self, size: int | None, change: int | None) -> str:
        if size is None:
            return "-"
        return human_size(size) + (f" ({human_delta(change)})" if change is not None else "")

    def _row(self, d: ImageDelta) -> tuple[str, ...]:
        if d.old is None:
            layers, change = f"{len(d.added)} added", "new"
        else:
            layers = f"{len(d.shared)} shared, {len(d.added)} added, {len(d.removed)} removed"
            change = _change(d.delta, d.percent)
        return (
            self.name(d.new.reference),
            optional_size(d.old.compressed_size, "-") if d.old else "-",
            optional_size(d.new.compressed_size, "-"),
            change,
            self._uncompressed(d.new.uncompressed_size, d.uncompressed_delta),
            layers,
            optional_size(d.pushed_bytes, "-"),
        )

    def layers(self) -> str:
        body = []
        for d in self.report.images:
            if d.old is None:
                continue  # a first push adds every layer: the row says how many
            body += [self._layer(d, "added", layer) for layer in d.added]
            body += [self._layer(d, "removed", layer) for layer in d.removed]
        if not body:
            return ""
        headers = ("image", "layer", "digest", "size", "created_by")
        rows = table(body, headers, self.markdown, "llrrl")
        if not self.markdown:
            return "Layers added and removed:\n" + rows
        title = f"Layers added and removed ({len(body)})"
        return f"<details><summary>{title}</summary>\n\n{rows}\n\n</details>"

    def _layer(self, d: ImageDelta, change: str, layer: LayerSize) -> tuple[str, ...]:
        created_by = short_created_by(layer.created_by)
        size = optional_size(layer.size, "-")
        if layer.measured:
            size += " (gzip)"
        sign = "+" if change == "added" else "-"
        return (
            self.name(d.new.reference),
            f"{sign} {change}",
            short_digest(str(layer.digest)),
            size,
            md(created_by) if self.markdown else created_by,
        )

    def budget(self) -> str:
        r = self.report
        if r.budget is None and not r.crossings:
            return ""
        label = "**Budget**:" if self.markdown else "Budget:"
        if not r.crossings:
            return f"{label} within the limits"
        lines = [f"{label} {len(r.crossings)} limit{'s' * (len(r.crossings) != 1)} crossed"]
        for crossing in r.crossings:
            text = md(crossing.message) if self.markdown else crossing.message
            lines.append(f"- {text}")
        return "\n".join(lines)
