"""Saved size reports: the JSON that ``imagekit report compare --format json`` (and
``imagekit push --format json``, under its ``size_report`` key) writes, loaded and merged
into one report, and :func:`markdown_from_files` for the pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imagekit.errors import ImageError, InputError
from imagekit.report.record import LedgerRecord, parse_record
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


def _trends(data: Any, what: str) -> list[list[LedgerRecord]]:
    """The size trends saved beside a report (``imagekit push --format json``'s ``trends``:
    the ledger records of each pushed tag, oldest first)."""
    if isinstance(data, list):
        return [t for i, item in enumerate(data) for t in _trends(item, f"{what}[{i}]")]
    trends = data.get("trends") if isinstance(data, dict) else None
    if not isinstance(trends, list):
        return []
    found = []
    for i, trend in enumerate(trends):
        if not isinstance(trend, list):
            raise ImageError(f"{what}: trends[{i}] must be a list of ledger records")
        try:
            found.append([parse_record(json.dumps(r).encode()) for r in trend])
        except ValueError as exc:
            raise ImageError(f"{what}: trends[{i}]: {exc}") from None
    return found


def _load(path: Path) -> Any:
    text = _read(path)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ImageError(
            f"{path}: not valid JSON ({exc})", hint="pass the --format json output"
        ) from None


def load_report(path: Path) -> SizeReport:
    """The size report saved in ``path`` (several in one file are merged)."""
    return merge(_reports(_load(path), str(path)))


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
    trends: list[list[LedgerRecord]] = []
    for raw in paths:
        path = Path(raw)
        text = _read(path)
        if _is_json(path, text):
            if not reports:
                parts.append(None)  # where the merged report goes
            data = _load(path)
            reports.append(merge(_reports(data, str(path))))
            trends.extend(_trends(data, str(path)))
        else:
            parts.append(text.strip("\n"))
    merged = ""
    if reports:
        merged = render_size_report(merge(reports), "markdown", trends=trends).rstrip("\n")
    texts = [merged if part is None else part for part in parts]
    return "\n\n".join(t for t in texts if t) + "\n"
