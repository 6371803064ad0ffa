"""Text helpers of the renderers: short digests, readable history, tables, Markdown escapes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

#: tabulate's table style for terminals and for Markdown.
TABLE, MARKDOWN = "simple", "github"
CREATED_BY_WIDTH = 60

_NOP = re.compile(r"^/bin/sh -c #\(nop\)\s+")
_SHELL = re.compile(r"^(?:RUN )?/bin/(?:ba)?sh -c\s+")
_BUILDKIT = re.compile(r"\s*# buildkit$")


def short_digest(digest: str | None) -> str:
    """``sha256:0123456789ab`` (12 hex digits), or ``-``."""
    if not digest:
        return "-"
    algorithm, _, hexa = digest.partition(":")
    return f"{algorithm}:{hexa[:12]}" if hexa else digest[:19]


def short_created_by(text: str, width: int = CREATED_BY_WIDTH) -> str:
    """A history entry as the instruction it came from, on one line, at most ``width`` wide.

    ``/bin/sh -c #(nop) ENV A=1`` reads ``ENV A=1``; ``/bin/sh -c apt-get ...`` and
    BuildKit's ``RUN /bin/sh -c apt-get ... # buildkit`` read ``RUN apt-get ...``.
    """
    line = " ".join(text.split())
    line = _BUILDKIT.sub("", line)
    if _NOP.match(line):
        line = _NOP.sub("", line)
    elif _SHELL.match(line):
        line = "RUN " + _SHELL.sub("", line)
    if len(line) > width:
        line = line[: width - 3].rstrip() + "..."
    return line or "-"


def md(text: str) -> str:
    """``text`` safe inside a Markdown table cell (pipes, newlines, HTML and emphasis)."""
    out = " ".join(text.split())
    for char in ("\\", "|", "*", "_", "`", "[", "]", "<", ">"):
        out = out.replace(char, "\\" + char)
    return out


def code(text: str) -> str:
    """``text`` as an inline Markdown code span (safe inside a table cell)."""
    inner = " ".join(text.split()).replace("|", "\\|")
    fence = "``" if "`" in inner else "`"
    pad = " " if inner.startswith("`") or inner.endswith("`") else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], markdown: bool, align: str = ""
) -> str:
    """Rows as a terminal table or a GitHub Markdown table.

    ``align`` has one letter per column, ``l`` or ``r`` (left when missing).
    """
    columns = tuple("right" if align[i : i + 1] == "r" else "left" for i in range(len(headers)))
    return str(
        tabulate(
            [list(row) for row in rows],
            headers=list(headers),
            tablefmt=MARKDOWN if markdown else TABLE,
            disable_numparse=True,
            colalign=columns,
        )
    )
