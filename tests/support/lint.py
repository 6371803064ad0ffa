"""Lint helpers for tests: run the real engine over Dockerfile text."""

from __future__ import annotations

import textwrap
from pathlib import Path

from imagekit.lint.context import LintOptions
from imagekit.lint.engine import Linter
from imagekit.lint.findings import Finding


def lint(
    text: str,
    *,
    target: str | None = None,
    directory: Path | None = None,
    context: Path | None = None,
    dedent: bool = True,
    trusted_registries: tuple[str, ...] = (),
) -> list[Finding]:
    """Lint Dockerfile text (dedented by default) and return every finding."""
    if dedent:
        text = textwrap.dedent(text).lstrip("\n")
    options = LintOptions(
        target=target,
        context=context,
        enable=frozenset({"ALL"}),
        trusted_registries=trusted_registries,
    )
    linter = Linter(options)
    return linter.lint_text(text, "Dockerfile", directory if context is None else context)


def hits(text: str, rule: str, **kwargs: object) -> list[Finding]:
    """Findings of one rule."""
    return [f for f in lint(text, **kwargs) if f.rule == rule]  # type: ignore[arg-type]


def lines(text: str, rule: str, **kwargs: object) -> list[int]:
    """Lines where ``rule`` fires."""
    return [f.line for f in hits(text, rule, **kwargs)]


def run_spans(
    rule: str, run: str, base: str = "FROM debian:bookworm-slim\n"
) -> list[tuple[int, int, int]]:
    """``(line, column, end_column)`` of each finding of ``rule`` for one RUN after ``base``."""
    return [(f.line, f.column, f.end_column) for f in hits(base + run + "\n", rule, dedent=False)]


def listed_names(rule: str, run: str, base: str = "FROM debian:bookworm-slim\n") -> list[str]:
    """The backquoted names the one finding of ``rule`` lists for one RUN after ``base``.

    For messages of the form "... without a version for `a`, `b`: advice".
    """
    found = hits(base + run + "\n", rule, dedent=False)
    assert len(found) == 1, found
    listed = found[0].message.split(" without a version for ", 1)[1].split(": ", 1)[0]
    return [name.strip("`") for name in listed.split(", ")]
