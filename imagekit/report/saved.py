"""Saved size reports: the JSON that ``imagekit report compare --format json`` (and
``imagekit push --format json``, under its ``size_report`` key) writes, loaded and merged
into one report, and :func:`markdown_from_files` for the pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imagekit.errors import ImageError, InputError
from imagekit.report.sizerender import render_size_report
from imagekit.report.sizereport import KIND, SizeReport, merge

#: Files taken as Markdown and included as they are; ``.json`` files are size reports;
#: anything else is a size report when it parses as JSON, else Markdown.
MARKDOWN_SUFFIXES = (".md", ".markdown")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read {path}: {reason}") from None


def _reports(data: Any, what: str) -> list[SizeReport]:
    """The size reports in a loaded JSON document: a report, ``{"size_report": ...}``, or
    a list of either."""
    if isinstance(data, list):
        return [r for i, item in enumerate(data) for r in _reports(item, f"{what}[{i}]")]
    if isinstance(data, dict) and "size_report" in data and data.get("kind") != KIND:
        return _reports(data["size_report"], f"{what} size_report")
    return [SizeReport.from_dict(data, what)]


def load_report(path: Path) -> SizeReport:
    """The size report saved in ``path`` (several in one file are merged)."""
    text = _read(path)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImageError(
            f"{path}: not valid JSON ({exc})", hint="pass the --format json output"
        ) from None
    return merge(_reports(data, str(path)))


def load_reports(paths: Sequence[Path]) -> SizeReport:
    """The size reports in ``paths`` merged into one, images in the order given."""
    return merge([load_report(Path(p)) for p in paths])


def _is_json(path: Path, text: str) -> bool:
    if path.suffix.lower() == ".json":
        return True
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def markdown_from_files(paths: Sequence[Path]) -> str:
    """One Markdown text for a pull-request comment from ``paths``.

    JSON size reports are merged into one report, rendered where the first of them was
    named; Markdown files are included as they are, in the order given. InputError for a
    file that cannot be read, ImageError for JSON that is not a size report.
    """
    parts: list[str | None] = []
    reports: list[SizeReport] = []
    for raw in paths:
        path = Path(raw)
        text = _read(path)
        if _is_json(path, text):
            if not reports:
                parts.append(None)  # where the merged report goes
            reports.append(load_report(path))
        else:
            parts.append(text.strip("\n"))
    merged = render_size_report(merge(reports), "markdown").rstrip("\n") if reports else ""
    texts = [merged if part is None else part for part in parts]
    return "\n\n".join(t for t in texts if t) + "\n"
