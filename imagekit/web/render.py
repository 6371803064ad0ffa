"""Templates: one Jinja2 environment, auto-escaping everything, with the filters the pages
use for sizes, digests, times and history lines; and the URLs of the pages.

Whatever a registry, an image or a request carries (tags, labels, ``created_by``,
annotations, error messages) reaches a page only through the templates, escaped: a label
``<script>`` shows as text. :func:`inline_code` is the one filter that returns markup,
and it builds it from escaped pieces.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagekit.report.sizes import human_delta, human_size, percent
from imagekit.report.text import short_created_by, short_digest

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def repository_url(name: str) -> str:
    return f"/r/{name}"


def tag_url(repository: str, tag: str) -> str:
    return f"/r/{repository}/-/tag/{tag}"


def digest_url(repository: str, digest: object) -> str:
    return f"/r/{repository}/-/digest/{digest}"


def rule_url(rule_id: str) -> str:
    return f"/rules/{rule_id}"


def size(value: int | None) -> str:
    return "-" if value is None else human_size(value)


def delta(value: int | None) -> str:
    return "-" if value is None else human_delta(value)


def when(value: str | float | None) -> str:
    """An RFC 3339 time or seconds since the epoch as ``2024-05-01 12:00 UTC``."""
    if value is None or value == "":
        return "-"
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return str(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def ago(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def inline_code(text: str) -> Any:
    """``text`` escaped, with its backtick spans as ``<code>`` (the rule docs' style)."""
    from markupsafe import Markup, escape

    parts = str(text).split("`")
    out = []
    for i, part in enumerate(parts):
        piece = escape(part)
        out.append(Markup(f"<code>{piece}</code>") if i % 2 and i < len(parts) - 1 else piece)
    if len(parts) % 2 == 0:  # an unmatched backtick stays a backtick
        out[-1] = escape("`" + parts[-1])
    return Markup("").join(out)


def environment() -> jinja2.Environment:
    """The environment of every page: files from :data:`TEMPLATES`, auto-escaped."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        size=size,
        delta=delta,
        short=lambda d: short_digest(str(d) if d else None),
        when=when,
        ago=ago,
        percent=percent,
        created_by=lambda text, width=80: short_created_by(text or "", width),
        code=inline_code,
    )
    env.globals.update(
        repository_url=repository_url,
        tag_url=tag_url,
        digest_url=digest_url,
        rule_url=rule_url,
        now=time.time,
    )
    return env
