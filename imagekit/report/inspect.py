"""Render an :class:`~imagekit.analyze.Analysis`: a table for terminals, JSON, Markdown.

The table and the Markdown report have the same sections: a summary (image, digest,
sizes, waste, efficiency), the layers, the findings, the largest wasted copies, the
biggest files and duplicate contents, and with ``--files`` each layer's changes. JSON is
the analysis's own ``to_dict()`` with exact byte counts, plus the gate's verdict when
limits were given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from imagekit.analyze.report import Analysis, Finding, LayerReport
from imagekit.report.gate import Crossing
from imagekit.report.sizes import human_size, optional_size, percent
from imagekit.report.text import code, md, short_created_by, short_digest, table

FORMATS = ("table", "json", "markdown")
#: Paths shown per finding and per duplicate in tables.
SHOWN_PATHS = 3


def render_inspect(
    analysis: Analysis, fmt: str, crossings: Sequence[Crossing] | None = None
) -> str:
    """``analysis`` in ``fmt`` (``table``, ``json`` or ``markdown``), ending with a newline.

    ``crossings`` (the gate's result, None when no limit was set) is added to JSON as
    ``gate``; the table and Markdown leave the verdict to the caller's messages.
    """
    if fmt == "json":
        data = analysis.to_dict()
        if crossings is not None:
            data["gate"] = {
                "passed": not crossings,
                "crossed": [c.to_dict() for c in crossings],
            }
        return json.dumps(data, indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return _Report(analysis, markdown=fmt == "markdown").render()


def size_summary(analysis: Analysis) -> str:
    """``12.3 MB compressed, 45.6 MB uncompressed`` (the compressed size may be unknown)."""
    uncompressed = f"{human_size(analysis.total_uncompressed_size)} uncompressed"
    if analysis.total_size is None:
        return (
            f"unknown compressed (the source has no compressed blobs; --compute-compressed "
            f"measures it), {uncompressed}"
        )
    computed = any(layer.compressed_size_computed for layer in analysis.layers)
    how = " (measured with gzip)" if computed else ""
    return f"{human_size(analysis.total_size)} compressed{how}, {uncompressed}"


class _Report:
    def __init__(self, analysis: Analysis, markdown: bool) -> None:
        self.analysis = analysis
        self.markdown = markdown

    def text(self, value: str) -> str:
        return md(value) if self.markdown else value

    def path(self, value: str) -> str:
        return code(value) if self.markdown else value

    def heading(self, title: str) -> str:
        return f"#### {title}" if self.markdown else f"{title}:"

    def render(self) -> str:
        sections = [self.summary(), self.layers(), self.findings()]
        sections += [self.wasted(), self.biggest(), self.duplicates(), *self.files()]
        return "\n\n".join(s for s in sections if s) + "\n"

    def summary(self) -> str:
        a = self.analysis
        wasted = (
            f"{human_size(a.wasted_bytes)} ({a.wasted_percent:.1f}% of "
            f"{human_size(a.content_bytes)} content bytes written)"
        )
        rows = [
            ("image", self.path(a.image)),
            ("digest", self.path(a.digest) if a.digest else "none (the source has no manifest)"),
            ("size", size_summary(a)),
            ("wasted", wasted),
            ("efficiency", f"{a.efficiency:.4f} ({percent(a.efficiency)} of the content visible)"),
            ("layers", str(len(a.layers))),
        ]
        if a.base:
            layers = f"{a.base} layer{'s' * (a.base != 1)}"
            rows.append(("base", f"the first {layers}: excluded from waste and findings"))
        if self.markdown:
            title = f"### imagekit inspect {code(a.image)}"
            return title + "\n\n" + table(rows, ("", ""), True)
        return "\n".join(f"{name + ':':<12}{value}" for name, value in rows)

    def layers(self) -> str:
        if not self.analysis.layers:
            return ""
        rows = [self._layer_row(layer) for layer in self.analysis.layers]
        headers = ("#", "digest", "diff_id", "size", "uncompressed", "wasted", "created_by")
        out = self.heading("Layers") + "\n" + table(rows, headers, self.markdown, "rllrrrl")
        if self.analysis.base:
            out += "\n\n" + self.text("* base layer (excluded from waste and findings)")
        return out

    def _layer_row(self, layer: LayerReport) -> tuple[str, ...]:
        size = optional_size(layer.size, "-")
        if layer.compressed_size_computed:
            size += " (gzip)"
        return (
            f"{layer.index}{'*' if layer.base else ''}",
            short_digest(layer.digest),
            short_digest(layer.diff_id),
            size,
            human_size(layer.uncompressed_size),
            human_size(layer.wasted_bytes) if layer.wasted_bytes else "-",
            self.text(short_created_by(layer.created_by)),
        )

    def findings(self) -> str:
        found = self.analysis.findings
        if not found:
            return self.heading("Findings") + " none" if not self.markdown else ""
        rows = [self._finding_row(f) for f in found]
        headers = ("rule", "name", "layer", "bytes", "paths")
        out = self.heading("Findings") + "\n" + table(rows, headers, self.markdown, "llrrl")
        if any(f.hidden_by is not None for f in found):
            note = "layer A → B: written by layer A, deleted, overwritten or rewritten by layer B"
            out += "\n\n" + self.text(note)
        return out

    def _finding_row(self, finding: Finding) -> tuple[str, ...]:
        shown = finding.paths[:SHOWN_PATHS]
        paths = ", ".join(self.path(p) for p in shown)
        more = finding.count - len(shown)
        if more > 0:
            paths += f" (+{more} more)"
        size = human_size(finding.bytes) if finding.bytes else "-"
        layer = str(finding.layer)
        if finding.hidden_by is not None:
            layer += f" → {finding.hidden_by}"  # the bytes of one layer hidden by another
        return (finding.rule, finding.name, layer, size, paths or "-")

    def wasted(self) -> str:
        copies = self.analysis.wasted
        if not copies:
            return ""
        rows = [
            (self.path(w.path), human_size(w.size), str(w.layer), str(w.hidden_by)) for w in copies
        ]
        headers = ("path", "size", "written by layer", "hidden by layer")
        title = self.heading("Largest wasted copies")
        return title + "\n" + table(rows, headers, self.markdown, "lrrr")

    def biggest(self) -> str:
        files = self.analysis.biggest
        if not files:
            return ""
        rows = [(self.path(f.path), human_size(f.size), str(f.layer)) for f in files]
        title = self.heading("Biggest files")
        return title + "\n" + table(rows, ("path", "size", "layer"), self.markdown, "lrr")

    def duplicates(self) -> str:
        dups = self.analysis.duplicates
        if not dups:
            return ""
        rows = []
        for dup in dups:
            shown = ", ".join(self.path(p) for p in dup.paths[:SHOWN_PATHS])
            if len(dup.paths) > SHOWN_PATHS:
                shown += f" (+{len(dup.paths) - SHOWN_PATHS} more)"
            rows.append(
                (human_size(dup.size), str(len(dup.paths)), human_size(dup.extra_bytes), shown)
            )
        headers = ("size", "copies", "extra", "paths")
        title = self.heading("Duplicate contents")
        return title + "\n" + table(rows, headers, self.markdown, "rrrl")

    def files(self) -> list[str]:
        out = []
        for layer in self.analysis.layers:
            if layer.files is None:
                continue
            title = self.heading(f"Files of layer {layer.index}")
            if not layer.files:
                out.append(f"{title} none")
                continue
            rows = [
                (f.change, f.type or "-", human_size(f.size) if f.size else "-", self.path(f.path))
                for f in layer.files
            ]
            headers = ("change", "type", "size", "path")
            out.append(title + "\n" + table(rows, headers, self.markdown, "llrl"))
        return out
