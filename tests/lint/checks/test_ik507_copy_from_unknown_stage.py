"""IK507 copy-from-unknown-stage: COPY --from naming no earlier stage."""

from __future__ import annotations

import pytest

from imagekit.catalog import load_catalog
from tests.support.lint import hits, lines

RULE = "IK507"


def test_catalogue_examples() -> None:
    rule = load_catalog().get(RULE)
    found = hits(rule.bad, RULE)
    assert [(f.line, f.column, f.end_line) for f in found] == [(5, 1, 5)]
    assert "`--from=build`" in found[0].message
    assert "docker.io/library/build:latest" in found[0].message
    assert lines(rule.good, RULE) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("builder", []),
        ("BUILDER", []),
        ("0", []),
        ("1", []),
        ("2", []),  # the stage itself: IK519
        ("3", [4]),
        ("7", [4]),
        ("biulder", [4]),
        ("busybox", [4]),
        ("busybox:1.36", []),
        ("docker.io/library/busybox", []),
        ("ghcr.io/org/tools:1", []),
        ("${TOOLS}", []),
        ("$TOOLS", []),
    ],
)
def test_from_values(source: str, expected: list[int]) -> None:
    text = f"""\
        FROM golang:1.22 AS builder
        FROM debian:bookworm-slim AS assets
        FROM debian:bookworm-slim
        COPY --from={source} /a /a
        """
    assert lines(text, RULE) == expected


def test_later_or_own_stage() -> None:
    text = """\
        FROM debian:bookworm-slim AS first
        COPY --from=second /a /a
        COPY --from=first /b /b
        FROM debian:bookworm-slim AS second
        """
    found = hits(text, RULE)
    assert [f.line for f in found] == [2]  # line 3, the stage's own name, is IK519's
    assert "at or after this one" in found[0].message
    assert [f.line for f in hits(text, "IK519")] == [3]


def test_index_in_the_first_stage() -> None:
    (finding,) = hits("FROM debian:bookworm-slim\nCOPY --from=1 /a /a\n", RULE, dedent=False)
    assert "first stage" in finding.message


def test_other_instructions_and_flags() -> None:
    text = """\
        FROM debian:bookworm-slim
        COPY --chown=app:app a /a
        ADD --chown=1 b /b
        RUN --mount=type=bind,from=nowhere,target=/x ls /x
        COPY --link --from=nowhere \\
          /c /c
        """
    found = hits(text, RULE)
    assert [(f.line, f.end_line) for f in found] == [(5, 5)]


def test_every_stage() -> None:
    text = """\
        FROM golang:1.22 AS build
        COPY --from=tools /x /x
        FROM debian:bookworm-slim
        COPY --from=build /app /app
        COPY --from=tool /y /y
        """
    assert lines(text, RULE) == [2, 5]
