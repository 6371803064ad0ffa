"""Reports on images: renderers (table, JSON, Markdown) for inspect and diff, and the CI gate."""

from __future__ import annotations

from imagekit.report.diff import render_diff
from imagekit.report.gate import Crossing, Limit, Limits, check
from imagekit.report.inspect import render_inspect

__all__ = ["Crossing", "Limit", "Limits", "check", "render_diff", "render_inspect"]
