"""``analyze(image)``: stream each layer once and report where every byte comes from.

Each layer's uncompressed tar is read exactly once: the tar reader hashes it (the diff ID
is checked against the image config), the merged tree takes its entries, the cache scanner
looks at the paths, and with ``compute_compressed`` the same bytes are gzip-compressed as
a push would to measure a compressed size the source does not have.

``base=N`` treats the first N layers as the base image: waste that happened inside the
base (a base layer's copy hidden by a base layer) and findings in base layers are left
out, so the totals show what the layers on top added. A base copy that a later layer
overwrites or deletes *is* counted: that later layer made the image carry dead bytes.
``content_bytes`` is then what the later layers wrote plus the base bytes they hid, and
efficiency is ``(content_bytes - wasted_bytes) / content_bytes`` over that. Every wasted
byte counted is in an IK102 or IK103 finding (:mod:`imagekit.analyze.wastefindings`).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from imagekit.analyze.caches import CacheScanner, final_findings
from imagekit.analyze.report import (
    Analysis,
    Duplicate,
    FileChange,
    FileInfo,
    Finding,
    LayerReport,
    WastedCopy,
)
from imagekit.analyze.tarstream import FILE, TarStream
from imagekit.analyze.tree import LayerChanges, Tree, Visible
from imagekit.analyze.wastefindings import waste_findings
from imagekit.errors import ImageError
from imagekit.oci.compress import compressor

if TYPE_CHECKING:
    from imagekit.oci.image import Image, Layer

#: Files at least this large get a content sha256 for duplicate detection.
DUPLICATE_MIN_SIZE = 64 * 1024
TOP = 20


def layer_name(index: int, layer: Layer) -> str:
    return f"layer {index} ({layer.diff_id})"


def analyze(
    image: Image,
    *,
    base: int = 0,
    files: bool = False,
    compute_compressed: bool = False,
    top: int = TOP,
    duplicate_min_size: int | None = DUPLICATE_MIN_SIZE,
) -> Analysis:
    """Analyse ``image``; ImageError (naming the layer) for malformed or mismatched layers.

    ``files`` keeps each layer's list of added, changed and removed paths.
    ``compute_compressed`` gzips (level 6, as docker and containerd push) the layers the
    source has no compressed size for, in the same pass. ``top`` bounds the lists of
    biggest files, duplicates and wasted copies. Files of at least ``duplicate_min_size``
    bytes get a content sha256 for duplicate detection, smaller ones a CRC-32; with both, a
    file a later layer stores again unchanged but for its owner or mode is recognised
    (IK103). None: no content hashing, and every wasted copy is IK102.
    """
    layers = image.layers
    if base < 0 or base > len(layers):
        raise ImageError(f"{image.name}: --base {base} but the image has {len(layers)} layers")
    tree = Tree(keep_files=files)
    scanner = CacheScanner(base)
    uncompressed: list[int] = []
    computed: list[int | None] = []
    hash_content = None
    checksum_below = 0
    if duplicate_min_size is not None:
        threshold = checksum_below = duplicate_min_size

        def hash_content(path: str, size: int) -> bool:
            return size >= threshold

    for index, layer in enumerate(layers):
        what = layer_name(index, layer)
        tree.begin(what)
        counter = _GzipCounter() if compute_compressed and layer.size is None else None
        stream = layer.open()
        try:
            reader = TarStream(
                stream,
                what,
                hash_content=hash_content,
                checksum_below=checksum_below,
                observe=counter.update if counter is not None else None,
            )
            apply = tree.apply
            observe = scanner.observe
            for entry in reader:
                apply(entry)
                if entry.type == FILE:
                    observe(index, entry.path, entry.size)
        finally:
            stream.close()
        if reader.digest != layer.diff_id:
            raise ImageError(
                f"{what}: the layer's content hashes to {reader.digest}, "
                f"not to its diff ID {layer.diff_id}"
            )
        if layer.uncompressed_size is not None and layer.uncompressed_size != reader.size:
            raise ImageError(
                f"{what}: {reader.size} bytes, but the source says {layer.uncompressed_size}"
            )
        uncompressed.append(reader.size)
        computed.append(counter.finish() if counter is not None else None)
    return _report(image, tree, scanner, base, uncompressed, computed, top)


class _GzipCounter:
    """Compresses what it is fed as a push would and counts the output bytes."""

    def __init__(self) -> None:
        self._engine = compressor("gzip")
        self.size = 0

    def update(self, data: bytes) -> None:
        self.size += len(self._engine.compress(data))

    def finish(self) -> int:
        self.size += len(self._engine.flush())
        return self.size


def _report(
    image: Image,
    tree: Tree,
    scanner: CacheScanner,
    base: int,
    uncompressed: list[int],
    computed: list[int | None],
    top: int,
) -> Analysis:
    layers = image.layers
    history = image.config.layer_history()
    wasted: dict[int, int] = defaultdict(int)
    hidden_by: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    hides: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    counted_waste = 0
    base_hidden_by_own = 0
    for copy in tree.waste:
        wasted[copy.layer] += copy.size
        hidden_by[copy.layer][copy.hidden_by] += copy.size
        hides[copy.hidden_by][copy.layer] += copy.size
        if copy.hidden_by >= base:
            counted_waste += copy.size
            if copy.layer < base:
                base_hidden_by_own += copy.size
    reports = []
    sizes: list[int | None] = []
    for index, layer in enumerate(layers):
        changes = tree.layers[index]
        size = layer.size if layer.size is not None else computed[index]
        sizes.append(size)
        entry = history[index] if index < len(history) else None
        reports.append(
            LayerReport(
                index=index,
                digest=str(layer.descriptor.digest),
                diff_id=str(layer.diff_id),
                size=size,
                uncompressed_size=uncompressed[index],
                created_by=entry.created_by if entry is not None else "",
                files_added=len(changes.added),
                files_changed=len(changes.changed),
                files_removed=len(changes.removed),
                content_bytes=changes.content_bytes,
                wasted_bytes=wasted.get(index, 0),
                hidden_by=tuple(sorted(hidden_by[index].items())) if index in hidden_by else (),
                hides=tuple(sorted(hides[index].items())) if index in hides else (),
                base=index < base,
                compressed_size_computed=layer.size is None and computed[index] is not None,
                files=_file_changes(changes),
            )
        )
    content = sum(c.content_bytes for c in tree.layers[base:]) + base_hidden_by_own
    visible = list(tree.walk())
    # regular files, hardlinks included: a hardlink is a regular file of the final file system
    regular = [v for v in visible if v.blob is not None]
    files = {"/" + v.path: FileInfo("/" + v.path, v.size, v.layer) for v in regular}
    findings: list[Finding] = scanner.findings() + final_findings(visible, base)
    findings += waste_findings(tree.waste, base)
    findings = [
        replace(f, created_by=reports[f.layer].created_by) if f.layer < len(reports) else f
        for f in findings
    ]
    findings.sort(key=lambda f: (f.layer, f.rule, f.hidden_by or 0))
    biggest = _biggest(regular, top)
    wasted_copies = heapq.nlargest(
        top,
        (w for w in tree.waste if w.hidden_by >= base),
        key=lambda w: (w.size, w.path),
    )
    return Analysis(
        image=image.name,
        digest=str(image.digest) if image.digest is not None else None,
        total_size=sum(s for s in sizes if s is not None) if None not in sizes else None,
        total_uncompressed_size=sum(uncompressed),
        content_bytes=content,
        visible_bytes=content - counted_waste,
        wasted_bytes=counted_waste,
        efficiency=(content - counted_waste) / content if content else 1.0,
        base=base,
        layers=tuple(reports),
        findings=tuple(findings),
        biggest=tuple(biggest),
        duplicates=tuple(_duplicates(visible, top)),
        wasted=tuple(WastedCopy("/" + w.path, w.size, w.layer, w.hidden_by) for w in wasted_copies),
        files=MappingProxyType(files),
    )


def _file_changes(changes: LayerChanges) -> tuple[FileChange, ...] | None:
    written = changes.written
    if written is None:
        return None
    out = []
    for change, paths in (("added", changes.added), ("changed", changes.changed)):
        for path in paths:
            kind, size = written.get(path, ("file", 0))
            out.append(FileChange("/" + path, change, kind, size))
    out.extend(FileChange("/" + path, "removed", "", 0) for path in changes.removed)
    out.sort(key=lambda f: f.path)
    return tuple(out)


def _biggest(regular: list[Visible], top: int) -> list[FileInfo]:
    """The largest visible copies; a copy with several hardlinked paths is listed once."""
    ordered = sorted(
        (v for v in regular if v.size),
        key=lambda v: (v.size, v.kind == FILE, v.path),  # a copy is named by its own path
        reverse=True,
    )
    out: list[FileInfo] = []
    seen: set[int] = set()
    for v in ordered:
        if len(out) >= top:
            break
        if id(v.blob) not in seen:
            seen.add(id(v.blob))
            out.append(FileInfo("/" + v.path, v.size, v.layer))
    return out


def _duplicates(visible: list[Visible], top: int) -> list[Duplicate]:
    """Visible regular files with the same size and content sha256 at different paths."""
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    seen: set[int] = set()
    for item in visible:
        blob = item.blob
        if item.kind != FILE or blob is None or blob.digest is None or not item.size:
            continue
        if id(blob) in seen:
            continue  # a hardlink of a copy already counted: it takes no extra space
        seen.add(id(blob))
        groups[(item.size, blob.digest)].append("/" + item.path)
    dups = [
        Duplicate(digest, size, tuple(sorted(paths)))
        for (size, digest), paths in groups.items()
        if len(paths) > 1
    ]
    dups.sort(key=lambda d: (-d.extra_bytes, d.paths))
    return dups[:top]
