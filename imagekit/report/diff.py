"""Render an :class:`~imagekit.analyze.ImageDiff`: a table for terminals, JSON, Markdown.

Sections: the size change (compressed where both images have compressed sizes, and
uncompressed), the layers matched by diff ID (shared, added, removed, each with its
``created_by``), and the files added, removed, grown and shrunk the most.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from imagekit.analyze.diff import FileDelta, ImageDiff, LayerRef
from imagekit.report.sizes import human_delta, human_size, optional_size
from imagekit.report.text import code, md, short_created_by, short_digest, table

FORMATS = ("table", "json", "markdown")


def render_diff(result: ImageDiff, fmt: str) -> str:
    """``result`` in ``fmt`` (``table``, ``json`` or ``markdown``), ending with a newline."""
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return _Report(result, markdown=fmt == "markdown").render()


def _change(old: int, new: int) -> str:
    share = f", {100 * (new - old) / old:+.1f}%" if old else ""
    return f"{human_size(old)} -> {human_size(new)} ({human_delta(new - old)}{share})"


class _Report:
    def __init__(self, result: ImageDiff, markdown: bool) -> None:
        self.result = result
        self.markdown = markdown

    def path(self, value: str) -> str:
        return code(value) if self.markdown else value

    def heading(self, title: str) -> str:
        return f"#### {title}" if self.markdown else f"{title}:"

    def render(self) -> str:
        sections = [self.summary(), self.layers()]
        counts = dict(self.result.counts)
        r = self.result
        sections.append(self.files("Files added", r.files_added, counts.get("added", 0)))
        sections.append(self.files("Files removed", r.files_removed, counts.get("removed", 0)))
        sections.append(self.files("Files grown most", r.files_grown, counts.get("grown", 0)))
        sections.append(self.files("Files shrunk most", r.files_shrunk, counts.get("shrunk", 0)))
        return "\n\n".join(s for s in sections if s) + "\n"

    def summary(self) -> str:
        r = self.result
        if r.old_size is not None and r.new_size is not None:
            compressed = _change(r.old_size, r.new_size)
        else:
            lacking = [
                name for name, size in (("old", r.old_size), ("new", r.new_size)) if size is None
            ]
            compressed = (
                f"unknown ({' and '.join(lacking)} image without compressed blobs: "
                f"{optional_size(r.old_size)} -> {optional_size(r.new_size)})"
            )
        rows = [
            ("old", self.path(r.old)),
            ("new", self.path(r.new)),
            ("compressed", compressed),
            ("uncompressed", _change(r.old_uncompressed_size, r.new_uncompressed_size)),
            (
                "layers",
                f"{len(r.shared)} shared, {len(r.added)} added, {len(r.removed)} removed",
            ),
        ]
        if self.markdown:
            title = f"### imagekit diff {code(r.old)} {code(r.new)}"
            return title + "\n\n" + table(rows, ("", ""), True)
        return "\n".join(f"{name + ':':<14}{value}" for name, value in rows)

    def layers(self) -> str:
        r = self.result
        rows = [self._row("shared", layer) for layer in r.shared]
        rows += [self._row("added", layer) for layer in r.added]
        rows += [self._row("removed", layer) for layer in r.removed]
        if not rows:
            return ""
        headers = ("layer", "#", "diff_id", "size", "uncompressed", "created_by")
        return self.heading("Layers") + "\n" + table(rows, headers, self.markdown, "lrlrrl")

    def _row(self, status: str, layer: LayerRef) -> tuple[str, ...]:
        created_by = short_created_by(layer.created_by)
        return (
            status,
            str(layer.index),
            short_digest(layer.diff_id),
            optional_size(layer.size, "-"),
            human_size(layer.uncompressed_size),
            md(created_by) if self.markdown else created_by,
        )

    def files(self, title: str, deltas: Sequence[FileDelta], count: int) -> str:
        if not deltas:
            return ""
        rows = [
            (
                self.path(f.path),
                optional_size(f.old_size, "-"),
                optional_size(f.new_size, "-"),
                human_delta(f.delta),
            )
            for f in deltas
        ]
        shown = f" ({len(deltas)} of {count})" if count > len(deltas) else f" ({count})"
        headers = ("path", "old", "new", "change")
        return self.heading(title + shown) + "\n" + table(rows, headers, self.markdown, "lrrr")
