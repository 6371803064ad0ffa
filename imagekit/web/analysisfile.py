"""An :class:`~imagekit.analyze.Analysis` as a file, and back: the disk form of the analysis
cache.

``Analysis.to_dict()`` leaves out the final file system's regular files (they are only
needed to diff two images, and can be many); this form adds them as ``[path, size,
layer]`` triples, so that a cached analysis diffs as well as a fresh one. The ``version``
changes whenever the form does: a file of another version is not read (the image is
analysed again).
"""

from __future__ import annotations

import json
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from imagekit.analyze.report import (
    Analysis,
    Duplicate,
    FileInfo,
    Finding,
    LayerReport,
    WastedCopy,
)

VERSION = 1


def dump(analysis: Analysis) -> bytes:
    """The bytes of the file for ``analysis``."""
    files = [[f.path, f.size, f.layer] for f in analysis.files.values()]
    data = {"version": VERSION, "analysis": analysis.to_dict(), "files": files}
    return json.dumps(data, separators=(",", ":")).encode()


def load(raw: bytes) -> Analysis:
    """The analysis in ``raw``; ValueError when it is not a file of this version."""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not an analysis file of this version")
        return _analysis(data["analysis"], data["files"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed analysis file ({type(exc).__name__}: {exc})") from None


def _analysis(a: dict[str, Any], files: list[list[Any]]) -> Analysis:
    found = {str(p): FileInfo(str(p), int(s), int(n)) for p, s, n in files}
    return Analysis(
        image=str(a["image"]),
        digest=a["digest"],
        total_size=a["total_size"],
        total_uncompressed_size=int(a["total_uncompressed_size"]),
        content_bytes=int(a["content_bytes"]),
        visible_bytes=int(a["visible_bytes"]),
        wasted_bytes=int(a["wasted_bytes"]),
        efficiency=float(a["efficiency"]),
        base=int(a["base"]),
        layers=tuple(_layer(layer) for layer in a["layers"]),
        findings=tuple(_finding(f) for f in a["findings"]),
        biggest=tuple(FileInfo(f["path"], f["size"], f["layer"]) for f in a["biggest"]),
        duplicates=tuple(
            Duplicate(d["sha256"], d["size"], tuple(d["paths"])) for d in a["duplicates"]
        ),
        wasted=tuple(
            WastedCopy(w["path"], w["size"], w["layer"], w["hidden_by"]) for w in a["wasted"]
        ),
        files=MappingProxyType(found),
    )


def _layer(d: dict[str, Any]) -> LayerReport:
    return LayerReport(
        index=int(d["index"]),
        digest=str(d["digest"]),
        diff_id=str(d["diff_id"]),
        size=d["size"],
        uncompressed_size=int(d["uncompressed_size"]),
        created_by=str(d["created_by"]),
        files_added=int(d["files_added"]),
        files_changed=int(d["files_changed"]),
        files_removed=int(d["files_removed"]),
        content_bytes=int(d["content_bytes"]),
        wasted_bytes=int(d["wasted_bytes"]),
        hidden_by=tuple((int(h["layer"]), int(h["bytes"])) for h in d["hidden_by"]),
        hides=tuple((int(h["layer"]), int(h["bytes"])) for h in d["hides"]),
        base=bool(d["base"]),
        compressed_size_computed=bool(d["size_computed"]),
    )


def _finding(d: dict[str, Any]) -> Finding:
    """A finding from its ``to_dict()``: every field the dict holds (fields added to
    Finding later, with defaults, come back too)."""
    values = {f.name: d[f.name] for f in fields(Finding) if f.name in d}
    values["paths"] = tuple(str(p) for p in values.get("paths", ()))
    return Finding(**values)
